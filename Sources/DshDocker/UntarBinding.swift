// UntarBinding.swift: the `untar` global: the members of a tar archive (bytes, or a
// stream of bytes such as `c.export()` or `c.get_archive(p, stream: true)`) as maps,
// with nothing written anywhere.
import DockerEngine
import DshCore

enum UntarBinding {
    /// `untar(bytes)` → a list of entries; `untar(stream)` → a stream of entries, parsed
    /// as the bytes arrive (one member's data held at a time). `data: false` leaves the
    /// file contents out.
    static func untar(_ args: Arguments, _ rt: any Runtime) throws -> Value {
        let reader = ArgReader(args, "untar")
        try reader.only(["data"])
        try reader.atMost(1)
        let withData = try reader.bool("data") ?? true
        switch try reader.value(0, "archive (bytes or a stream of bytes)") {
        case .bytes(let b):
            var parser = TarParser()
            parser.append(b)
            var out: [Value] = []
            while let m = try wrap({ try parser.next() }) { out.append(entry(m, withData)) }
            try wrap { try parser.finish() }
            return .list(ListRef(out))
        case .stream(let source):
            var parser = TarParser()
            var eof = false
            return .stream(ClosureStream(label: "untar", onClose: { source.close() }) { rt in
                while true {
                    if let m = try wrap({ try parser.next() }) { return entry(m, withData) }
                    if parser.ended { return nil }
                    if eof {
                        try wrap { try parser.finish() }
                        return nil
                    }
                    switch try source.next(rt) {
                    case .bytes(let b)?: parser.append(b)
                    case .string(let s)?: parser.append(Array(s.utf8))
                    case nil: eof = true
                    case let other?: throw DshError.runtime("untar: the stream must yield bytes, not \(other.typeName)")
                    }
                }
            })
        case let other:
            throw DshError.runtime("untar: expected bytes or a stream of bytes, not \(other.typeName)")
        }
    }

    /// One member as `{path, type, mode, size, mtime, uid, gid, linkname, data}`.
    static func entry(_ m: TarMember, _ withData: Bool) -> Value {
        let e = m.entry
        let out = MapRef()
        out["path"] = .string(e.path)
        var link: Value = .null
        switch e.kind {
        case .file: out["type"] = .string("file")
        case .directory: out["type"] = .string("directory")
        case .symlink(let t): out["type"] = .string("symlink"); link = .string(t)
        case .hardlink(let t): out["type"] = .string("hardlink"); link = .string(t)
        case .other(let flag):
            switch flag {
            case UInt8(ascii: "3"): out["type"] = .string("char-device")
            case UInt8(ascii: "4"): out["type"] = .string("block-device")
            case UInt8(ascii: "6"): out["type"] = .string("fifo")
            default: out["type"] = .string("other (\(Character(Unicode.Scalar(flag))))")
            }
        }
        out["mode"] = .int(Int(e.mode))
        out["size"] = .int(Int(e.size))
        out["mtime"] = .int(Int(e.mtime))
        out["uid"] = .int(e.uid)
        out["gid"] = .int(e.gid)
        out["linkname"] = link
        if withData { out["data"] = .bytes(m.data) }
        return .map(out)
    }

    private static func wrap<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch { throw DockerErrors.map(error) }
    }
}
