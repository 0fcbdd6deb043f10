// ViewsTests.swift: `docker.ps`, `docker.images.ls` and `docker.df` against the real
// engine, cell for cell against the docker CLI's own `ps`, `images` and `system df`
// (times aside, which may tick between the two calls), plus the layout and colours.
import DockerEngine
import DshCore
@testable import DshDocker
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct ViewsTests {
    let image = lit(Engine.image)

    /// A table's rows split into cells (cells are separated by 3 or more spaces).
    static func cells(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { line in
            var cells: [String] = []
            var current = ""
            var spaces = 0
            for ch in line {
                if ch == " " { spaces += 1; continue }
                if spaces >= 2 && !current.isEmpty { cells.append(current); current = "" } else if spaces > 0 { current += String(repeating: " ", count: spaces) }
                spaces = 0
                current.append(ch)
            }
            if !current.isEmpty { cells.append(current) }
            return cells
        }
    }

    @Test func psMatchesTheCLI() async throws {
        let name = Engine.name("ps")
        let r = try await dsh("""
            let c = docker.containers.create(\(image), cmd: ["sh", "-c", "sleep 60; echo a very long command line here"], network: "none", name: \(lit(name)))
            docker.ps(all: true, filters: {name: [\(lit(name))]})
            print(json(docker.ps(all: true, filters: {name: [\(lit(name))]}, rows: true)[0].NAMES))
            """)
        defer { _ = runCommand(["docker", "rm", "-f", name]) }
        let cli = runCommand(["docker", "ps", "-a", "--filter", "name=\(name)"])
        let ours = Self.cells(r.output)
        let theirs = Self.cells(cli.output)
        #expect(ours.first == theirs.first, "header: \(r.output) vs \(cli.output)")
        #expect(ours.count == 3 && theirs.count == 2, "\(r.output)")
        if ours.count == 3 && theirs.count == 2 {
            // ID, IMAGE, COMMAND, (CREATED), STATUS, (PORTS empty), NAMES
            #expect(ours[1][0..<3] == theirs[1][0..<3], "\(r.output) vs \(cli.output)")
            #expect(ours[1].last == theirs[1].last)
            #expect(ours[1][4] == "Created" && theirs[1][4] == "Created")
            #expect(ours[2] == ["\"\(name)\""])
        }
        // The header starts the CLI's way, minimum cell width 10 and 3 spaces of padding.
        #expect(r.output.hasPrefix("CONTAINER ID   IMAGE"), "\(r.output)")
    }

    @Test func imagesLsMatchesTheCLI() async throws {
        let repo = Engine.name("img")
        let r = try await dsh("""
            docker.images.get(\(image)).tag(\(lit(repo + ":v1")))
            docker.images.get(\(image)).tag(\(lit(repo + ":v2")))
            docker.images.ls(filters: {reference: [\(lit(repo))]})
            """)
        defer { _ = runCommand(["docker", "rmi", repo + ":v1", repo + ":v2"]) }
        let cli = runCommand(["docker", "images", "--filter", "reference=\(repo)"])
        #expect(Set(Self.cells(r.output).map { $0.joined(separator: "|") }) == Set(Self.cells(cli.output).map { $0.joined(separator: "|") }),
                "\(r.output) vs \(cli.output)")
        #expect(r.output.hasPrefix("REPOSITORY"))
    }

    @Test func dfMatchesTheCLIRows() async throws {
        // The daemon runs one disk-usage computation at a time and refuses a second one
        // (other tests ask for it too): try again shortly when it says so.
        let r = try await dsh("""
            fn again(f) {
                for i in range(50) {
                    try { return f() } catch e { if !contains(e.message, "already running") { throw e } }
                    sleep(0.2)
                }
                return f()
            }
            again(() => docker.df())
            print(json(again(() => docker.df(rows: true)) | map(x => x.TYPE)))
            """)
        var cli = runCommand(["docker", "system", "df"])
        for _ in 0..<50 where cli.status != 0 && cli.output.contains("already running") {
            usleep(200_000)
            cli = runCommand(["docker", "system", "df"])
        }
        let ours = Self.cells(r.output), theirs = Self.cells(cli.output)
        #expect(ours.first == theirs.first, "\(r.output) vs \(cli.output)")
        #expect(ours.dropFirst().prefix(4).map(\.first) == theirs.dropFirst().map(\.first), "\(r.output) vs \(cli.output)")
        #expect(ours.last == ["[\"Images\",\"Containers\",\"Local Volumes\",\"Build Cache\"]"])
        // Sizes are written as the CLI writes them (both read the same daemon).
        for (a, b) in zip(ours.dropFirst().prefix(4), theirs.dropFirst()) where a.count >= 4 && b.count >= 4 {
            #expect(a[1] == b[1] || a[0] == "Containers", "\(a) vs \(b)")  // totals (containers may come and go)
        }
    }

    /// The REPL's rows of a listed and of an inspected container agree with `docker.ps`.
    @Test func summariesOfListedAndInspectedObjects() async throws {
        let name = Engine.name("sum")
        let values: [String] = try await onThread {
            let interp = try makeInterpreter(output: TextSink.capture())
            let v = try interp.evaluate(SourceFile(name: "<sum>", text: """
                let c = docker.containers.create(\(image), cmd: ["sleep", "5"], network: "none", name: \(lit(name)))
                [docker.containers.list(all: true, filters: {name: [\(lit(name))]})[0], c, docker.images.get(\(image)),
                 docker.images.list(filters: {reference: [\(image)]})[0]]
                """))
            guard case .list(let l) = v else { return [] }
            return l.items.map { item in
                guard case .object(let o) = item, let s = (o as? ResourceObject).flatMap(Views.summary) else { return "none" }
                return s.sourceString
            }
        }
        defer { _ = runCommand(["docker", "rm", "-f", name]) }
        #expect(values.count == 4)
        if values.count == 4 {
            // (CREATED aside: a list says whole seconds, an inspect nanoseconds.)
            func timeless(_ s: String) -> [Substring] { s.split(separator: ",").filter { !$0.contains("CREATED:") } }
            #expect(timeless(values[0]) == timeless(values[1]), "listed \(values[0]) vs inspected \(values[1])")
            #expect(values[0].contains("NAMES: \"\(name)\"") && values[0].contains("STATUS: \"Created\""), "\(values[0])")
            #expect(values[0].contains("COMMAND: \"\\\"sleep 5\\\"\""), "\(values[0])")
            #expect(values[2].contains("REPOSITORY: \"dsh-test/busybox\", TAG: \"latest\", \"IMAGE ID\": "), "\(values[2])")
            // Listed images have their first tag; the ID and size are the same.
            #expect(timeless(values[2]).suffix(2) == timeless(values[3]).suffix(2), "\(values[2]) vs \(values[3])")
        }
    }

    @Test func layoutAndColours() {
        let rows = [[Views.Cell(text: "abc"), Views.Cell(text: "Up 5 minutes", color: Views.statusColor("Up 5 minutes", state: "running"))],
                    [Views.Cell(text: "日本語のコンテナ"), Views.Cell(text: "Exited (1) 2 hours ago", color: Views.statusColor("Exited (1) 2 hours ago", state: "exited"))]]
        #expect(Views.render(["ID", "STATUS"], rows, color: false) == """
            ID                 STATUS
            abc                Up 5 minutes
            日本語のコンテナ   Exited (1) 2 hours ago

            """)
        #expect(Views.render(["ID", "STATUS"], rows, color: true) == """
            \u{1B}[1mID\u{1B}[0m                 \u{1B}[1mSTATUS\u{1B}[0m
            abc                \u{1B}[32mUp 5 minutes\u{1B}[0m
            日本語のコンテナ   \u{1B}[31mExited (1) 2 hours ago\u{1B}[0m

            """)
        #expect(Views.humanSize(1_239_000, precision: 3) == "1.24MB")
        #expect(Views.humanSize(0, precision: 4) == "0B")
        #expect(Views.ports(.list([.map(["IP": .string("0.0.0.0"), "PrivatePort": .int(80), "PublicPort": .int(8080), "Type": .string("tcp")]),
                                   .map(["IP": .string("::"), "PrivatePort": .int(80), "PublicPort": .int(8080), "Type": .string("tcp")]),
                                   .map(["PrivatePort": .int(53), "Type": .string("udp")])])) == "53/udp, 0.0.0.0:8080->80/tcp, [::]:8080->80/tcp")
        // Consecutive ports published on the same numbers are grouped, as the CLI groups them.
        let range: [Value] = (8000...8002).map { .map(["IP": .string("0.0.0.0"), "PrivatePort": .int($0), "PublicPort": .int($0), "Type": .string("tcp")]) }
            + [.map(["PrivatePort": .int(9000), "Type": .string("tcp")]), .map(["PrivatePort": .int(9001), "Type": .string("tcp")])]
        #expect(Views.ports(.list(range.reversed())) == "0.0.0.0:8000-8002->8000-8002/tcp, 9000-9001/tcp")
        #expect(Views.quote(Views.ellipsis("sh -c 'sleep 60; echo a very long'", 20)) == "\"sh -c 'sleep 60; ec…\"")
        #expect(Views.names(.list([.string("/web"), .string("/other/alias")])) == "web")
    }
}
