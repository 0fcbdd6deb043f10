// Unit: JSON message splitting, frame demultiplexing and line splitting with hostile input.
@testable import DockerEngine
import NIOCore
import Testing

/// Chunks from byte arrays, as an async sequence.
struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let parts: [[UInt8]]
    init(_ parts: [[UInt8]]) { self.parts = parts }
    /// `bytes` cut every `size` bytes.
    init(_ bytes: [UInt8], every size: Int) {
        parts = stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<Swift.min($0 + size, bytes.count)]) }
    }
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(parts: parts) }
    struct AsyncIterator: AsyncIteratorProtocol {
        let parts: [[UInt8]]
        var i = 0
        mutating func next() async throws -> ByteBuffer? {
            guard i < parts.count else { return nil }
            i += 1
            return ByteBuffer(bytes: parts[i - 1])
        }
    }
}

/// One long run of the same byte, produced lazily in 1 MiB chunks.
struct Repeated: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let prefix: [UInt8]
    let byte: UInt8
    let total: Int
    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(owner: self) }
    struct AsyncIterator: AsyncIteratorProtocol {
        let owner: Repeated
        var sent = 0
        var first = true
        mutating func next() async throws -> ByteBuffer? {
            if first { first = false; return ByteBuffer(bytes: owner.prefix) }
            guard sent < owner.total else { return nil }
            let n = Swift.min(1 << 20, owner.total - sent)
            sent += n
            return ByteBuffer(repeating: owner.byte, count: n)
        }
    }
}

func frame(_ type: UInt8, _ payload: [UInt8]) -> [UInt8] {
    let n = UInt32(payload.count)
    return [type, 0, 0, 0, UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + payload
}

func collect<S: AsyncSequence>(_ s: S) async throws -> [S.Element] {
    var out: [S.Element] = []
    for try await x in s { out.append(x) }
    return out
}

struct StreamDecoderTests {
    @Test func jsonMessagesAcrossEveryChunkBoundary() async throws {
        let text = #"{"status":"a"}"# + "\n" + #"{"status":"b \"quoted\" {not a brace}","n":[1,{"x":2}]}"# + #"{"c":"\\"}"# + "\r\n  [1,2]\n"
        let bytes = Array(text.utf8)
        let expected = [#"{"status":"a"}"#, #"{"status":"b \"quoted\" {not a brace}","n":[1,{"x":2}]}"#, #"{"c":"\\"}"#, "[1,2]"]
        for size in 1...bytes.count {
            let messages = try await collect(DockerJSONMessages(Chunks(bytes, every: size)))
            #expect(messages.map { String(decoding: $0, as: UTF8.self) } == expected, "chunk size \(size)")
        }
    }

    @Test func jsonGarbageAndTruncationFail() async throws {
        await #expect(throws: DockerError.self) { _ = try await collect(DockerJSONMessages(Chunks([Array("{\"a\":1}\ngarbage".utf8)]))) }
        await #expect(throws: DockerError.self) { _ = try await collect(DockerJSONMessages(Chunks([Array("{\"a\":\"unterminated".utf8)]))) }
        // A balanced but invalid message is delimited; decoding it is the consumer's business.
        let odd = try await collect(DockerJSONMessages(Chunks([Array("{\"a\": ]".utf8)])))
        #expect(odd.count == 1)
        #expect(throws: (any Error).self) { _ = try JSONValue.decode(odd[0]) }
    }

    @Test func jsonErrorMessagesThrowWithTheDaemonMessage() async throws {
        let body = Array(#"{"status":"Pulling"}{"errorDetail":{"message":"manifest unknown"},"error":"manifest unknown"}{"status":"never"}"#.utf8)
        var seen: [String] = []
        do {
            for try await m in DockerJSONMessages(Chunks(body, every: 7)).throwingOnError() { seen.append(String(decoding: m, as: UTF8.self)) }
            Issue.record("no error thrown")
        } catch let e as DockerError {
            #expect(e.kind == .stream)
            #expect(e.message == "manifest unknown")
        }
        #expect(seen == [#"{"status":"Pulling"}"#])
        #expect(DockerJSONMessages<Chunks>.errorMessage(in: Array(#"{"errorDetail":{"message":"only detail"}}"#.utf8)) == "only detail")
        #expect(DockerJSONMessages<Chunks>.errorMessage(in: Array(#"{"status":"error-free"}"#.utf8)) == nil)
    }

    @Test func hundredMegabyteJSONLineErrorsWithoutBlowUp() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        await #expect(throws: DockerError.self) {
            _ = try await collect(DockerJSONMessages(Repeated(prefix: Array(#"{"a":""#.utf8), byte: UInt8(ascii: "x"), total: 100 << 20)))
        }
        _ = started  // timing is the benchmark's job, not a unit test's
        // Below the cap, a long message streams through in linear time.
        let small = try await collect(DockerJSONMessages(Chunks([Array(#"{"a":""#.utf8), [UInt8](repeating: 0x78, count: 8 << 20), Array("\"}".utf8)])))
        #expect(small.count == 1 && small[0].count == (8 << 20) + 8)
    }

    @Test func framesAcrossEveryBoundary() async throws {
        let bytes = frame(1, Array("out1\n".utf8)) + frame(2, Array("err\n".utf8)) + frame(1, []) + frame(1, Array("out2".utf8))
        for size in 1...bytes.count {
            var out: [UInt8] = []
            var err: [UInt8] = []
            for try await c in DockerFrames(Chunks(bytes, every: size), multiplexed: true) {
                if c.stream == .stderr { err += c.array } else { out += c.array }
            }
            #expect(String(decoding: out, as: UTF8.self) == "out1\nout2", "size \(size)")
            #expect(String(decoding: err, as: UTF8.self) == "err\n", "size \(size)")
        }
    }

    @Test func truncatedAndInvalidFramesFail() async throws {
        let truncatedPayload = frame(1, Array("hello".utf8)).dropLast(2)
        await #expect(throws: DockerError.self) { _ = try await collect(DockerFrames(Chunks([Array(truncatedPayload)]), multiplexed: true)) }
        await #expect(throws: DockerError.self) { _ = try await collect(DockerFrames(Chunks([[1, 0, 0]]), multiplexed: true)) }
        // Not multiplexed at all: never guessed, reported.
        await #expect(throws: DockerError.self) { _ = try await collect(DockerFrames(Chunks([Array("plain text output".utf8)]), multiplexed: true)) }
        // Type 3: a system error carrying its message.
        do {
            _ = try await collect(DockerFrames(Chunks(frame(1, [0x61]) + frame(3, Array("exec failed".utf8)), every: 3), multiplexed: true))
            Issue.record("no error")
        } catch let e as DockerError {
            #expect(e.kind == .systemError)
            #expect(e.message == "exec failed")
        }
        // Raw bodies are all stdout, byte for byte.
        let raw = try await collect(DockerFrames(Chunks([[1, 0, 0, 0, 0, 0, 0, 5]]), multiplexed: false))
        #expect(raw.map(\.stream) == [.stdout] && raw[0].array == [1, 0, 0, 0, 0, 0, 0, 5])
    }

    @Test func multiplexedChoiceByContentTypeAndVersion() {
        let v141 = APIVersion(major: 1, minor: 41), v142 = APIVersion(major: 1, minor: 42)
        #expect(DockerFrames<Chunks>.isMultiplexed(contentType: "application/vnd.docker.multiplexed-stream", apiVersion: v141, tty: true))
        #expect(!DockerFrames<Chunks>.isMultiplexed(contentType: "application/vnd.docker.raw-stream", apiVersion: v142, tty: false))
        // Before 1.42 the daemon labels multiplexed bodies raw: the tty flag decides.
        #expect(DockerFrames<Chunks>.isMultiplexed(contentType: "application/vnd.docker.raw-stream", apiVersion: v141, tty: false))
        #expect(!DockerFrames<Chunks>.isMultiplexed(contentType: nil, apiVersion: v141, tty: true))
    }

    @Test func linesKeepPartialsPerStream() async throws {
        let bytes = frame(1, Array("a1\na".utf8)) + frame(2, Array("e1".utf8)) + frame(1, Array("2\r\n\n".utf8)) + frame(2, Array("\nlast-err".utf8)) + frame(1, Array("tail".utf8))
        for size in [1, 2, 3, 5, 8, 13, bytes.count] {
            let lines = try await collect(DockerLines(DockerFrames(Chunks(bytes, every: size), multiplexed: true)))
            #expect(lines.filter { $0.stream == .stdout }.map(\.text) == ["a1", "a2", "", "tail"], "size \(size)")
            #expect(lines.filter { $0.stream == .stderr }.map(\.text) == ["e1", "last-err"], "size \(size)")
        }
    }

    @Test func hundredMegabyteLineStreamsInBoundedPieces() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        var pieces = 0
        var total = 0
        for try await line in DockerLines(DockerFrames(Repeated(prefix: [], byte: UInt8(ascii: "y"), total: 100 << 20), multiplexed: false), maxLineBytes: 1 << 20) {
            pieces += 1
            total += line.text.utf8.count
            #expect(line.text.utf8.count <= 1 << 20)
        }
        #expect(total == 100 << 20)
        #expect(pieces == 100)
        _ = started  // timing is the benchmark's job, not a unit test's
    }
    /// The batched path gives the same lines as `DockerLines` over `DockerFrames`, whatever
    /// the read boundaries, and raises errors after the lines before them.
    @Test func lineBatchesMatchLinesAcrossEveryBoundary() async throws {
        let bytes = frame(1, Array("a1\na".utf8)) + frame(2, Array("e1".utf8)) + frame(1, Array("2\r\n\n".utf8)) + frame(2, Array("\nlast-err".utf8)) + frame(1, Array("tail".utf8))
        for size in 1...bytes.count {
            let parts = Chunks(bytes, every: size).parts.map { ByteBuffer(bytes: $0) }
            let batches = try await collect(DockerLineBatches(.chunks(parts), multiplexed: true))
            #expect(!batches.contains { $0.isEmpty })
            let lines = batches.flatMap { $0 }
            #expect(lines.filter { $0.stream == .stdout }.map(\.text) == ["a1", "a2", "", "tail"], "size \(size)")
            #expect(lines.filter { $0.stream == .stderr }.map(\.text) == ["e1", "last-err"], "size \(size)")
        }
        // Raw: one stream, a line cut at the cap.
        let raw = try await collect(DockerLineBatches(.chunks([ByteBuffer(bytes: Array("abcdefg\nxy".utf8))]), multiplexed: false, maxLineBytes: 4)).flatMap { $0 }
        #expect(raw.map(\.text) == ["abcd", "efg", "xy"])
        // A system error after a line: the lines first (the unfinished one too), then the error.
        let failing = frame(1, Array("before\npartial".utf8)) + frame(3, Array("exec failed".utf8)) + frame(1, Array("after\n".utf8))
        var seen: [String] = []
        do {
            for try await batch in DockerLineBatches(.chunks([ByteBuffer(bytes: failing)]), multiplexed: true) {
                seen += batch.map(\.text)
            }
            Issue.record("no error")
        } catch let e as DockerError {
            #expect(e.kind == .systemError && e.message == "exec failed")
        }
        #expect(seen == ["before", "partial"])
        // A body cut inside a frame fails, as DockerFrames does.
        let cut = Array(frame(1, Array("whole\nhalf".utf8)).dropLast(2))
        await #expect(throws: DockerError.self) { _ = try await collect(DockerLineBatches(.chunks([ByteBuffer(bytes: cut)]), multiplexed: true)) }
    }

    /// The event loop's line sink (`streamLines`): parts decoded as they arrive, lines handed
    /// over per flush (read cycle), the same lines and errors as DockerLineBatches.
    @Test func lineSinkMatchesLineBatches() throws {
        let bytes = frame(1, Array("a1\na".utf8)) + frame(2, Array("e1".utf8)) + frame(1, Array("2\r\n\n".utf8)) + frame(2, Array("\nlast-err".utf8)) + frame(1, Array("tail".utf8))
        for size in 1...bytes.count {
            for perFlush in [1, 3] {
                let receiver = RecordingReceiver()
                let sink = LineSink(multiplexed: true, maxLineBytes: 1 << 20, receiver: receiver)
                for (i, part) in Chunks(bytes, every: size).parts.enumerated() {
                    var buffer = ByteBuffer(bytes: part)
                    try sink.receive(&buffer)
                    if i % perFlush == 0 { #expect(sink.flush()) }
                }
                #expect(sink.flush())
                sink.finish(nil)
                #expect(!receiver.batches.contains { $0.isEmpty })
                let lines = receiver.batches.flatMap { $0 }
                #expect(lines.filter { $0.stream == .stdout }.map(\.text) == ["a1", "a2", "", "tail"], "size \(size)")
                #expect(lines.filter { $0.stream == .stderr }.map(\.text) == ["e1", "last-err"], "size \(size)")
                #expect(receiver.ends == 1 && receiver.error == nil)
            }
        }
        // A system error after a line: receive throws; the handler flushes, then finishes.
        let receiver = RecordingReceiver()
        let sink = LineSink(multiplexed: true, maxLineBytes: 1 << 20, receiver: receiver)
        var failing = ByteBuffer(bytes: frame(1, Array("before\npartial".utf8)) + frame(3, Array("exec failed".utf8)) + frame(1, Array("after\n".utf8)))
        #expect(throws: DockerError.self) { try sink.receive(&failing) }
        _ = sink.flush()
        sink.finish(DockerError(kind: .systemError, message: "exec failed"))
        #expect(receiver.batches.flatMap { $0 }.map(\.text) == ["before", "partial"])
        #expect(receiver.ends == 1 && (receiver.error as? DockerError)?.kind == .systemError)
        // A body cut inside a frame: finish delivers what arrived, then reports it.
        let cutReceiver = RecordingReceiver()
        let cutSink = LineSink(multiplexed: true, maxLineBytes: 1 << 20, receiver: cutReceiver)
        var cut = ByteBuffer(bytes: Array(frame(1, Array("whole\nhalf".utf8)).dropLast(2)))
        try cutSink.receive(&cut)
        #expect(cutSink.flush())
        cutSink.finish(nil)
        #expect(cutReceiver.batches.flatMap { $0 }.map(\.text) == ["whole", "ha"])
        #expect((cutReceiver.error as? DockerError)?.kind == .protocolError)
        // A full receiver: flush says stop.
        let full = RecordingReceiver(room: false)
        let fullSink = LineSink(multiplexed: false, maxLineBytes: 1 << 20, receiver: full)
        var raw = ByteBuffer(bytes: Array("x\n".utf8))
        try fullSink.receive(&raw)
        #expect(fullSink.flush() == false)
        #expect(fullSink.flush(), "nothing held: nothing to refuse")
    }
}

/// Records what a line sink hands over (one thread).
final class RecordingReceiver: DockerLineReceiver, @unchecked Sendable {
    var batches: [[DockerOutputLine]] = []
    var error: (any Error)?
    var ends = 0
    let room: Bool
    init(room: Bool = true) { self.room = room }
    func start(_ feed: DockerLineFeed) {}
    func receive(_ lines: [DockerOutputLine]) -> Bool { batches.append(lines); return room }
    func finish(_ error: (any Error)?) { self.error = error; ends += 1 }
}
