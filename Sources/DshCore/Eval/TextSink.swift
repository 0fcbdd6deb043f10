// TextSink.swift: where a script's output goes: the process's standard output (the
// same C stdio buffer as Swift's `print`, so a host's lines and the script's keep their
// order) or error, an in-memory capture, or a host's callback.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A destination for text. Thread-safe: REPL notices may be written from other threads.
public final class TextSink: @unchecked Sendable {
    private struct State {
        var captured = ""
        var lastFlush: UInt64 = 0
    }

    private let fd: Int32?
    /// The host's callback, for sinks made by `handler`.
    private let handler: (@Sendable (String) -> Void)?
    private let state = Mutex(State())
    /// Flushed before each write to this sink (standard error flushes standard output).
    private let flushFirst: TextSink?
    /// Whether to buffer at all (standard error does not).
    private let buffered: Bool

    /// Whether the file descriptor was a terminal when the sink was made.
    private let terminal: Bool

    private init(fd: Int32?, buffered: Bool, flushFirst: TextSink?, handler: (@Sendable (String) -> Void)? = nil) {
        self.fd = fd
        self.handler = handler
        self.buffered = buffered
        self.flushFirst = flushFirst
        self.terminal = fd.map { isatty($0) == 1 } ?? false
    }

    /// Standard output (file descriptor 1), written through C stdio's `stdout` buffer, the
    /// one Swift's `print` uses, so a host's output and the script's come out in the order
    /// they were written; flushed at each line when it is a terminal, otherwise when the
    /// buffer fills, every 50 ms of writing, and at the end of each evaluation.
    public static let standardOutput = TextSink(fd: 1, buffered: true, flushFirst: nil)
    /// Standard error (file descriptor 2), unbuffered; flushes standard output first so
    /// the two interleave in order.
    public static let standardError = TextSink(fd: 2, buffered: false, flushFirst: standardOutput)

    /// A sink that keeps everything written in memory (`text`).
    public static func capture() -> TextSink { TextSink(fd: nil, buffered: false, flushFirst: nil) }

    /// A sink that hands each piece of text to `write` as it is written (a line of
    /// `print` arrives with its newline), on the thread of the evaluation.
    public static func handler(_ write: @escaping @Sendable (String) -> Void) -> TextSink {
        TextSink(fd: nil, buffered: false, flushFirst: nil, handler: write)
    }

    /// Everything written so far (capture sinks; "" for file descriptors).
    public var text: String { state.withLock { $0.captured } }

    /// Whether the sink is a terminal.
    public var isTerminal: Bool {
        guard let fd else { return false }
        return isatty(fd) == 1
    }

    /// Writes `s`.
    public func write(_ s: String) {
        flushFirst?.flush()
        if let handler {
            handler(s)
            return
        }
        guard let fd else {
            state.withLock { $0.captured += s }
            return
        }
        if !buffered {
            var bytes = Array(s.utf8)
            TextSink.writeAll(fd, &bytes)
            return
        }
        // Into stdio's buffer (shared with the host's `print`), flushed on this sink's policy.
        print(s, terminator: "")
        let isTTY = terminal
        let flushNow = state.withLock { st in
            let now = monotonicNanos()
            guard (isTTY && s.utf8.contains(10)) || now &- st.lastFlush > 50_000_000 else { return false }
            st.lastFlush = now
            return true
        }
        if flushNow { fflush(nil) }
    }

    /// Writes out anything buffered (for standard output: all of C stdio's output streams).
    public func flush() {
        guard fd != nil, buffered else { return }
        state.withLock { $0.lastFlush = monotonicNanos() }
        fflush(nil)
    }

    private static func writeAll(_ fd: Int32, _ bytes: inout [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Glibc_write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += n
            }
        }
    }
}

@inline(__always)
private func Glibc_write(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, n)
    #else
    return Darwin.write(fd, p, n)
    #endif
}
