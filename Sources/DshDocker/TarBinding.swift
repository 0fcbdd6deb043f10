// TarBinding.swift: the `tar` global: a build context from a directory (honouring its
// `.dockerignore` exactly as the docker CLI does, streamed by DockerEngine's tar
// writer) or from a map of in-memory files.
import DockerEngine
import DshCore

enum TarBinding {
    /// `tar("dir", dockerfile: "Dockerfile", dockerignore: true)` or
    /// `tar({"Dockerfile": "...", "bin/x": bytes, "run.sh": {data: "...", mode: 0o755}})`.
    static func tar(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        let reader = ArgReader(args, "tar")
        try reader.atMost(1)
        switch try reader.value(0, "directory or map of files") {
        case .string(let path):
            try reader.only(["dockerfile", "dockerignore"])
            let dockerfile = try reader.string("dockerfile") ?? "Dockerfile"
            return .object(try directory(path, dockerfile: dockerfile, applyDockerignore: try reader.bool("dockerignore") ?? true))
        case .map(let m):
            try reader.only([])
            var files: [TarFile] = []
            for (path, v) in m.entries { files.append(try file(path, v)) }
            let archive = TarStream.files(files)
            return .object(BuildContext(summary: "files \(m.entries.count)", fileNames: Array(m.entries.keys)) { archive.requestBody })
        case let other:
            throw DshError.runtime("tar: expected a directory path or a map of files, not \(other.typeName)")
        }
    }

    /// A context from a directory; a missing directory or a malformed `.dockerignore`
    /// raises now.
    static func directory(_ path: String, dockerfile: String, applyDockerignore: Bool = true) throws -> BuildContext {
        let archive: TarStream
        do {
            archive = try TarStream.directory(path, dockerfile: dockerfile, applyDockerignore: applyDockerignore)
        } catch {
            throw DockerErrors.map(error)
        }
        return BuildContext(summary: "dir \(path)") { archive.requestBody }
    }

    /// One in-memory file: a string, bytes, or `{data:, mode:}`, `{symlink: target}`,
    /// `{directory: true}`.
    static func file(_ path: String, _ v: Value) throws -> TarFile {
        switch v {
        case .string(let s): return TarFile(path: path, text: s)
        case .bytes(let b): return TarFile(path: path, bytes: b)
        case .map(let m):
            var mode: UInt32? = nil
            if case .int(let n)? = m["mode"] { mode = UInt32(truncatingIfNeeded: n) }
            if case .string(let target)? = m["symlink"] { return TarFile(path: path, symlinkTo: target) }
            if case .bool(true)? = m["directory"] { return TarFile(directory: path, mode: mode ?? 0o755) }
            switch m["data"] {
            case .string(let s)?: return TarFile(path: path, text: s, mode: mode ?? 0o644)
            case .bytes(let b)?: return TarFile(path: path, bytes: b, mode: mode ?? 0o644)
            case nil, .null?: return TarFile(path: path, bytes: [], mode: mode ?? 0o644)
            default: throw DshError.runtime("tar: data of '\(path)' must be a string or bytes")
            }
        default:
            throw DshError.runtime("tar: the content of '\(path)' must be a string, bytes or {data:, mode:}, not \(v.typeName)")
        }
    }
}
