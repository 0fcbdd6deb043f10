// TarHeader: encodes and decodes 512-byte ustar headers, with PAX records for long values.

/// Header coding for ustar archives as Go's archive/tar writes them: ustar when every
/// field fits, else a PAX extended header (`x`) before the member carrying `path`,
/// `linkpath` or `size`.
enum TarHeader {
    static let blockSize = 512

    /// The header block(s) for `entry`.
    static func encode(_ entry: TarEntry) -> [UInt8] {
        var name = entry.path
        if case .directory = entry.kind, !name.hasSuffix("/") { name += "/" }
        var link = ""
        var typeflag: UInt8
        var size = entry.size
        switch entry.kind {
        case .file: typeflag = UInt8(ascii: "0")
        case .directory: typeflag = UInt8(ascii: "5"); size = 0
        case .symlink(let t): typeflag = UInt8(ascii: "2"); link = t; size = 0
        case .hardlink(let t): typeflag = UInt8(ascii: "1"); link = t; size = 0
        case .other(let f): typeflag = f; size = 0
        }
        var pax: [(String, String)] = []
        var ustarName = name
        var prefix = ""
        if name.utf8.count > 100 || !isASCII(name) {
            if isASCII(name), let split = splitUSTAR(name) {
                prefix = split.0
                ustarName = split.1
            } else {
                pax.append(("path", name))
                ustarName = String(decoding: Array(name.utf8.prefix(100)).filter { $0 < 0x80 }, as: UTF8.self)
            }
        }
        if link.utf8.count > 100 || !isASCII(link) {
            pax.append(("linkpath", link))
            link = String(decoding: Array(link.utf8.prefix(100)).filter { $0 < 0x80 }, as: UTF8.self)
        }
        if size > 0o77777777777 { pax.append(("size", String(size))) }
        var out: [UInt8] = []
        if !pax.isEmpty {
            var records: [UInt8] = []
            for (k, v) in pax { records += paxRecord(k, v) }
            var paxEntry = TarEntry(path: "PaxHeaders.0/" + String(ustarName.suffix(80)), kind: .other(typeflag: UInt8(ascii: "x")), mode: 0o644)
            paxEntry.size = Int64(records.count)
            out += block(name: paxEntry.path, prefix: "", mode: 0o644, uid: 0, gid: 0, size: Int64(records.count), mtime: entry.mtime, typeflag: UInt8(ascii: "x"), link: "")
            out += records
            out += [UInt8](repeating: 0, count: padding(records.count))
        }
        out += block(name: ustarName, prefix: prefix, mode: entry.mode, uid: entry.uid, gid: entry.gid,
                     size: size > 0o77777777777 ? 0 : size, mtime: entry.mtime, typeflag: typeflag, link: link)
        return out
    }

    static func padding(_ n: Int) -> Int { (blockSize - n % blockSize) % blockSize }

    private static func isASCII(_ s: String) -> Bool { s.utf8.allSatisfy { $0 < 0x80 } }

    /// ustar's prefix/name split at a slash (prefix ≤ 155, name ≤ 100 bytes).
    private static func splitUSTAR(_ name: String) -> (String, String)? {
        let bytes = Array(name.utf8)
        guard bytes.count <= 256 else { return nil }
        var i = Swift.min(bytes.count - 1, 155)
        while i > 0 {
            if bytes[i] == UInt8(ascii: "/") {
                let p = bytes[..<i], n = bytes[(i + 1)...]
                if n.count <= 100 && !n.isEmpty && p.count <= 155 {
                    return (String(decoding: p, as: UTF8.self), String(decoding: n, as: UTF8.self))
                }
            }
            i -= 1
        }
        return nil
    }

    private static func paxRecord(_ key: String, _ value: String) -> [UInt8] {
        let body = " \(key)=\(value)\n"
        var len = body.utf8.count + 1
        while String(len).utf8.count + body.utf8.count != len { len = String(len).utf8.count + body.utf8.count }
        return Array((String(len) + body).utf8)
    }

    private static func block(name: String, prefix: String, mode: UInt32, uid: Int, gid: Int, size: Int64, mtime: Int64, typeflag: UInt8, link: String) -> [UInt8] {
        // Written through a buffer pointer: this runs once per member of a build context.
        [UInt8](unsafeUninitializedCapacity: blockSize) { h, initialized in
            h.initialize(repeating: 0)
            put(name.utf8, h, 0, 100)
            octal(Int64(mode & 0o7777), h, 100, 8)
            octal(Int64(uid), h, 108, 8)
            octal(Int64(gid), h, 116, 8)
            octal(size, h, 124, 12)
            octal(Swift.max(0, mtime), h, 136, 12)
            h[156] = typeflag
            put(link.utf8, h, 157, 100)
            put("ustar\0".utf8, h, 257, 6)
            put("00".utf8, h, 263, 2)
            put(prefix.utf8, h, 345, 155)
            // Checksum: the sum of all bytes with the checksum field as spaces; six octal
            // digits (at most 512 × 255), NUL, space.
            for i in 148..<156 { h[i] = 0x20 }
            var sum = 0
            for b in h { sum += Int(b) }
            octal(Int64(sum), h, 148, 7)
            h[154] = 0
            h[155] = 0x20
            initialized = blockSize
        }
    }

    /// Copies at most `width` bytes of `s` into `h` at `offset`.
    private static func put(_ s: String.UTF8View, _ h: UnsafeMutableBufferPointer<UInt8>, _ offset: Int, _ width: Int) {
        let copied: Void? = s.withContiguousStorageIfAvailable { src in
            let n = Swift.min(src.count, width)
            if n > 0 { UnsafeMutableRawPointer(h.baseAddress! + offset).copyMemory(from: src.baseAddress!, byteCount: n) }
        }
        if copied == nil {
            for (i, b) in s.prefix(width).enumerated() { h[offset + i] = b }
        }
    }

    /// `v` in octal, zero-padded to `width - 1` digits, at `offset` (the last byte stays
    /// NUL); a value too wide for its field keeps its leading digits.
    private static func octal(_ v: Int64, _ h: UnsafeMutableBufferPointer<UInt8>, _ offset: Int, _ width: Int) {
        var count = 1
        var rest = v >> 3
        while rest > 0 { count += 1; rest >>= 3 }
        guard v >= 0, count <= width - 1 else {
            let digits = Array(String(v, radix: 8).utf8)
            let padded = [UInt8](repeating: UInt8(ascii: "0"), count: Swift.max(0, width - 1 - digits.count)) + digits
            for (i, b) in padded.prefix(width - 1).enumerated() { h[offset + i] = b }
            return
        }
        var x = v
        for i in stride(from: offset + width - 2, through: offset, by: -1) {
            h[i] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: x & 7)
            x >>= 3
        }
    }

    /// A decoded header block (PAX not yet applied).
    struct Raw {
        var name: String
        var mode: UInt32
        var uid: Int
        var gid: Int
        var size: Int64
        var mtime: Int64
        var typeflag: UInt8
        var linkname: String
    }

    /// Decodes a header block; nil for an all-zero block; throws on a bad checksum.
    static func decode(_ h: [UInt8]) throws -> Raw? {
        precondition(h.count == blockSize)
        if h.allSatisfy({ $0 == 0 }) { return nil }
        func string(_ offset: Int, _ width: Int) -> String {
            let field = h[offset..<offset + width]
            let end = field.firstIndex(of: 0) ?? field.endIndex
            return String(decoding: h[offset..<end], as: UTF8.self)
        }
        func number(_ offset: Int, _ width: Int) throws -> Int64 {
            if h[offset] & 0x80 != 0 {  // base-256 (GNU) for big values
                var v: Int64 = Int64(h[offset] & 0x7f)
                for i in offset + 1..<offset + width { v = v << 8 | Int64(h[i]) }
                return v
            }
            let s = string(offset, width).trimmingSpaces
            if s.isEmpty { return 0 }
            guard let v = Int64(s, radix: 8) else { throw DockerError.archive("malformed tar header (bad number \"\(s)\")") }
            return v
        }
        var sum = 0
        for (i, b) in h.enumerated() { sum += (148..<156).contains(i) ? 0x20 : Int(b) }
        let stored = try number(148, 8)
        guard stored == Int64(sum) else { throw DockerError.archive("malformed tar header (checksum mismatch)") }
        var name = string(0, 100)
        let magic = string(257, 6)
        if magic.hasPrefix("ustar") {
            let prefix = string(345, 155)
            if !prefix.isEmpty { name = prefix + "/" + name }
        }
        return Raw(name: name, mode: UInt32(truncatingIfNeeded: try number(100, 8)), uid: Int(try number(108, 8)), gid: Int(try number(116, 8)),
                   size: try number(124, 12), mtime: try number(136, 12), typeflag: h[156], linkname: string(157, 100))
    }

    /// Parses PAX records (`len key=value\n`).
    static func parsePAX(_ data: [UInt8]) throws -> [String: String] {
        var result: [String: String] = [:]
        var i = 0
        while i < data.count {
            // `len` counts the whole record: its digits, the space, `key=value` and "\n".
            guard let space = data[i...].firstIndex(of: 0x20), let len = Int(String(decoding: data[i..<space], as: UTF8.self)),
                  len > space - i + 1, len <= data.count - i else {
                throw DockerError.archive("malformed PAX header")
            }
            let record = data[(space + 1)..<(i + len - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                result[String(decoding: record[..<eq], as: UTF8.self)] = String(decoding: record[(eq + 1)...], as: UTF8.self)
            }
            i += len
        }
        return result
    }
}
