// DockerLineFeed: the lines of a logs body handed straight from the connection's event
// loop to a synchronous receiver. The async path (event loop -> DockerByteStream -> a
// consumer Task -> its own queue) costs a Task wake-up and a few futex calls per read,
// about as much as decoding the read; here the event loop decodes the frames and lines
// and hands them over itself, and stops reading from the socket while the receiver is full.
import NIOCore
import NIOHTTP1

/// Receives the lines of a response body on the connection's event loop (so it must not
/// block): a whole read's worth at a time, then the end or the error that ended the body.
public protocol DockerLineReceiver: AnyObject, Sendable {
    /// The response head arrived: `feed` resumes reading (after `receive` returned false)
    /// or closes the connection (the consumer went away). Called once, before any line.
    func start(_ feed: DockerLineFeed)
    /// The lines of one read, in order (never empty). Returns false when the receiver is
    /// full: the connection stops reading until `feed.resume()`.
    func receive(_ lines: [DockerOutputLine]) -> Bool
    /// The body ended: nil at its end (after the last lines), else the transport, timeout,
    /// protocol or system error that ended it (the lines before it were received).
    func finish(_ error: (any Error)?)
}

/// The receiver's handle on the connection (any thread).
public struct DockerLineFeed: Sendable {
    let onResume: @Sendable () -> Void
    let onCancel: @Sendable () -> Void

    /// The receiver has room again: reading resumes (no effect unless it was paused).
    public func resume() { onResume() }
    /// The consumer went away: the connection closes at once (it cannot be reused with
    /// unread bytes in it) and the receiver is finished with a `CancellationError`.
    public func cancel() { onCancel() }
}

/// A body consumer fed synchronously by ``HTTPClientHandler`` on the event loop.
protocol HTTPBodySink: AnyObject {
    /// The head arrived; `feed` controls the exchange.
    func start(_ feed: DockerLineFeed)
    /// Decodes one body part as it arrives (nothing is handed over yet, so the parts of a
    /// read are never copied into one buffer); throws when the body is malformed (the
    /// exchange then fails, after `flush`, and the connection closes).
    func receive(_ bytes: inout ByteBuffer) throws
    /// The read cycle ended: hands over what was decoded. Returns false to stop reading
    /// until `feed.resume()`.
    func flush() -> Bool
    /// The body ended (nil) or failed (call `flush` first).
    func finish(_ error: (any Error)?)
}

/// Decodes frames and splits lines over each body part and hands them to a
/// ``DockerLineReceiver`` once per read (event loop only). Same lines, order and errors as
/// ``DockerLineBatches``.
final class LineSink: HTTPBodySink {
    // No dynamic exclusivity checks (~90 Ir each, two per line): only the event loop
    // touches these, and no access spans a call back into the sink.
    @exclusivity(unchecked) private var frames: DockerFrameDecoder
    @exclusivity(unchecked) private var splitter: DockerLineSplitter
    /// The lines decoded in this read cycle.
    @exclusivity(unchecked) private var held: [DockerOutputLine] = []
    private let receiver: any DockerLineReceiver

    init(multiplexed: Bool, maxLineBytes: Int, receiver: any DockerLineReceiver) {
        self.frames = DockerFrameDecoder(multiplexed: multiplexed)
        self.splitter = DockerLineSplitter(maxLineBytes: maxLineBytes)
        self.receiver = receiver
    }

    func start(_ feed: DockerLineFeed) { receiver.start(feed) }

    func receive(_ bytes: inout ByteBuffer) throws {
        // Decode into locals (swapped out, so their arrays stay uniquely referenced); the
        // lines before an error are kept for `flush`.
        var splitter = DockerLineSplitter(maxLineBytes: 1)
        swap(&splitter, &self.splitter)
        var out: [DockerOutputLine] = []
        swap(&out, &held)
        defer {
            swap(&splitter, &self.splitter)
            swap(&out, &held)
        }
        try frames.decode(&bytes) { splitter.split($0, into: &out) }
    }

    func flush() -> Bool {
        if held.isEmpty { return true }
        let out = held
        held = []
        return receiver.receive(out)
    }

    func finish(_ error: (any Error)?) {
        if let error {
            // The unfinished last line arrived too: it goes before the error.
            splitter.finish(into: &held)
            _ = flush()
            receiver.finish(error)
            return
        }
        // What arrived is delivered, then the error of a body cut inside a frame.
        splitter.finish(into: &held)
        _ = flush()
        do {
            try frames.finish()
        } catch {
            receiver.finish(error)
            return
        }
        receiver.finish(nil)
    }
}
