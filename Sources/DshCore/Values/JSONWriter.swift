// JSONWriter.swift: encodes values as JSON into one byte buffer (compact or indented).

/// Writes JSON text for values.
struct JSONWriter {
    private var out: [UInt8] = []
    private let pretty: Bool
    /// The lists and maps being written around the current value (one found again
    /// contains itself).
    private var open: [ObjectIdentifier] = []

    init(pretty: Bool) {
        self.pretty = pretty
        out.reserveCapacity(256)
    }

    /// The text written so far.
    func finish() -> String { String(decoding: out, as: UTF8.self) }

    private mutating func newline(_ depth: Int) {
        out.append(0x0A)
        for _ in 0..<depth { out.append(0x20); out.append(0x20) }
    }

    /// Writes `value` at nesting `depth`.
    mutating func write(_ value: Value, depth: Int) throws {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .float(let d): try writeFloat(d)
        case .string(let s): writeString(s)
        case .bytes(let b): writeString(Base64.encode(b))
        case .list(let l):
            guard depth < JSON.maxDepth else { throw tooDeep() }
            if l.items.isEmpty { append("[]"); return }
            try enter(ObjectIdentifier(l))
            defer { open.removeLast() }
            out.append(UInt8(ascii: "["))
            var first = true
            for item in l.items {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                if pretty { newline(depth + 1) }
                try write(item, depth: depth + 1)
            }
            if pretty { newline(depth) }
            out.append(UInt8(ascii: "]"))
        case .map(let m):
            guard depth < JSON.maxDepth else { throw tooDeep() }
            try enter(ObjectIdentifier(m))
            defer { open.removeLast() }
            try writeObject(m.entries.lazy.map { ($0.key, $0.value) }, isEmpty: m.entries.isEmpty, depth: depth)
        case .object(let o):
            guard let plain = o.plainValue else {
                throw DshError.runtime("json: cannot encode \(o.typeName) (it has no plain value)")
            }
            try write(plain, depth: depth)
        case .error(let e):
            guard depth < JSON.maxDepth else { throw tooDeep() }
            let fields = [("message", Value.string(e.message))] + e.fields.filter { $0.key != "message" }.map { ($0.key, $0.value) }
            try writeObject(fields, isEmpty: false, depth: depth)
        case .function(let f):
            throw DshError.runtime("json: cannot encode a function (\(f.name))")
        case .stream:
            throw DshError.runtime("json: cannot encode a stream (collect it into a list first)")
        }
    }

    private mutating func writeObject<S: Sequence>(_ entries: S, isEmpty: Bool, depth: Int) throws where S.Element == (String, Value) {
        if isEmpty { append("{}"); return }
        out.append(UInt8(ascii: "{"))
        var first = true
        for (k, v) in entries {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            if pretty { newline(depth + 1) }
            writeString(k)
            out.append(UInt8(ascii: ":"))
            if pretty { out.append(0x20) }
            try write(v, depth: depth + 1)
        }
        if pretty { newline(depth) }
        out.append(UInt8(ascii: "}"))
    }

    /// Starts writing a container: refuses one that contains itself, and text past
    /// `JSON.maxEncodedBytes` (a value sharing one list many times over can stand for
    /// more text than memory holds).
    private mutating func enter(_ id: ObjectIdentifier) throws {
        if open.contains(id) { throw DshError.runtime("json: cannot encode a value that contains itself") }
        if out.count > JSON.maxEncodedBytes {
            throw DshError.runtime("json: the text would be larger than \(JSON.maxEncodedBytes >> 20) MiB")
        }
        open.append(id)
    }

    private func tooDeep() -> DshError {
        DshError.runtime("json: value nested deeper than \(JSON.maxDepth) levels (does it contain itself?)")
    }

    private mutating func append(_ s: StaticString) {
        out.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    private mutating func writeInt(_ i: Int) {
        if i == 0 { out.append(UInt8(ascii: "0")); return }
        var m = i.magnitude
        if i < 0 { out.append(UInt8(ascii: "-")) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buf in
            var n = 0
            while m > 0 {
                buf[19 - n] = UInt8(truncatingIfNeeded: m % 10) + UInt8(ascii: "0")
                m /= 10
                n += 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[(20 - n)..<20]))
        }
    }

    private mutating func writeFloat(_ d: Double) throws {
        guard d.isFinite else { throw DshError.runtime("json: cannot encode \(Value.formatFloat(d)) (JSON has no NaN or infinity)") }
        // The shortest round-tripping form, with ".0" on whole numbers (as `print`).
        let text = d.description
        var dot = false
        var e = -1
        for (i, c) in text.utf8.enumerated() {
            if c == UInt8(ascii: ".") { dot = true } else if c == UInt8(ascii: "e") { e = i }
        }
        if dot {
            out.append(contentsOf: text.utf8)
        } else if e >= 0 {
            let u = Array(text.utf8)
            out.append(contentsOf: u[0..<e])
            out.append(contentsOf: [UInt8(ascii: "."), UInt8(ascii: "0")])
            out.append(contentsOf: u[e...])
        } else {
            out.append(contentsOf: text.utf8)
            out.append(contentsOf: [UInt8(ascii: "."), UInt8(ascii: "0")])
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func writeString(_ s: String) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            for (i, c) in bytes.enumerated() where c < 0x20 || c == 0x22 || c == 0x5C {
                if runStart < i { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i])) }
                runStart = i + 1
                out.append(0x5C)
                switch c {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30,
                                            JSONWriter.hexDigits[Int(c >> 4)], JSONWriter.hexDigits[Int(c & 15)]])
                }
            }
            if runStart < bytes.count { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}
