// RawStreamHandler: feeds the bytes of a hijacked connection (attach, exec) to a DockerByteStream.
import NIOCore

/// Asks whether the daemon still answers once it closed a hijacked stream, and calls back
/// (from any thread) with nil when it does, else the error to end the stream with.
typealias HijackEndCheck = @Sendable (_ done: @escaping @Sendable ((any Error)?) -> Void) -> Void

/// Replaces the HTTP handlers after a `101 UPGRADED`: every byte read is the container's
/// output. Reading pauses while the consumer is behind; the stream ends when the daemon
/// closes its side (half-close is allowed, so stdin can still be written).
final class RawStreamHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private var source: DockerByteStream.Producer.Source?
    private var context: ChannelHandlerContext?
    private var readPaused = false
    private var pendingRead = false
    private var finished = false
    /// Whether the daemon's end of the stream was seen (and is being confirmed).
    private var endSeen = false
    /// Asks whether the daemon still answers once its side closed: an attach or exec ends
    /// with the daemon closing the connection, whether the process ended or the daemon
    /// died; nil means it still answers (the output is complete), else the error to end
    /// the stream with.
    private let endCheck: HijackEndCheck?

    init(endCheck: HijackEndCheck? = nil) {
        self.endCheck = endCheck
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// The output stream; call once, on the event loop.
    func makeStream(eventLoop: any EventLoop) -> DockerByteStream {
        let loopBound = NIOLoopBound(self, eventLoop: eventLoop)
        let (stream, source) = DockerByteStream.make(
            onProduceMore: { eventLoop.execute { loopBound.value.produceMore() } },
            onTerminate: { eventLoop.execute { loopBound.value.consumerTerminated() } }
        )
        self.source = source
        return stream
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard !finished, let source, buffer.readableBytes > 0 else { return }
        if source.yield(buffer) == .stopProducing { readPaused = true }
    }

    private func produceMore() {
        readPaused = false
        if pendingRead, let context {
            pendingRead = false
            context.read()
        }
    }

    private func consumerTerminated() {
        // Ended normally (finish consumed) or the consumer went away: either way nobody reads.
        if !finished {
            finished = true
            source?.finish(CancellationError())
            context?.close(promise: nil)
        }
    }

    private func finish(_ error: (any Error)? = nil) {
        guard !finished else { return }
        finished = true
        if let error { source?.finish(error) } else { source?.finish() }
    }

    /// The daemon closed its side: the stream ends once `endCheck` confirmed the daemon
    /// still answers, else with the error it gave.
    private func daemonClosed(_ context: ChannelHandlerContext) {
        guard !finished, !endSeen else { return }
        endSeen = true
        guard let endCheck else { finish(); return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        endCheck { error in eventLoop.execute { loopBound.value.finish(error) } }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            daemonClosed(context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        daemonClosed(context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(TransportErrors.connection(error))
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if readPaused { pendingRead = true } else { context.read() }
    }
}
