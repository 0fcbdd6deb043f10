// InterpreterLimits.swift: the limits an interpreter is made with (its memory limit),
// and the byte sizes they are written in ("256M", "1.5GiB").

/// What an interpreter may use, chosen when it is made:
/// `Interpreter(limits: InterpreterLimits(memory: 64 << 20))`.
///
/// The memory limit bounds the **live** size of the script's values: everything its
/// globals, the running frames, closures and `defer`s reach (strings, bytes, lists,
/// maps, closures; each counted once however many times it is shared), plus the value
/// being built. It is checked at the operations that grow values (concatenation, `+=`,
/// list and map literals, index assignment, `repeat`, `join`, `split`, `format`,
/// interpolation, `parse_json`, `read_file`, collecting a stream). Those count the
/// bytes they allocate; after allocations of about an eighth of the limit (or of what
/// remains under it, when more) the live size is measured, so a loop that builds and
/// drops values runs for ever while one that keeps them stops, with
/// `memory limit of 64 MiB exceeded` at the operation that passed it. Sizes are
/// approximate (payload bytes plus a fixed overhead per string, list, map and slot)
/// and the check may come up to an eighth of the limit late; values a host object or
/// a stream holds inside Swift, and the stacks of `parallel`'s parked workers, are not
/// counted. The error is an ordinary runtime error: `defer` blocks run, the values
/// the stopped code held are freed, and the interpreter can evaluate again.
public struct InterpreterLimits: Sendable, Equatable {
    /// The most bytes the script's live values may occupy; nil: no limit (values are
    /// then only bounded by `SizeLimits`, one value at a time).
    public var memory: Int?

    /// Limits: `memory` in bytes (nil: unlimited).
    public init(memory: Int? = nil) {
        self.memory = memory
    }

    /// No limits beyond `SizeLimits` (the default).
    public static let none = InterpreterLimits()

    /// The bytes in `text`: a number with an optional unit, `K`, `M`, `G` or `T`
    /// (powers of 1024, as `docker run -m` reads them; `KiB`/`KB`/`k`... are the same),
    /// or `B`/none for bytes: "256M", "1.5G", "65536". Nil when it is not a size of at
    /// least one byte that fits in an `Int`.
    public static func parseMemory(_ text: String) -> Int? {
        var t = Substring(text)
        while t.first == " " || t.first == "\t" { t.removeFirst() }
        while t.last == " " || t.last == "\t" { t.removeLast() }
        let digits = t.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !digits.isEmpty, let number = Double(digits), number.isFinite else { return nil }
        var unit = t.dropFirst(digits.count).uppercased()
        if unit.hasSuffix("IB") { unit.removeLast(2) } else if unit.count == 2, unit.hasSuffix("B") { unit.removeLast() }
        let powers: [String: Double] = ["": 1, "B": 1, "K": 0x1p10, "M": 0x1p20, "G": 0x1p30, "T": 0x1p40]
        guard let scale = powers[unit] else { return nil }
        let bytes = (number * scale).rounded(.down)
        guard bytes >= 1, bytes < 9.2e18 else { return nil }
        return Int(bytes)
    }

    /// `bytes` as the memory error shows it: "64 MiB", "1.5 GiB", "1000 bytes".
    public static func describeMemory(_ bytes: Int) -> String {
        let units: [(Int, String)] = [(1 << 40, "TiB"), (1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")]
        for (size, name) in units where bytes >= size {
            let value = Double(bytes) / Double(size)
            let rounded = (value * 10).rounded() / 10
            return rounded == rounded.rounded() ? "\(Int(rounded)) \(name)" : "\(rounded) \(name)"
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }
}
