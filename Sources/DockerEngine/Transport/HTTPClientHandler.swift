// HTTPClientHandler: one HTTP/1.1 exchange at a time on a channel, with streamed bodies,
// read backpressure, response-header and idle timeouts, and the switch to a hijacked stream.
import NIOCore
import NIOHTTP1

/// What the handler hands back once a response head arrived.
struct ResponseStart: Sendable {
    var head: HTTPResponseHead
    var body: DockerByteStream
    /// True when the connection was upgraded (101) and `body` is the raw hijacked stream.
    var hijacked: Bool
    /// The connection (the hijacked stream writes to it).
    var channel: any Channel
}

/// The last handler of a client connection's pipeline. Runs on the channel's event loop only.
final class HTTPClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private struct Pending {
        var id: Int
        var promise: EventLoopPromise<ResponseStart>
        var upgrade: Bool
        var idleTimeout: TimeAmount?
        var headerTimeout: TimeAmount?
    }

    private enum State {
        case idle
        case awaitingHead(Pending)
        case awaitingUpgradeEnd(Pending, HTTPResponseHead)
        case streaming(id: Int, source: DockerByteStream.Producer.Source, idleTimeout: TimeAmount?)
        case upgraded
        case closed
    }

    private var state = State.idle
    private var context: ChannelHandlerContext?
    private var readPaused = false
    private var pendingRead = false
    private var keepAlive = true
    private var headerTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var nextID = 0
    /// The decoder and encoder to remove on upgrade.
    let decoder: ByteToMessageHandler<HTTPResponseDecoder>
    let encoder: HTTPRequestEncoder
    /// Called on the event loop when a response ended and the connection can carry another.
    var onReusable: (() -> Void)?

    init(decoder: ByteToMessageHandler<HTTPResponseDecoder>, encoder: HTTPRequestEncoder) {
        self.decoder = decoder
        self.encoder = encoder
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Whether a new request may start on this connection.
    var isIdle: Bool { if case .idle = state { return true }; return false }

    // MARK: requests

    /// Starts an exchange: the caller then writes the head and body parts through the channel.
    func begin(promise: EventLoopPromise<ResponseStart>, upgrade: Bool, headerTimeout: TimeAmount?, idleTimeout: TimeAmount?) -> Int {
        nextID += 1
        guard case .idle = state else {
            promise.fail(DockerError.transport("internal error: the connection is busy"))
            return nextID
        }
        state = .awaitingHead(Pending(id: nextID, promise: promise, upgrade: upgrade, idleTimeout: idleTimeout, headerTimeout: headerTimeout))
        return nextID
    }

    /// The request is fully written: the response-header timeout starts now.
    func requestSent(id: Int) {
        guard case .awaitingHead(let p) = state, p.id == id, let timeout = p.headerTimeout, let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        headerTimer = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.timedOut(id: id, what: "no response headers within \(HTTPClientHandler.describe(timeout))")
        }
    }

    private static func describe(_ t: TimeAmount) -> String {
        let ms = t.nanoseconds / 1_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }

    private func timedOut(id: Int, what: String) {
        let error = DockerError(kind: .timeout, message: what)
        switch state {
        case .awaitingHead(let p) where p.id == id:
            state = .closed
            p.promise.fail(error)
        case .awaitingUpgradeEnd(let p, _) where p.id == id:
            state = .closed
            p.promise.fail(error)
        case .streaming(let sid, let source, _) where sid == id:
            state = .closed
            source.finish(error)
        default:
            return
        }
        context?.close(promise: nil)
    }

    private func armIdleTimer(id: Int, timeout: TimeAmount?) {
        idleTimer?.cancel()
        idleTimer = nil
        guard let timeout, let context, !readPaused else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(in: timeout) {
            loopBound.value.timedOut(id: id, what: "no data from the daemon for \(HTTPClientHandler.describe(timeout))")
        }
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            headerTimer?.cancel()
            headerTimer = nil
            guard case .awaitingHead(let p) = state else { return }
            keepAlive = head.isKeepAlive
            if p.upgrade && head.status == .switchingProtocols {
                state = .awaitingUpgradeEnd(p, head)
                return
            }
            let (stream, source) = makeStream(context: context, id: p.id, closeOnTerminate: true)
            state = .streaming(id: p.id, source: source, idleTimeout: p.idleTimeout)
            armIdleTimer(id: p.id, timeout: p.idleTimeout)
            p.promise.succeed(ResponseStart(head: head, body: stream, hijacked: false, channel: context.channel))
        case .body(let buffer):
            guard case .streaming(let id, let source, let idle) = state else { return }
            switch source.yield(buffer) {
            case .produceMore: break
            case .stopProducing: readPaused = true
            case .dropped: break
            }
            armIdleTimer(id: id, timeout: idle)
        case .end:
            switch state {
            case .awaitingUpgradeEnd(let p, let head):
                upgrade(context: context, pending: p, head: head)
            case .streaming(_, let source, _):
                idleTimer?.cancel()
                idleTimer = nil
                state = .idle
                readPaused = false
                // Back to the pool before the consumer sees the end, so its next request reuses it.
                if keepAlive {
                    if pendingRead { pendingRead = false; context.read() }
                    onReusable?()
                    source.finish()
                } else {
                    state = .closed
                    source.finish()
                    context.close(promise: nil)
                }
            default:
                break
            }
        }
    }

    private func makeStream(context: ChannelHandlerContext, id: Int, closeOnTerminate: Bool) -> (DockerByteStream, DockerByteStream.Producer.Source) {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        return DockerByteStream.make(
            onProduceMore: { eventLoop.execute { loopBound.value.produceMore(id: id) } },
            onTerminate: { eventLoop.execute { loopBound.value.consumerTerminated(id: id) } }
        )
    }

    private func produceMore(id: Int) {
        guard case .streaming(let sid, _, let idle) = state, sid == id else { return }
        readPaused = false
        armIdleTimer(id: id, timeout: idle)
        if pendingRead, let context {
            pendingRead = false
            context.read()
        }
    }

    /// The consumer cancelled or dropped the body before its end: the connection cannot be
    /// reused with unread bytes in it, so it closes at once.
    private func consumerTerminated(id: Int) {
        guard case .streaming(let sid, let source, _) = state, sid == id else { return }
        state = .closed
        source.finish(CancellationError())
        context?.close(promise: nil)
    }

    private func upgrade(context: ChannelHandlerContext, pending: Pending, head: HTTPResponseHead) {
        state = .upgraded
        let raw = RawStreamHandler()
        do {
            let pipeline = context.pipeline.syncOperations
            try pipeline.addHandler(raw, position: .after(decoder))
            let stream = raw.makeStream(eventLoop: context.eventLoop)
            onReusable = nil
            // Removing the decoder forwards the bytes it buffered after the 101 headers to `raw`.
            pipeline.removeHandler(context: context, promise: nil)
            pipeline.removeHandler(encoder, promise: nil)
            pipeline.removeHandler(decoder, promise: nil)
            pending.promise.succeed(ResponseStart(head: head, body: stream, hijacked: true, channel: context.channel))
        } catch {
            pending.promise.fail(DockerError.transport("could not switch to the hijacked stream: \(error)"))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, e == .inputClosed {
            // The daemon closed its side; a response in progress was ended by the decoder.
            failPending(DockerError.transport("the daemon closed the connection before responding"))
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failPending(DockerError.transport("the connection to the daemon closed before the response ended"))
        state = .closed
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let message: String
        if let e = error as? DockerError { message = e.message } else { message = "\(error)" }
        failPending(DockerError.transport(message))
        state = .closed
        context.close(promise: nil)
    }

    private func failPending(_ error: DockerError) {
        headerTimer?.cancel()
        idleTimer?.cancel()
        switch state {
        case .awaitingHead(let p), .awaitingUpgradeEnd(let p, _):
            p.promise.fail(error)
        case .streaming(_, let source, _):
            source.finish(error)
        default:
            break
        }
        if case .upgraded = state { return }
        state = .closed
    }

    // MARK: outbound

    func read(context: ChannelHandlerContext) {
        if readPaused {
            pendingRead = true
        } else {
            context.read()
        }
    }
}
