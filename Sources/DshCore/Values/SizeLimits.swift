// SizeLimits.swift: the largest string, bytes or list an operation may build, checked
// before it allocates (with arithmetic that cannot overflow), so a script asking for an
// absurd size gets an error instead of exhausting memory or trapping.

/// Bounds on the size of values built by repeating or joining (`repeat`, `*`, `+`,
/// `pad_left`, `format` widths).
public enum SizeLimits {
    /// The largest string or bytes value such operations build: 1 GiB.
    public static let maxBytes = 1 << 30
    /// The most items a list so built may hold (1 GiB of values).
    public static let maxItems = (1 << 30) / MemoryLayout<Value>.stride

    /// Throws unless `unit * count` is at most `limit` (`count` not negative).
    static func checkProduct(_ unit: Int, _ count: Int, limit: Int, _ what: String) throws {
        let (total, overflow) = unit.multipliedReportingOverflow(by: count)
        if overflow || total > limit { throw tooLarge(what, limit) }
    }

    /// Throws unless `a + b` is at most `limit`.
    static func checkSum(_ a: Int, _ b: Int, limit: Int, _ what: String) throws {
        let (total, overflow) = a.addingReportingOverflow(b)
        if overflow || total > limit { throw tooLarge(what, limit) }
    }

    /// The error for a result over its limit (`limit` in bytes, or `maxItems` for lists).
    static func tooLarge(_ what: String, _ limit: Int) -> DshError {
        let size = limit == maxItems ? "\(maxItems) items" : "1 GiB"
        return DshError.runtime("\(what) too large (the limit is \(size))")
    }
}
