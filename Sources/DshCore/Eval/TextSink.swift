// TextSink.swift: where a script's output goes: a buffered file descriptor
// (standard output or error) or an in-memory capture for tests and embedders.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A destination for text. Thread-safe: REPL notices may be written from other threads.
public final class TextSink: @unchecked Sendable {
    private struct State {
        var buffer: [UInt8] = []
        var captured = ""
        var lastFlush: UInt64 = 0
    }

    private let fd: Int32?
    private let state = Mutex(State())
    /// Flushed before each write to this sink (standard error flushes standard output).
    private let flushFirst: TextSink?
    /// Whether to buffer at all (standard error does not).
    private let buffered: Bool

    /// Whether the file descriptor was a terminal when the sink was made.
    private let terminal: Bool

    private init(fd: Int32?, buffered: Bool, flushFirst: TextSink?) {
        self.fd = fd
        self.buffered = buffered
        self.flushFirst = flushFirst
        self.terminal = fd.map { isatty($0) == 1 } ?? false
    }

    /// Standard output (file descriptor 1), buffered; flushed at each line when it is a
    /// terminal, otherwise when the buffer fills, every 50 ms of writing, and at the end.
    public static let standardOutput = TextSink(fd: 1, buffered: true, flushFirst: nil)
    /// Standard error (file descriptor 2), unbuffered; flushes standard output first so
    /// the two interleave in order.
    public static let standardError = TextSink(fd: 2, buffered: false, flushFirst: standardOutput)

    /// A sink that keeps everything written in memory (`text`).
    public static func capture() -> TextSink { TextSink(fd: nil, buffered: false, flushFirst: nil) }

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
        guard let fd else {
            state.withLock { $0.captured += s }
            return
        }
        if !buffered {
            var bytes = Array(s.utf8)
            TextSink.writeAll(fd, &bytes)
            return
        }
        let isTTY = terminal
        let pending: [UInt8]? = state.withLock { st in
            st.buffer.append(contentsOf: s.utf8)
            let now = monotonicNanos()
            if st.buffer.count >= 64 << 10 || (isTTY && s.utf8.contains(10)) || now &- st.lastFlush > 50_000_000 {
                st.lastFlush = now
                defer { st.buffer.removeAll(keepingCapacity: true) }
                return st.buffer
            }
            return nil
        }
        if var pending { TextSink.writeAll(fd, &pending) }
    }

    /// Writes out anything buffered.
    public func flush() {
        guard let fd, buffered else { return }
        let pending: [UInt8] = state.withLock { st in
            defer { st.buffer.removeAll(keepingCapacity: true) }
            st.lastFlush = monotonicNanos()
            return st.buffer
        }
        if !pending.isEmpty {
            var p = pending
            TextSink.writeAll(fd, &p)
        }
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
