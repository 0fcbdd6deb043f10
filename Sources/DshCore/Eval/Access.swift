// Access.swift: reading and writing members (`a.b`), indexes (`a[i]`) and slices
// (`a[i:j]`) of every kind of value.

/// Member, index and slice operations.
enum Access {
    // MARK: Members

    static func member(_ target: Value, _ name: String, _ vm: VM, _ span: SourceSpan) throws -> Value {
        switch target {
        case .map(let m):
            return m.entries[name] ?? .null
        case .object(let o):
            do {
                if let v = try o.member(name, vm.pointee.interpreter) { return v }
            } catch {
                throw attachSpan(error, span)
            }
            throw failure("\(o.typeName) has no member '\(name)'", span)
        case .error(let e):
            if name == "message" { return .string(e.message) }
            if let v = e.fields[name] { return v }
            if name == "value" { return e.payload ?? .null }
            return .null
        case .null:
            throw failure("cannot read member '\(name)' of nil", span)
        default:
            throw failure("\(target.typeName) has no member '\(name)'", span)
        }
    }

    static func setMember(_ target: Value, _ name: String, _ value: Value, _ vm: VM, _ span: SourceSpan) throws {
        switch target {
        case .map(let m):
            try MemoryMeter.charge(vm, storing: value, extra: name.utf8.count, span)
            m.entries[name] = value
        case .object(let o):
            do { try o.setMember(name, value, vm.pointee.interpreter) } catch { throw attachSpan(error, span) }
        case .null:
            throw failure("cannot set member '\(name)' of nil", span)
        default:
            throw failure("cannot set member '\(name)' of \(target.typeName)", span)
        }
    }

    // MARK: Indexes

    /// `i` as a position in a collection of `count` items (negative counts from the end).
    @inline(__always)
    static func position(_ i: Int, _ count: Int, _ what: String, _ span: SourceSpan) throws -> Int {
        let p = i < 0 ? i + count : i
        guard p >= 0 && p < count else { throw failure("index \(i) out of range for \(what) of length \(count)", span) }
        return p
    }

    static func index(_ target: Value, _ index: Value, _ vm: VM, _ span: SourceSpan) throws -> Value {
        switch target {
        case .list(let l):
            guard case .int(let i) = index else { throw failure("list index must be an int, not \(index.typeName)", span) }
            return l.items[try position(i, l.items.count, "list", span)]
        case .map(let m):
            guard case .string(let k) = index else { throw failure("map key must be a string, not \(index.typeName)", span) }
            return m.entries[k] ?? .null
        case .string(let s):
            guard case .int(let i) = index else { throw failure("string index must be an int, not \(index.typeName)", span) }
            if i >= 0 {
                var it = s.makeIterator()
                var n = 0
                while let ch = it.next() {
                    if n == i { return .string(String(ch)) }
                    n += 1
                }
                throw failure("index \(i) out of range for string of length \(n)", span)
            }
            let count = s.count
            let p = try position(i, count, "string", span)
            return .string(String(s[s.index(s.startIndex, offsetBy: p)]))
        case .bytes(let b):
            guard case .int(let i) = index else { throw failure("bytes index must be an int, not \(index.typeName)", span) }
            return .int(Int(b[try position(i, b.count, "bytes", span)]))
        case .object(let o):
            guard case .string(let k) = index else {
                if let plain = o.plainValue { return try Access.index(plain, index, vm, span) }
                throw failure("\(o.typeName) index must be a string, not \(index.typeName)", span)
            }
            return try member(target, k, vm, span)
        case .error:
            guard case .string(let k) = index else { throw failure("error index must be a string", span) }
            return try member(target, k, vm, span)
        case .null:
            throw failure("cannot index nil", span)
        default:
            throw failure("cannot index \(target.typeName)", span)
        }
    }

    static func setIndex(_ target: Value, _ index: Value, _ value: Value, _ vm: VM, _ span: SourceSpan) throws {
        switch target {
        case .list(let l):
            guard case .int(let i) = index else { throw failure("list index must be an int, not \(index.typeName)", span) }
            let at = try position(i, l.items.count, "list", span)
            try MemoryMeter.charge(vm, storing: value, span)
            l.items[at] = value
        case .map(let m):
            guard case .string(let k) = index else { throw failure("map key must be a string, not \(index.typeName)", span) }
            try MemoryMeter.charge(vm, storing: value, extra: k.utf8.count, span)
            m.set(k, value)
        case .object:
            guard case .string(let k) = index else { throw failure("object index must be a string", span) }
            try setMember(target, k, value, vm, span)
        case .null:
            throw failure("cannot assign to an index of nil", span)
        default:
            throw failure("cannot assign to an index of \(target.typeName)", span)
        }
    }

    // MARK: Slices

    /// Clamped bounds for a slice of `count` items.
    static func bounds(_ lo: Value, _ hi: Value, _ count: Int, _ span: SourceSpan) throws -> (Int, Int) {
        func bound(_ v: Value, _ dflt: Int) throws -> Int {
            switch v {
            case .null: return dflt
            case .int(let i):
                let p = i < 0 ? i + count : i
                return min(max(p, 0), count)
            default: throw failure("slice bounds must be ints, not \(v.typeName)", span)
            }
        }
        let a = try bound(lo, 0), b = try bound(hi, count)
        return (a, max(a, b))
    }

    static func slice(_ target: Value, _ lo: Value, _ hi: Value, _ span: SourceSpan) throws -> Value {
        switch target {
        case .list(let l):
            let (a, b) = try bounds(lo, hi, l.items.count, span)
            return .list(ListRef(Array(l.items[a..<b])))
        case .string(let s):
            let chars = Array(s)
            let (a, b) = try bounds(lo, hi, chars.count, span)
            return .string(String(chars[a..<b]))
        case .bytes(let by):
            let (a, b) = try bounds(lo, hi, by.count, span)
            return .bytes(Array(by[a..<b]))
        case .null:
            throw failure("cannot slice nil", span)
        default:
            throw failure("cannot slice \(target.typeName)", span)
        }
    }
}
