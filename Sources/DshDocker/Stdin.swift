// Stdin.swift: what `exec(..., stdin:)` and `attach(stdin:)` write to a process: a
// string, bytes, a list of lines or a stream, written in order and then half-closed
// so the process reads end-of-file.
import DockerEngine
import DshCore

/// The chunks to write to a process's stdin, handed from the interpreter's thread to
/// the writing Task through an unbounded async stream.
final class StdinFeed: Sendable {
    let chunks: AsyncStream<[UInt8]>
    private let continuation: AsyncStream<[UInt8]>.Continuation
    /// The dsh stream to pull on the interpreter's thread, if the input is one.
    private let source: StdinSourceBox?

    /// The feed for `value`; a string, bytes or list is queued at once.
    init(_ value: Value, _ function: String) throws {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        self.chunks = stream
        self.continuation = continuation
        switch value {
        case .stream(let s):
            source = StdinSourceBox(s)
        default:
            source = nil
            continuation.yield(try StdinFeed.bytes(value, function))
            continuation.finish()
        }
    }

    /// Whether the input is a stream that `pump` must pull.
    var needsPump: Bool { source != nil }

    /// Pulls the dsh stream (on the interpreter's thread) into the feed, then ends it.
    func pump(_ runtime: any Runtime, _ function: String) throws {
        guard let source else { return }
        defer { continuation.finish() }
        while let item = try source.stream.next(runtime) {
            continuation.yield(try StdinFeed.bytes(item, function, line: true))
        }
    }

    /// Writes every chunk, then half-closes the connection.
    func write(to stream: DockerHijackedStream) async throws {
        for await chunk in chunks where !chunk.isEmpty {
            try await stream.write(chunk)
        }
        try await stream.closeWrite()
    }

    /// The bytes of one input value (`ProcessInput.bytes`: the rule host processes share).
    static func bytes(_ value: Value, _ function: String, line: Bool = false) throws -> [UInt8] {
        try ProcessInput.bytes(value, function, line: line)
    }
}

/// Holds a dsh stream for the feed (streams belong to the interpreter's thread; only
/// that thread touches it).
final class StdinSourceBox: @unchecked Sendable {
    let stream: StreamValue
    init(_ stream: StreamValue) { self.stream = stream }
}
