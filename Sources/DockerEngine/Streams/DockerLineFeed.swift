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
    /// The bytes of one read. Returns false to stop reading until `feed.resume()`; throws
    /// when the body is malformed (the exchange then fails and the connection closes).
    func receive(_ bytes: inout ByteBuffer) throws -> Bool
    /// The body ended (nil) or failed.
    func finish(_ error: (any Error)?)
}

/// Decodes frames and splits lines over each read and hands them to a ``DockerLineReceiver``
/// (event loop only). Same lines, order and errors as ``DockerLineBatches``.
final class LineSink: HTTPBodySink {
    // No dynamic exclusivity checks (~90 Ir each, two per line): only the event loop
    // touches these, and no access spans a call back into the sink.
    @exclusivity(unchecked) private var frames: DockerFrameDecoder
    @exclusivity(unchecked) private var splitter: DockerLineSplitter
    private let receiver: any DockerLineReceiver

    init(multiplexed: Bool, maxLineBytes: Int, receiver: any DockerLineReceiver) {
        self.frames = DockerFrameDecoder(multiplexed: multiplexed)
        self.splitter = DockerLineSplitter(maxLineBytes: maxLineBytes)
        self.receiver = receiver
    }

    func start(_ feed: DockerLineFeed) { receiver.start(feed) }

    func receive(_ bytes: inout ByteBuffer) throws -> Bool {
        var out: [DockerOutputLine] = []
        var failure: (any Error)?
        do {
            try frames.decode(&bytes) { splitter.split($0, into: &out) }
        } catch {
            failure = error
        }
        // The lines before an error go first.
        let more = out.isEmpty ? true : receiver.receive(out)
        if let failure { throw failure }
        return more
    }

    func finish(_ error: (any Error)?) {
        if let error {
            receiver.finish(error)
            return
        }
        do {
            try frames.finish()
        } catch {
            receiver.finish(error)
            return
        }
        var out: [DockerOutputLine] = []
        splitter.finish(into: &out)
        if !out.isEmpty { _ = receiver.receive(out) }
        receiver.finish(nil)
    }
}
