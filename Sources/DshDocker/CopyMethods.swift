// CopyMethods.swift: `docker cp` as container methods: `c.copy_from(container_path,
// host_path)`, `c.copy_to(host_path, container_path)` with the CLI's path rules
// (DockerEngine's ArchiveCopy), and `c.stat(path)` from `HEAD /containers/{id}/archive`.
import DockerEngine
import DshCore

enum CopyMethods {
    /// The container methods this file implements.
    static let names = ["copy_from", "copy_to", "stat"]

    /// Runs one of ``names``.
    static func call(_ c: ResourceObject, _ name: String, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        switch name {
        case "copy_from": return try copyFrom(c, args, rt)
        case "copy_to": return try copyTo(c, args, rt)
        default: return try stat(c, args, rt)
        }
    }

    /// The daemon's stat of a container path; nil when it does not exist.
    static func pathStat(_ c: ResourceObject, _ path: String, _ rt: any Runtime) throws -> ArchiveCopy.PathStat? {
        let response: DockerResponse
        do {
            response = try c.session.send(rt, Endpoints.containerArchiveInfo, c.id, query: [("path", path)])
        } catch let e as DshError where e.statusField == 404 {
            // 404 is both "no such container" and "no such path"; only the former says so.
            if case .error(let err)? = e.value, case .string(let m)? = err.fields["message"], m.lowercased().contains("no such container") {
                throw e
            }
            return nil
        }
        guard let header = response.headers.first(name: "X-Docker-Container-Path-Stat"), let stat = ArchiveCopy.PathStat(header: header) else {
            throw DshError.runtime("stat: the daemon sent no readable X-Docker-Container-Path-Stat for \(path)")
        }
        return stat
    }

    /// `c.stat(path)`: `{name, size, mode, mtime, linkTarget, type}`; `mode` as `stat(2)`
    /// gives it (`0o100644`), `mtime` the daemon's RFC 3339 time. A missing path raises.
    static func stat(_ c: ResourceObject, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only([])
        try args.atMost(1)
        let path = try args.string(0, "path")
        guard let st = try pathStat(c, path, rt) else {
            throw DshError.runtime("\(args.function): no such file or directory in container \(c.name.displayString): \(path)",
                                   fields: [("status", .int(404)), ("message", .string("no such file or directory: \(path)")),
                                            ("request", .string("HEAD /containers/\(c.id)/archive"))])
        }
        return .map([
            "name": .string(st.name), "size": .int(Int(st.size)), "mode": .int(Int(st.unixMode)), "mtime": .string(st.mtime),
            "linkTarget": .string(st.linkTarget), "type": .string(st.type),
        ])
    }

    /// `c.copy_from(container_path, host_path, follow_link: false)`: `docker cp
    /// CONTAINER:SRC DEST`. Returns the host paths written.
    static func copyFrom(_ c: ResourceObject, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only(["follow_link"])
        try args.atMost(2)
        var srcPath = try args.string(0, "container_path")
        let hostArg = try args.string(1, "host_path")
        let dstPath = ArchiveCopy.absoluteLocalPath(hostArg)
        try wrap { try ArchiveCopy.validateHostOutput(dstPath) }
        var rebaseName: String? = nil
        if try args.bool("follow_link") == true, let st = try pathStat(c, srcPath, rt), st.isSymlink {
            var target = st.linkTarget
            if !target.hasPrefix("/") { target = GoPath.clean(ArchiveCopy.splitPathDirEntry(srcPath).dir + "/" + target) }
            // moby's GetRebaseName: keep the `/.` or `/` the user wrote, and the name.
            if ArchiveCopy.specifiesCurrentDir(srcPath) && !ArchiveCopy.specifiesCurrentDir(target) { target += "/." }
            if ArchiveCopy.hasTrailingSeparator(srcPath) && !ArchiveCopy.hasTrailingSeparator(target) { target += "/" }
            if ArchiveCopy.base(srcPath) != ArchiveCopy.base(target) { rebaseName = ArchiveCopy.base(srcPath) }
            srcPath = target
        }
        let response = try c.session.stream(rt, Endpoints.containerArchiveGet, c.id, query: [("path", srcPath)])
        guard let header = response.headers.first(name: "X-Docker-Container-Path-Stat"), let st = ArchiveCopy.PathStat(header: header) else {
            throw DshError.runtime("\(args.function): the daemon sent no readable X-Docker-Container-Path-Stat for \(srcPath)")
        }
        let source = ArchiveCopy.Info(path: srcPath, exists: true, isDir: st.isDir, rebaseName: rebaseName)
        var rebase: [(from: String, to: String)] = []
        if let r = rebaseName { rebase.append((ArchiveCopy.splitPathDirEntry(srcPath).base, r)) }
        let plan: ArchiveCopy.Plan = try wrap {
            try ArchiveCopy.plan(source: source, destination: try ArchiveCopy.hostDestination(dstPath))
        }
        if let to = plan.destinationBase { rebase.append((plan.sourceBase == "/" ? "" : plan.sourceBase, to)) }
        let options = TarExtractor.Options(keepAbsoluteSymlinks: true, rebase: rebase)
        let directory = plan.directory
        let body = response.body
        let written = try Blocking.run(rt) { try await TarExtractor.extract(body, to: directory, options: options) }
        return .list(ListRef(written.map { .string(FileSystemPaths.join(directory, $0)) }))
    }

    /// `c.copy_to(host_path, container_path, follow_link: false, copy_uidgid: false)`:
    /// `docker cp SRC CONTAINER:DEST`. Returns the container.
    static func copyTo(_ c: ResourceObject, _ args: ArgReader, _ rt: any Runtime) throws -> Value {
        try args.only(["follow_link", "copy_uidgid"])
        try args.atMost(2)
        let srcPath = ArchiveCopy.absoluteLocalPath(try args.string(0, "host_path"))
        let dstArg = try args.string(1, "container_path")
        var destination = ArchiveCopy.Info(path: dstArg)
        var st = try pathStat(c, dstArg, rt)
        if let s = st, s.isSymlink {
            var target = s.linkTarget
            if !target.hasPrefix("/") { target = GoPath.clean(ArchiveCopy.splitPathDirEntry(dstArg).dir + "/" + target) }
            destination.path = target
            st = try pathStat(c, target, rt)
        }
        if let s = st {
            guard s.isDir || s.isRegular else {
                throw DshError.runtime("\(args.function): destination \"\(c.name.displayString):\(dstArg)\" must be a directory or a regular file")
            }
            destination.exists = true
            destination.isDir = s.isDir
        }
        let followLink = try args.bool("follow_link") ?? false
        let source = try wrap { try ArchiveCopy.hostSource(srcPath, followLink: followLink) }
        let plan = try wrap { try ArchiveCopy.plan(source: source, destination: destination) }
        let archive = ArchiveCopy.hostArchive(source, name: plan.destinationBase ?? plan.sourceBase)
        var q: [(String, String)] = [("path", plan.directory), ("noOverwriteDirNonDir", "true")]
        if try args.bool("copy_uidgid") == true { q.append(("copyUIDGID", "true")) }
        _ = try c.session.send(rt, Endpoints.containerArchivePut, c.id, query: q, body: archive.requestBody, timeouts: .streaming)
        return .object(c)
    }

    /// Runs `body`, turning the client's errors into dsh errors.
    private static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw DockerErrors.map(error) }
    }
}

/// Host path helpers of the bindings.
enum FileSystemPaths {
    /// `a/b` with one slash between.
    static func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }
}
