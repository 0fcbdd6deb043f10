// History.swift: the persistent, size-bounded REPL history (~/.dsh_history).
import CEditLine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The REPL's history: entries in memory (browsed by the editor with Up/Down)
/// appended to a file as they are entered, at most `size` of them kept, never the
/// same entry twice in a row. A multi-line entry is one entry. Secrets written as
/// literals after `password:`, `token:` and similar keys are redacted before an
/// entry is stored, so credentials never reach the history file.
public final class History {
    let handle: OpaquePointer
    /// The file the history is saved to, or nil for a history kept in memory only.
    public let path: String?

    /// Makes a history saved to `path` (loading what it holds) with at most `size` entries.
    public init(path: String?, size: Int = 1000) {
        handle = dsh_history_new(Int32(max(1, size)))!
        self.path = path
        if let path, access(path, R_OK) == 0 {
            // Sessions append to the file; trim it once it holds twice the bound.
            let loaded = dsh_history_load(handle, path)
            if loaded > 2 * Int32(max(1, size)) { save() }
        }
    }

    deinit { dsh_history_free(handle) }

    /// The history file to use: `DSH_HISTORY`, else `~/.dsh_history`, else nil.
    public static func defaultPath() -> String? {
        if let p = getenv("DSH_HISTORY") { let s = String(cString: p); return s.isEmpty ? nil : s }
        if let home = getenv("HOME") { return String(cString: home) + "/.dsh_history" }
        return nil
    }

    /// The number of entries.
    public var count: Int { Int(dsh_history_count(handle)) }

    /// The entry `back` positions before the newest (0 = newest).
    public func entry(_ back: Int) -> String? {
        dsh_history_entry(handle, Int32(back)).map { String(cString: $0) }
    }

    /// Adds an entry (redacted) and appends it to the file, so that sessions running
    /// side by side keep each other's entries. Blank entries and an entry equal to
    /// the previous one are skipped.
    public func add(_ entry: String) {
        let text = History.redact(entry)
        guard text.contains(where: { !$0.isWhitespace }), text != self.entry(0) else { return }
        _ = dsh_history_add(handle, text)
        append(text)
    }

    /// Appends one entry to the file in libedit's format (`_HiStOrY_V2_` first, then
    /// one line per entry with blanks, controls and `\` as `\ooo` octal escapes),
    /// with one `write` so concurrent sessions do not interleave.
    private func append(_ text: String) {
        guard let path else { return }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var st = stat()
        var bytes: [UInt8] = []
        if fstat(fd, &st) == 0, st.st_size == 0 { bytes += Array("_HiStOrY_V2_\n".utf8) }
        bytes += History.encode(text)
        bytes.append(UInt8(ascii: "\n"))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// An entry as one line of the history file.
    static func encode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        for b in text.utf8 {
            if b <= 0x20 || b == 0x7F || b == UInt8(ascii: "\\") {
                out.append(UInt8(ascii: "\\"))
                out.append(UInt8(ascii: "0") + (b >> 6))
                out.append(UInt8(ascii: "0") + ((b >> 3) & 7))
                out.append(UInt8(ascii: "0") + (b & 7))
            } else {
                out.append(b)
            }
        }
        return out
    }

    /// Writes the history file, readable by its owner only.
    public func save() {
        guard let path else { return }
        let old = umask(0o077)
        _ = dsh_history_save(handle, path)
        umask(old)
    }

    /// Keys whose string value is a secret.
    static let secretKeys: Set<String> = ["password", "passwd", "token", "secret", "identitytoken", "registrytoken", "auth"]

    /// Replaces the string literal after a secret key (`password: "x"`, `"token": 'y'`)
    /// with `"***"`.
    public static func redact(_ entry: String) -> String {
        let chars = Array(entry)
        var out = ""
        var i = 0
        while i < chars.count {
            let c = chars[i]
            guard c.isLetter || c == "_" else { out.append(c); i += 1; continue }
            // Read an identifier (a possible key).
            var j = i
            while j < chars.count, chars[j].isLetter || chars[j].isNumber || chars[j] == "_" { j += 1 }
            let word = String(chars[i..<j])
            out += word
            i = j
            // Optional closing quote of a quoted key, blanks, then ':' and a string literal.
            var k = i
            if k < chars.count, chars[k] == "\"" || chars[k] == "'" { k += 1 }
            while k < chars.count, chars[k] == " " || chars[k] == "\t" { k += 1 }
            guard secretKeys.contains(word.lowercased()), k < chars.count, chars[k] == ":" else { continue }
            k += 1
            while k < chars.count, chars[k].isWhitespace { k += 1 }
            guard k < chars.count, chars[k] == "\"" || chars[k] == "'" else { continue }
            out += String(chars[i..<k]) + "\"***\""
            i = min(literalEnd(chars, from: k), chars.count)
        }
        return out
    }

    /// The index just past the string literal starting at `start` (a `"..."`, `'...'`
    /// or `"""..."""` literal, which may span lines), or the end of `chars` when it is
    /// not closed.
    private static func literalEnd(_ chars: [Character], from start: Int) -> Int {
        let quote = chars[start]
        let triple = quote == "\"" && start + 2 < chars.count && chars[start + 1] == "\"" && chars[start + 2] == "\""
        var end = start + (triple ? 3 : 1)
        while end < chars.count {
            if chars[end] == "\\" && quote == "\"" {
                end += 2
                continue
            }
            if chars[end] == quote {
                if !triple { return end + 1 }
                if end + 2 < chars.count, chars[end + 1] == "\"", chars[end + 2] == "\"" { return end + 3 }
            }
            end += 1
        }
        return chars.count
    }
}
