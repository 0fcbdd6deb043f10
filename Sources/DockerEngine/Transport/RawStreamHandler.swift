// RawStreamHandler: feeds the bytes of a hijacked connection (attach, exec) to a DockerByteStream.
import NIOCore

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

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            finish()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(DockerError.transport("hijacked stream failed: \(error)"))
        context.close(promise: nil)
    }

    func read(context: ChannelHandlerContext) {
        if readPaused { pendingRead = true } else { context.read() }
    }
}
