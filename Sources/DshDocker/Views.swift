// Views.swift: the docker CLI's human views: `docker.ps(all:)`, `docker.images.ls()`
// and `docker.df()` print the CLI's columns (short ids, quoted commands, "5 minutes
// ago", ports, names, human sizes) as its tabwriter lays them out, coloured on a
// terminal (unless NO_COLOR), plain when piped; `rows: true` returns the rows instead.
import DockerEngine
import DshCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum Views {
    /// One cell: its text and the colour it gets on a terminal.
    struct Cell {
        var text: String
        var color: String? = nil
    }

    /// `docker.ps(all: false, filters:, rows: false)`.
    static func ps(_ s: DockerSession, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only(["all", "filters", "limit", "rows"])
        let q = try args.query(skipping: ["rows"])
        let list = try s.json(rt, Endpoints.containerList, query: q)
        guard case .list(let containers) = list else { return .null }
        let now = TimeText.now()
        let rows = containers.items.map { containerRow(record($0), now: now) }
        return try finish(psHeader, rows, args, rt)
    }

    static let psHeader = ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
    static let imagesHeader = ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]

    /// A container's `docker ps` cells, from a list item or an inspect.
    static func containerRow(_ c: [String: Value], now: Double) -> [Cell] {
        let config = c["Config"].map(record) ?? [:]
        var image = string(c["Image"])
        if let configured = config["Image"] { image = string(configured) }
        if image.hasPrefix("sha256:") { image = String(image.dropFirst(7).prefix(12)) }
        var command = string(c["Command"])
        if c["Command"] == nil {
            command = ([string(c["Path"])] + strings(c["Args"])).joined(separator: " ")
        }
        var status = string(c["Status"])
        var state = string(c["State"])
        if case .map(let st)? = c["State"] {
            let m = record(.map(st))
            state = string(m["Status"])
            status = inspectStatus(m, now: now)
        }
        var portsText = ports(c["Ports"])
        if c["Ports"] == nil, case .map(let ns)? = c["NetworkSettings"], case .map(let p)? = ns["Ports"] {
            portsText = inspectPorts(p)
        }
        let nameText = c["Names"] != nil ? names(c["Names"]) : names(.list([c["Name"] ?? .null]))
        return [
            Cell(text: String(string(c["Id"]).prefix(12))),
            Cell(text: image),
            Cell(text: quote(ellipsis(command, 20))),
            Cell(text: TimeText.ago(time(c["Created"]), now: now)),
            Cell(text: status, color: statusColor(status, state: state)),
            Cell(text: portsText),
            Cell(text: nameText),
        ]
    }

    /// STATUS from an inspect's `State`, worded as the daemon words it in lists.
    static func inspectStatus(_ s: [String: Value], now: Double) -> String {
        let health: String
        if case .map(let h)? = s["Health"], case .string(let hs)? = h["Status"] {
            health = hs == "starting" ? " (health: starting)" : " (\(hs))"
        } else {
            health = ""
        }
        switch string(s["Status"]) {
        case "running":
            return "Up " + TimeText.humanDuration(now - time(s["StartedAt"])) + health
        case "paused": return "Up " + TimeText.humanDuration(now - time(s["StartedAt"])) + " (Paused)"
        case "restarting": return "Restarting (\(Int(number(s["ExitCode"])))) " + TimeText.ago(time(s["FinishedAt"]), now: now)
        case "exited": return "Exited (\(Int(number(s["ExitCode"])))) " + TimeText.ago(time(s["FinishedAt"]), now: now)
        case "created": return "Created"
        case "dead": return "Dead"
        case "removing": return "Removal In Progress"
        case let other: return other
        }
    }

    /// PORTS from an inspect's `NetworkSettings.Ports` map.
    static func inspectPorts(_ m: MapRef) -> String {
        var items: [Value] = []
        for (key, bindings) in m.entries {
            let parts = key.split(separator: "/")
            let priv = Int(parts.first ?? "") ?? 0
            let type = parts.count > 1 ? String(parts[1]) : "tcp"
            if case .list(let l) = bindings, !l.items.isEmpty {
                for b in l.items.map(record) {
                    items.append(.map(["IP": b["HostIp"] ?? .string(""), "PrivatePort": .int(priv), "PublicPort": .int(Int(string(b["HostPort"])) ?? 0), "Type": .string(type)]))
                }
            } else {
                items.append(.map(["PrivatePort": .int(priv), "Type": .string(type)]))
            }
        }
        return ports(.list(items))
    }

    /// The REPL's summary row of a container or image: the CLI's columns as a map.
    static func summary(_ o: ResourceObject) -> Value? {
        let now = TimeText.now()
        switch o.kind {
        case .container:
            let m = MapRef()
            for (k, cell) in zip(psHeader, containerRow(record(.map(o.data)), now: now)) { m[k] = .string(cell.text) }
            return .map(m)
        case .image:
            // One row: the reference it was fetched by, else its first tag.
            let rows = imageRows(record(.map(o.data)), now: now)
            let row = rows.first { r in o.ref.map { splitTag($0) == (r[0].text, r[1].text) } ?? false } ?? rows.first
            guard let row else { return nil }
            let m = MapRef()
            for (k, cell) in zip(imagesHeader, row) { m[k] = .string(cell.text) }
            return .map(m)
        default:
            return nil
        }
    }

    /// A time field: seconds (list shapes) or RFC 3339 (inspect shapes).
    static func time(_ v: Value?) -> Double {
        if case .string(let s)? = v { return (try? TimeText.parseRFC3339(s)) ?? 0 }
        return number(v)
    }

    /// `docker.images.ls(all: false, filters:, rows: false)`: one row per tag.
    static func images(_ s: DockerSession, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only(["all", "filters", "rows"])
        let q = try args.query(skipping: ["rows"])
        let list = try s.json(rt, Endpoints.imageList, query: q)
        guard case .list(let images) = list else { return .null }
        let now = TimeText.now()
        let rows = images.items.flatMap { imageRows(record($0), now: now) }
        return try finish(imagesHeader, rows, args, rt)
    }

    /// An image's `docker images` rows (one per tag).
    static func imageRows(_ i: [String: Value], now: Double) -> [[Cell]] {
        var id = string(i["Id"])
        if id.hasPrefix("sha256:") { id = String(id.dropFirst(7)) }
        let rest = [Cell(text: String(id.prefix(12))), Cell(text: TimeText.ago(time(i["Created"]), now: now)),
                    Cell(text: humanSize(number(i["Size"]), precision: 3))]
        var tags = strings(i["RepoTags"]).filter { $0 != "<none>:<none>" }
        if tags.isEmpty {
            // Dangling, or pulled by digest only: the repository from a digest, tag <none>.
            let repos = strings(i["RepoDigests"]).compactMap { d in d.split(separator: "@").first.map(String.init) }.filter { $0 != "<none>" }
            tags = repos.isEmpty ? ["<none>:<none>"] : Array(Set(repos)).sorted().map { $0 + ":<none>" }
        }
        return tags.map { tag in
            let (repo, t) = splitTag(tag)
            return [Cell(text: repo), Cell(text: t)] + rest
        }
    }

    /// `docker.df(rows: false)`: `docker system df`.
    static func df(_ s: DockerSession, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only(["rows"])
        let du = record(try s.json(rt, Endpoints.df))
        func items(_ key: String) -> [[String: Value]] {
            if case .list(let l)? = du[key] { return l.items.map(record) }
            return []
        }
        func reclaimable(_ r: Double, of total: Double) -> String {
            total > 0 ? "\(humanSize(r, precision: 4)) (\(Int(r * 100 / total))%)" : humanSize(r, precision: 4)
        }
        let images = items("Images")
        let imagesSize = number(du["LayersSize"])
        var imagesUsed = 0.0
        for i in images where number(i["Containers"]) > 0 {
            let size = number(i["Size"]), shared = number(i["SharedSize"])
            if size >= 0 && shared >= 0 { imagesUsed += size - shared }
        }
        let containers = items("Containers")
        let active: ([String: Value]) -> Bool = { c in
            let state = string(c["State"])
            return state.contains("running") || state == "paused" || state == "restarting"
        }
        let containersSize = containers.reduce(0) { $0 + max(0, number($1["SizeRw"])) }
        let containersFree = containers.filter { !active($0) }.reduce(0) { $0 + max(0, number($1["SizeRw"])) }
        let volumes = items("Volumes")
        func usage(_ v: [String: Value], _ key: String) -> Double {
            if case .map(let u)? = v["UsageData"], let n = u[key] { return number(n) }
            return -1
        }
        let volumesSize = volumes.reduce(0) { $0 + max(0, usage($1, "Size")) }
        let volumesFree = volumes.filter { usage($0, "RefCount") <= 0 }.reduce(0) { $0 + max(0, usage($1, "Size")) }
        let cache = items("BuildCache")
        let cacheSize = cache.reduce(0) { $0 + max(0, number($1["Size"])) }
        let cacheFree = cache.filter { !truthy($0["InUse"]) && !truthy($0["Shared"]) }.reduce(0) { $0 + max(0, number($1["Size"])) }
        let header = ["TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE"]
        let rows: [[Cell]] = [
            ["Images", "\(images.count)", "\(images.filter { number($0["Containers"]) > 0 }.count)",
             humanSize(imagesSize, precision: 4), reclaimable(max(0, imagesSize - imagesUsed), of: imagesSize)],
            ["Containers", "\(containers.count)", "\(containers.filter(active).count)",
             humanSize(containersSize, precision: 4), reclaimable(containersFree, of: containersSize)],
            ["Local Volumes", "\(volumes.count)", "\(volumes.filter { usage($0, "RefCount") > 0 }.count)",
             humanSize(volumesSize, precision: 4), reclaimable(volumesFree, of: volumesSize)],
            ["Build Cache", "\(cache.count)", "\(cache.filter { truthy($0["InUse"]) }.count)",
             humanSize(cacheSize, precision: 4), humanSize(cacheFree, precision: 4)],
        ].map { $0.map { Cell(text: $0) } }
        return try finish(header, rows, args, rt)
    }

    // MARK: output

    /// Prints the table (nil) or, with `rows: true`, returns the rows as maps keyed by
    /// the header.
    static func finish(_ header: [String], _ rows: [[Cell]], _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        if try args.bool("rows") == true {
            return .list(rows.map { row in
                let m = MapRef()
                for (k, cell) in zip(header, row) { m[k] = .string(cell.text) }
                return .map(m)
            })
        }
        rt.write(render(header, rows, color: useColor(rt)))
        return .null
    }

    /// Whether to colour: standard output is a terminal and `NO_COLOR` is unset.
    static func useColor(_ rt: any Runtime) -> Bool {
        rt.outputIsTerminal && (getenv("NO_COLOR").map { String(cString: $0).isEmpty } ?? true)
    }

    /// The docker CLI's tabwriter layout (minimum cell width 10, padding 3), widths in
    /// terminal cells; the header bold when coloured.
    static func render(_ header: [String], _ rows: [[Cell]], color: Bool) -> String {
        let all = [header.map { Cell(text: $0, color: color ? "1" : nil) }] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all { for (i, c) in row.enumerated() { widths[i] = max(widths[i], DisplayWidth.of(c.text)) } }
        var out = ""
        for row in all {
            var line = ""
            for (i, c) in row.enumerated() {
                if color, let code = c.color { line += "\u{1B}[\(code)m" + c.text + "\u{1B}[0m" } else { line += c.text }
                if i < row.count - 1 {
                    line += String(repeating: " ", count: max(10, widths[i] + 3) - DisplayWidth.of(c.text))
                }
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    /// Green when up (yellow when paused, restarting or unhealthy), red when it exited
    /// with a non-zero code or is dead.
    static func statusColor(_ status: String, state: String) -> String? {
        if status.contains("(unhealthy)") || state == "paused" || state == "restarting" { return "33" }
        if status.hasPrefix("Up") { return "32" }
        if state == "dead" || (status.hasPrefix("Exited (") && !status.hasPrefix("Exited (0)")) { return "31" }
        return nil
    }

    // MARK: cells

    /// The CLI's `Ellipsis`: cut to `width` cells with `…`.
    static func ellipsis(_ s: String, _ width: Int) -> String {
        DisplayWidth.of(s) <= width ? s : TableRenderer.truncate(s, to: width)
    }

    /// Go's `strconv.Quote` for the common cases.
    static func quote(_ s: String) -> String {
        var out = "\""
        for ch in s.unicodeScalars {
            switch ch {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out + "\""
    }

    /// The CLI's PORTS (its `DisplayablePorts`): ports sorted by private port, IP, public
    /// port and type; consecutive ones published on the same number grouped
    /// (`0.0.0.0:8000-8002->8000-8002/tcp`, `53/udp`), the others after them
    /// (`0.0.0.0:8080->80/tcp`, `[::]:8080->80/tcp`).
    static func ports(_ v: Value?) -> String {
        guard case .list(let l)? = v else { return "" }
        struct Port { var ip: String; var priv: Int; var pub: Int; var type: String }
        let list = l.items.map(record).map { p in
            Port(ip: string(p["IP"]), priv: Int(number(p["PrivatePort"])), pub: Int(number(p["PublicPort"])), type: string(p["Type"]))
        }.sorted { a, b in
            if a.priv != b.priv { return a.priv < b.priv }
            if a.ip != b.ip { return a.ip < b.ip }
            if a.pub != b.pub { return a.pub < b.pub }
            return a.type < b.type
        }
        var groups: [String: (first: Int, last: Int)] = [:]
        var order: [String] = []
        var result: [String] = []
        var mappings: [String] = []
        func form(_ key: String, _ first: Int, _ last: Int) -> String {
            let parts = key.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            var group = first == last ? "\(first)" : "\(first)-\(last)"
            if parts.count > 1 { group = "\(parts[0]):\(group)->\(group)" }
            return "\(group)/\(parts.last ?? "")"
        }
        for p in list {
            var key = p.type
            if !p.ip.isEmpty {
                if p.pub != p.priv {
                    let host = p.ip.contains(":") ? "[\(p.ip)]:\(p.pub)" : "\(p.ip):\(p.pub)"
                    mappings.append("\(host)->\(p.priv)/\(p.type)")
                    continue
                }
                key = "\(p.ip)/\(p.type)"
            }
            guard let g = groups[key] else {
                groups[key] = (p.priv, p.priv)
                order.append(key)
                continue
            }
            if p.priv == g.last + 1 {
                groups[key] = (g.first, p.priv)
                continue
            }
            result.append(form(key, g.first, g.last))
            groups[key] = (p.priv, p.priv)
        }
        for key in order { if let g = groups[key] { result.append(form(key, g.first, g.last)) } }
        return (result + mappings).joined(separator: ", ")
    }

    /// NAMES: the names without `/`, links left out.
    static func names(_ v: Value?) -> String {
        strings(v).map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }.filter { !$0.contains("/") }.joined(separator: ",")
    }

    /// `repo:tag` split at the tag's colon (not a registry port's).
    static func splitTag(_ ref: String) -> (String, String) {
        if let colon = ref.lastIndex(of: ":"), !ref[colon...].contains("/") {
            return (String(ref[..<colon]), String(ref[ref.index(after: colon)...]))
        }
        return (ref, "<none>")
    }

    /// go-units' `HumanSizeWithPrecision` (decimal units).
    static func humanSize(_ size: Double, precision: Int) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
        var s = size
        var i = 0
        while s >= 1000 && i < units.count - 1 {
            s /= 1000
            i += 1
        }
        var buf = [CChar](repeating: 0, count: 64)
        _ = withVaList([Int32(precision), s]) { vsnprintf(&buf, 64, "%.*g", $0) }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + units[i]
    }

    // MARK: reading JSON values

    static func record(_ v: Value) -> [String: Value] {
        switch v {
        case .map(let m): return Dictionary(m.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        case .object(let o): if let p = o.plainValue { return record(p) }
        default: break
        }
        return [:]
    }

    static func string(_ v: Value?) -> String {
        switch v {
        case .string(let s)?: return s
        case .int(let i)?: return String(i)
        default: return ""
        }
    }

    static func strings(_ v: Value?) -> [String] {
        guard case .list(let l)? = v else { return [] }
        return l.items.compactMap { if case .string(let s) = $0 { return s }; return nil }
    }

    static func number(_ v: Value?) -> Double {
        switch v {
        case .int(let i)?: return Double(i)
        case .float(let d)?: return d
        default: return 0
        }
    }

    static func truthy(_ v: Value?) -> Bool { v?.isTruthy ?? false }
}
