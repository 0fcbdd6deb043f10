// TerminalMode.swift: the local terminal for interactive sessions: raw mode (restored
// on every way out: return, error, signal, exit), the window size, and the detach key
// sequence (`ctrl-p,ctrl-q`, as the docker CLI parses it) with its detector.
import DshCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The local terminal switched to raw mode; ``restore()`` puts it back (idempotent). The
/// saved mode is also restored at process exit, should the process end while raw.
final class RawTerminal: Sendable {
    let fd: Int32
    private static let saved = Mutex<(fd: Int32, mode: termios)?>(nil)
    private static let atExitInstalled = Mutex(false)

    private init(fd: Int32) { self.fd = fd }

    /// Raw mode on `fd` (keys reach the container as typed: no echo, no line editing, no
    /// signals from Ctrl-C, no output processing), or nil when `fd` is not a terminal.
    static func enter(_ fd: Int32 = 0) -> RawTerminal? {
        guard isatty(fd) == 1 else { return nil }
        var mode = termios()
        guard tcgetattr(fd, &mode) == 0 else { return nil }
        saved.withLock { $0 = (fd, mode) }
        atExitInstalled.withLock { installed in
            if !installed {
                installed = true
                atexit { RawTerminal.restoreSaved() }
            }
        }
        var raw = mode
        cfmakeraw(&raw)
        tcsetattr(fd, TCSANOW, &raw)
        return RawTerminal(fd: fd)
    }

    /// Puts the terminal back as it was.
    func restore() { RawTerminal.restoreSaved() }

    /// Restores the saved mode, once.
    static func restoreSaved() {
        guard let s = saved.withLock({ v -> (fd: Int32, mode: termios)? in
            let out = v
            v = nil
            return out
        }) else { return }
        var mode = s.mode
        tcsetattr(s.fd, TCSANOW, &mode)
    }

    /// The window size of the terminal on `fd` (rows, columns), nil when it is not one.
    static func size(_ fd: Int32 = 0) -> (rows: Int, columns: Int)? {
        var ws = winsize()
        let rc = withUnsafeMutablePointer(to: &ws) { ioctl(fd, UInt(TIOCGWINSZ), $0) }
        guard rc == 0, ws.ws_row > 0, ws.ws_col > 0 else { return nil }
        return (Int(ws.ws_row), Int(ws.ws_col))
    }
}

/// The detach key sequence.
enum DetachKeys {
    /// The default, as the docker CLI's.
    static let defaultSpec = "ctrl-p,ctrl-q"

    /// The CLI's `term.ToBytes`: comma-separated keys, each a single character or
    /// `ctrl-X` with X one of `a`-`z`, `@`, `[`, `\`, `]`, `^`, `_`.
    static func parse(_ spec: String) throws -> [UInt8] {
        var out: [UInt8] = []
        for raw in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let key = raw.trimmingCharacters(in: " ")
            let lower = key.lowercased()
            if lower.hasPrefix("ctrl-"), lower.utf8.count == 6, let c = lower.utf8.last {
                switch c {
                case UInt8(ascii: "a")...UInt8(ascii: "z"): out.append(c - UInt8(ascii: "a") + 1)
                case UInt8(ascii: "@"): out.append(0)
                case UInt8(ascii: "["): out.append(27)
                case UInt8(ascii: "\\"): out.append(28)
                case UInt8(ascii: "]"): out.append(29)
                case UInt8(ascii: "^"): out.append(30)
                case UInt8(ascii: "_"): out.append(31)
                default: throw DshError.runtime("invalid detach keys \(Value.quote(spec)): unknown key \(Value.quote(key))")
                }
            } else if key.utf8.count == 1 {
                out.append(key.utf8.first!)
            } else {
                throw DshError.runtime("invalid detach keys \(Value.quote(spec)): unknown key \(Value.quote(key)) (use a character or ctrl-X)")
            }
        }
        return out
    }
}

/// Watches typed bytes for the detach sequence, as the CLI's escape proxy: bytes that
/// may start the sequence are held back until it completes (detach, they are never
/// sent) or breaks (they are sent after all).
struct DetachDetector {
    let keys: [UInt8]
    var matched = 0

    init(_ keys: [UInt8]) { self.keys = keys }

    /// The bytes to send for `input`, and whether the sequence completed.
    mutating func feed(_ input: some Sequence<UInt8>) -> (send: [UInt8], detach: Bool) {
        guard !keys.isEmpty else { return (Array(input), false) }
        var out: [UInt8] = []
        for b in input {
            if b == keys[matched] {
                matched += 1
                if matched == keys.count { return (out, true) }
                continue
            }
            if matched > 0 {
                out += keys[0..<matched]
                matched = 0
                if b == keys[0] {
                    matched = 1
                    if matched == keys.count { return (out, true) }
                    continue
                }
            }
            out.append(b)
        }
        return (out, false)
    }
}

extension StringProtocol {
    /// The string without leading and trailing `c`.
    func trimmingCharacters(in c: Character) -> String {
        var s = Substring(self)
        while s.first == c { s.removeFirst() }
        while s.last == c { s.removeLast() }
        return String(s)
    }
}
