// DockerStreams.swift: the Docker client's async sequences as dsh streams. A producer
// Task iterates the sequence and pushes items into a `PushStream` (bounded buffer,
// backpressure); closing the stream (a `break`, `take(n)` having enough, an error,
// Ctrl-C) cancels the Task, which closes the HTTP connection at once.
import DockerEngine
import DshCore
import NIOCore

/// A line of logs, attach or exec output, with its stream and, with timestamps, its time.
struct OutputLine: Sendable {
    var stream: DockerOutputStream
    var text: String
    var time: String?
}

enum DockerStreams {
    /// A stream whose items come from `sequence`, transformed off the interpreter's
    /// thread by `transform` (nil skips an element) and made into values by `convert`.
    /// `cleanup` runs once when the stream is closed.
    static func make<S: AsyncSequence & Sendable, Item: Sendable>(
        label: String, request: String, _ sequence: S,
        transform: @escaping @Sendable (S.Element) throws -> Item?,
        convert: @escaping (Item) throws -> Value,
        cleanup: (@Sendable () async -> Void)? = nil
    ) -> PushStream<Item> where S.Element: Sendable {
        let stream = PushStream<Item>(label: label, convert: convert)
        produce(into: stream, request: request, cleanup: cleanup) { producer in
            for try await element in sequence {
                guard let item = try transform(element) else { continue }
                if !(await producer.yield(item)) { break }
            }
        }
        return stream
    }

    /// Runs `feed` on a producer Task for `stream`: the stream finishes when `feed`
    /// returns, or with the mapped error when it throws; `cleanup` runs after either;
    /// closing the stream cancels the Task (which closes the request's connection).
    private static func produce<Item: Sendable>(
        into stream: PushStream<Item>, request: String, cleanup: (@Sendable () async -> Void)?,
        _ feed: @escaping @Sendable (PushStream<Item>.Producer) async throws -> Void
    ) {
        let producer = stream.producer
        let task = Task {
            do {
                try await feed(producer)
                producer.finish()
            } catch {
                producer.finish(throwing: DockerErrors.map(error, request: request))
            }
            await cleanup?()
        }
        stream.onClose { task.cancel() }
    }

    /// Attach or service-log lines as `{stream: "stdout", text: "..."}` items (plus `time`
    /// when `timestamps` split a leading RFC 3339 time off each line). Lines are decoded a
    /// whole read at a time (``DockerLineBatches``) and handed to the stream as one batch,
    /// so the producer pays one `await` per read instead of a chain of them per line; the
    /// consumer still reads the lines one by one.
    static func lines(
        label: String, request: String, _ lines: DockerLines<DockerFrames<DockerByteStream>>, timestamps: Bool,
        cleanup: (@Sendable () async -> Void)? = nil
    ) -> PushStream<OutputLine> {
        let batches = lines.batches()
        let stream = PushStream<OutputLine>(label: label, capacity: 256, convert: lineValue)
        produce(into: stream, request: request, cleanup: cleanup) { producer in
            for try await batch in batches {
                let items = batch.map { outputLine($0, timestamps: timestamps) }
                if !(await producer.yield(contentsOf: items)) { break }
            }
        }
        return stream
    }

    /// Logs lines fed straight from the connection's event loop (see ``DockerLineReceiver``):
    /// no producer Task and no async sequence in between, which cost a Task wake-up and a
    /// few futex calls per read. `open` sends the request with the receiver; the
    /// connection stops reading while the stream's buffer is full, and closing the stream
    /// closes the connection.
    static func liveLines(
        label: String, request: String, timestamps: Bool, open: (any DockerLineReceiver) throws -> Void
    ) throws -> PushStream<DockerOutputLine> {
        let stream = PushStream<DockerOutputLine>(label: label, capacity: 256) { lineValue(outputLine($0, timestamps: timestamps)) }
        try open(LineReceiver(producer: stream.producer, request: request))
        return stream
    }

    /// Hands a connection's lines to a push stream (on the event loop).
    final class LineReceiver: DockerLineReceiver {
        let producer: PushStream<DockerOutputLine>.Producer
        let request: String

        init(producer: PushStream<DockerOutputLine>.Producer, request: String) {
            self.producer = producer
            self.request = request
        }

        func start(_ feed: DockerLineFeed) {
            producer.onRoom { feed.resume() }
            // Registered before any line: a stream closed (or dropped) from now on closes
            // the connection, even one the request's caller never got back.
            producer.onClose { feed.cancel() }
        }

        func receive(_ lines: [DockerOutputLine]) -> Bool {
            producer.offer(contentsOf: lines)
        }

        func finish(_ error: (any Error)?) {
            producer.finish(throwing: error.map { DockerErrors.map($0, request: request) })
        }
    }

    /// An output line, with the leading RFC 3339 time split off when `timestamps`.
    static func outputLine(_ line: DockerOutputLine, timestamps: Bool) -> OutputLine {
        var out = OutputLine(stream: line.stream, text: line.text, time: nil)
        if timestamps, let space = line.text.firstIndex(of: " ") {
            out.time = String(line.text[..<space])
            out.text = String(line.text[line.text.index(after: space)...])
        }
        return out
    }

    /// The keys of a line's map, shared by every line (see `MapRef(distinctKeys:values:)`).
    private static let lineKeys: ContiguousArray<String> = ["stream", "text"]
    private static let timedLineKeys: ContiguousArray<String> = ["stream", "text", "time"]

    /// The value of an output line: `{stream, text}` or `{stream, text, time}`.
    static func lineValue(_ line: OutputLine) -> Value {
        if let t = line.time {
            return .map(MapRef(distinctKeys: timedLineKeys, values: [.string(line.stream.rawValue), .string(line.text), .string(t)]))
        }
        return .map(MapRef(distinctKeys: lineKeys, values: [.string(line.stream.rawValue), .string(line.text)]))
    }

    /// Raw output chunks as bytes values (`stdout`/`stderr` pick which streams).
    static func chunks<S: AsyncSequence & Sendable>(
        label: String, request: String, _ frames: S, cleanup: (@Sendable () async -> Void)? = nil
    ) -> PushStream<[UInt8]> where S.Element == DockerOutputChunk {
        make(label: label, request: request, frames, transform: { $0.array }, convert: { .bytes($0) }, cleanup: cleanup)
    }

    /// A process's collected output (`exec`, `output`, `run`): text when it is valid
    /// UTF-8, else the exact bytes (never text with U+FFFD in place of bytes).
    static func output(_ bytes: [UInt8]) -> Value {
        if let text = String(validating: bytes, as: UTF8.self) { return .string(text) }
        return .bytes(bytes)
    }

    /// A body as bytes chunks (export, save, get_archive).
    static func bytes(label: String, request: String, _ body: DockerByteStream) -> PushStream<[UInt8]> {
        make(label: label, request: request, body, transform: { Array($0.readableBytesView) }, convert: { .bytes($0) })
    }

    /// JSON messages as maps, unchanged; an `error` message raises the daemon's message.
    static func json<S: AsyncSequence & Sendable>(label: String, request: String, _ messages: S) -> PushStream<[UInt8]>
    where S.Element == [UInt8] {
        make(label: label, request: request, messages, transform: { $0 }, convert: { try JSON.decode($0) })
    }

    /// A streaming response's JSON messages, checked for error messages.
    static func json(label: String, request: String, _ response: DockerStreamingResponse) -> PushStream<[UInt8]> {
        json(label: label, request: request, response.jsonMessages().throwingOnError())
    }
}
