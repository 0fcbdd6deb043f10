// BuildContext.swift: what `tar(...)` returns, and the request bodies of build,
// put_archive and load: a build context (streamed from the tar writer, never held
// whole), bytes, or a dsh stream of bytes piped through a bounded buffer.
import Dispatch
import DockerEngine
import DshCore
import NIOCore

/// A tar archive ready to be streamed: a directory (with `.dockerignore`) or in-memory files.
final class BuildContext: HostObject {
    /// Makes the request body; each call streams the archive anew.
    let body: @Sendable () -> DockerRequestBody
    /// `dir "path"` or `files [a, b]`, for display.
    let summary: String
    /// The in-memory files' names, when made from a map.
    let fileNames: [String]

    init(summary: String, fileNames: [String] = [], body: @escaping @Sendable () -> DockerRequestBody) {
        self.summary = summary
        self.fileNames = fileNames
        self.body = body
    }

    var typeName: String { "BuildContext" }
    var displayString: String { "<BuildContext \(summary)>" }
    var memberNames: [String] { ["source", "files"] }

    func member(_ name: String, _ runtime: any Runtime) throws -> Value? {
        switch name {
        case "source": return .string(summary)
        case "files": return .list(fileNames.map { .string($0) })
        default: return nil
        }
    }

    /// A request body plus, for a dsh stream, the pump that feeds it from the
    /// interpreter's thread while the request runs.
    struct Prepared {
        var body: DockerRequestBody
        var pump: (() throws -> Void)?
    }

    /// The body for a context argument: a `BuildContext`, bytes, a string path of a
    /// directory (as `tar(path)`), or a stream of bytes.
    static func prepare(_ value: Value, _ function: String, _ runtime: any Runtime) throws -> Prepared {
        switch value {
        case .object(let o as BuildContext):
            return Prepared(body: o.body(), pump: nil)
        case .bytes(let b):
            return Prepared(body: .bytes(b, contentType: "application/x-tar"), pump: nil)
        case .string(let path):
            let context = try TarBinding.directory(path, dockerfile: "Dockerfile")
            return Prepared(body: context.body(), pump: nil)
        case .stream(let s):
            let pipe = BytePipe(capacity: 8)
            let source = StdinSourceBox(s)
            let body = DockerRequestBody.stream(pipe, contentType: "application/x-tar")
            return Prepared(body: body, pump: {
                defer { pipe.finish() }
                while let item = try source.stream.next(runtime) {
                    guard case .bytes(let b) = item else {
                        throw DshError.runtime("\(function): the stream must yield bytes, not \(item.typeName)")
                    }
                    if !pipe.send(b) { break }
                }
            })
        default:
            throw DshError.runtime("\(function): expected a tar(...) context, bytes or a stream of bytes, not \(value.typeName)")
        }
    }

    /// The body alone (for values that need no pump); a stream is refused.
    static func requestBody(_ value: Value, _ function: String, _ runtime: any Runtime) throws -> Prepared {
        try prepare(value, function, runtime)
    }
}

/// Bytes sent from a plain thread to an async consumer with at most `capacity` chunks in
/// flight: `send` blocks while the consumer is behind, so a stream is never buffered whole.
final class BytePipe: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    private let stream: AsyncStream<[UInt8]>
    private let continuation: AsyncStream<[UInt8]>.Continuation
    private let slots: DispatchSemaphore
    private let state = PipeState()

    init(capacity: Int) {
        let (s, c) = AsyncStream<[UInt8]>.makeStream()
        stream = s
        continuation = c
        slots = DispatchSemaphore(value: capacity)
        let slots = self.slots
        let state = self.state
        c.onTermination = { _ in
            state.gone.store(true, ordering: .relaxed)
            for _ in 0..<64 { slots.signal() }
        }
    }

    /// Sends a chunk, waiting for room; false once the consumer went away.
    func send(_ bytes: [UInt8]) -> Bool {
        if state.gone.load(ordering: .relaxed) { return false }
        slots.wait()
        if state.gone.load(ordering: .relaxed) { return false }
        continuation.yield(bytes)
        return true
    }

    /// Ends the stream.
    func finish() { continuation.finish() }

    func makeAsyncIterator() -> Iterator { Iterator(base: stream.makeAsyncIterator(), slots: slots) }

    struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<[UInt8]>.AsyncIterator
        let slots: DispatchSemaphore
        mutating func next() async -> ByteBuffer? {
            guard let chunk = await base.next() else { return nil }
            slots.signal()
            var buffer = ByteBufferAllocator().buffer(capacity: chunk.count)
            buffer.writeBytes(chunk)
            return buffer
        }
    }
}

/// Whether the consumer of a `BytePipe` went away.
final class PipeState: Sendable {
    let gone = Atomic<Bool>(false)
}

import Synchronization
