// HTTPClientHandler: one HTTP/1.1 exchange at a time on a channel, with bodies streamed to
// an async sequence or a synchronous sink, read backpressure, response-header and idle
// timeouts, and the switch to a hijacked stream.
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

/// How the handler answers an exchange: with the head and a body stream, or a sink.
enum HTTPReply {
    case stream(EventLoopPromise<ResponseStart>)
    /// A status below 400 hands the body to the sink `makeSink` gives for the head (the
    /// promise gets an empty `body`); an error status streams as `.stream` does.
    case sink(EventLoopPromise<ResponseStart>, makeSink: @Sendable (HTTPResponseHead) -> any HTTPBodySink)

    func fail(_ error: any Error) {
        switch self {
        case .stream(let p): p.fail(error)
        case .sink(let p, _): p.fail(error)
        }
    }
}

/// The last handler of a client connection's pipeline. Runs on the channel's event loop only.
///
/// The state is kept in flat stored properties mutated in place (rather than an enum with
/// payloads, which Swift copies and destroys on every `switch`), and one timer per
/// connection enforces both timeouts: it checks `deadline` when it fires and re-arms
/// itself, so a request costs no timer scheduling unless a deadline moves earlier.
final class HTTPClientHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    private enum Phase {
        case idle
        /// `reply` waits for the response head.
        case awaitingHead
        /// A 101 arrived; the switch happens at the head's end (`upgradeHead`).
        case awaitingUpgradeEnd
        /// The body goes to `source`, or to `sink`.
        case streaming
        case upgraded
        case closed
    }

    /// Which timeout `deadline` stands for (for the error message).
    private enum Wait {
        case head(TimeAmount)
        case data(TimeAmount)
    }

    // The hot fields skip the dynamic exclusivity check (~200 Ir per access, twice per
    // body part): the handler runs on one event loop and no access spans a call back into it.
    @exclusivity(unchecked) private var phase = Phase.idle
    /// The current exchange (a stale timer or stream callback carries an older id).
    private var id = 0
    private var reply: HTTPReply?
    private var upgradeRequested = false
    /// Confirms the end of a hijacked stream (see ``RawStreamHandler``).
    private var hijackEndCheck: HijackEndCheck?
    private var upgradeHead: HTTPResponseHead?
    private var headerTimeout: TimeAmount?
    private var idleTimeout: TimeAmount?
    @exclusivity(unchecked) private var source: DockerByteStream.Producer.Source?
    /// The synchronous consumer of the body (`.sink` replies), instead of `source`.
    @exclusivity(unchecked) private var sink: (any HTTPBodySink)?
    /// Body bytes read in this read cycle, handed to `source` at `channelReadComplete`
    /// (the daemon sends a chunk per log line: one hand-over per socket read, not per chunk).
    @exclusivity(unchecked) private var pendingBody: ByteBuffer?

    private var context: ChannelHandlerContext?
    @exclusivity(unchecked) private var readPaused = false
    private var pendingRead = false
    /// Body bytes a sink received in this read cycle (see ``read(context:)``).
    private var cycleBytes = 0
    private var keepAlive = true
    /// Why the connection failed before an exchange began (a TLS handshake the daemon refused).
    private var closedBecause: DockerError?
    /// When the current wait times out (nil: no timeout running).
    @exclusivity(unchecked) private var deadline: NIODeadline?
    private var deadlineWait = Wait.head(.zero)
    private var timer: Scheduled<Void>?
    private var timerAt: NIODeadline?
    /// The decoder and encoder to remove on upgrade.
    let decoder: ByteToMessageHandler<UpgradeAwareDecoder>
    /// Tells the decoder the connection switched to the raw stream.
    let upgradeSwitch: UpgradeSwitch
    let encoder: HTTPRequestEncoder
    /// Called on the event loop when a response ended and the connection can carry another.
    var onReusable: (() -> Void)?

    init(decoder: ByteToMessageHandler<UpgradeAwareDecoder>, upgradeSwitch: UpgradeSwitch, encoder: HTTPRequestEncoder) {
        self.decoder = decoder
        self.upgradeSwitch = upgradeSwitch
        self.encoder = encoder
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
        onReusable = nil
        self.context = nil
    }

    // MARK: requests

    /// Starts an exchange: the caller then writes the head and body parts through the channel.
    func begin(
        reply: HTTPReply, upgrade: Bool, headerTimeout: TimeAmount?, idleTimeout: TimeAmount?,
        hijackEndCheck: HijackEndCheck? = nil
    ) -> Int {
        id += 1
        guard phase == .idle else {
            reply.fail(phase == .closed
                ? (closedBecause ?? DockerError.transport("the connection to the daemon closed"))
                : DockerError.transport("internal error: the connection is busy"))
            return id
        }
        phase = .awaitingHead
        self.reply = reply
        self.upgradeRequested = upgrade
        self.hijackEndCheck = hijackEndCheck
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        return id
    }

    /// The request is fully written: the response-header timeout starts now.
    func requestSent(id: Int) {
        guard phase == .awaitingHead, self.id == id, let timeout = headerTimeout else { return }
        setDeadline(.head(timeout))
    }

    static func describe(_ t: TimeAmount) -> String {
        let ms = t.nanoseconds / 1_000_000
        return ms % 1000 == 0 ? "\(ms / 1000)s" : "\(ms)ms"
    }

    // MARK: timeouts

    /// Starts (or moves) the running timeout: `wait` from now.
    private func setDeadline(_ wait: Wait) {
        let amount: TimeAmount
        switch wait {
        case .head(let t), .data(let t): amount = t
        }
        let due = NIODeadline.now() + amount
        deadline = due
        deadlineWait = wait
        // A check already due first re-arms itself for the new deadline when it fires.
        if let at = timerAt, at <= due { return }
        cancelTimer()
        armTimer(at: due)
    }

    private func armTimer(at due: NIODeadline) {
        guard let context else { return }
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timerAt = due
        timer = context.eventLoop.scheduleTask(deadline: due) { loopBound.value.timerFired() }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
        timerAt = nil
    }

    private func timerFired() {
        timer = nil
        timerAt = nil
        guard let due = deadline else { return }
        if due > NIODeadline.now() {
            armTimer(at: due)
            return
        }
        deadline = nil
        let what: String
        switch deadlineWait {
        case .head(let t): what = "no response headers within \(HTTPClientHandler.describe(t))"
        case .data(let t): what = "no data from the daemon for \(HTTPClientHandler.describe(t))"
        }
        let error = DockerError(kind: .timeout, message: what)
        switch phase {
        case .awaitingHead, .awaitingUpgradeEnd, .streaming:
            failPending(error)
        default:
            return
        }
        context?.close(promise: nil)
    }

    /// The idle timeout restarts (after data arrived, or the consumer caught up).
    private func restartIdleTimeout() {
        if let t = idleTimeout, !readPaused { setDeadline(.data(t)) } else { deadline = nil }
    }

    // MARK: inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard phase == .awaitingHead, let reply else { return }
            deadline = nil
            keepAlive = head.isKeepAlive
            if upgradeRequested && head.status == .switchingProtocols {
                phase = .awaitingUpgradeEnd
                upgradeHead = head
                return
            }
            switch reply {
            case .stream(let promise):
                startStream(context: context, head: head, promise: promise)
            case .sink(let promise, let makeSink):
                guard head.status.code < 400 else {
                    startStream(context: context, head: head, promise: promise)
                    return
                }
                self.reply = nil
                let sink = makeSink(head)
                self.sink = sink
                phase = .streaming
                restartIdleTimeout()
                sink.start(makeFeed(context: context, id: id))
                promise.succeed(ResponseStart(head: head, body: .chunks([]), hijacked: false, channel: context.channel))
            }
        case .body(var buffer):
            switch phase {
            case .streaming:
                if let sink {
                    cycleBytes += buffer.readableBytes
                    do {
                        try sink.receive(&buffer)
                    } catch {
                        // A malformed body: the exchange fails (after the lines before the error).
                        failPending(error)
                        context.close(promise: nil)
                    }
                    return
                }
                if pendingBody == nil {
                    pendingBody = buffer
                } else {
                    pendingBody!.writeBuffer(&buffer)
                }
            default:
                return
            }
        case .end:
            switch phase {
            case .awaitingUpgradeEnd:
                upgrade(context: context)
            case .streaming:
                flushBody()
                let source = self.source
                let sink = self.sink
                endExchange(context: context)
                source?.finish()
                sink?.finish(nil)
            default:
                break
            }
        }
    }

    /// A response ended: back to the pool (before the consumer sees the end, so its next
    /// request reuses the connection), or closed when the daemon does not keep it alive.
    private func endExchange(context: ChannelHandlerContext) {
        deadline = nil
        reply = nil
        source = nil
        sink = nil
        readPaused = false
        if keepAlive {
            phase = .idle
            if pendingRead { pendingRead = false; context.read() }
            onReusable?()
        } else {
            phase = .closed
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if phase == .streaming {
            flushBody()
            restartIdleTimeout()
        }
        context.fireChannelReadComplete()
    }

    /// The reply is a byte stream: the body goes to `source`.
    private func startStream(context: ChannelHandlerContext, head: HTTPResponseHead, promise: EventLoopPromise<ResponseStart>) {
        self.reply = nil
        let (stream, source) = makeStream(context: context, id: id)
        self.source = source
        phase = .streaming
        restartIdleTimeout()
        promise.succeed(ResponseStart(head: head, body: stream, hijacked: false, channel: context.channel))
    }

    /// Hands what this read cycle brought to the sink, or its bytes to the body stream.
    private func flushBody() {
        if let sink {
            if !sink.flush() { readPaused = true }
            return
        }
        guard let body = pendingBody else { return }
        pendingBody = nil
        guard let source else { return }
        switch source.yield(body) {
        case .produceMore: break
        case .stopProducing: readPaused = true
        case .dropped: break
        }
    }

    private func makeStream(context: ChannelHandlerContext, id: Int) -> (DockerByteStream, DockerByteStream.Producer.Source) {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        return DockerByteStream.make(
            onProduceMore: { eventLoop.execute { loopBound.value.produceMore(id: id) } },
            onTerminate: { eventLoop.execute { loopBound.value.consumerTerminated(id: id) } }
        )
    }

    /// The sink's handle: resuming and cancelling hop to the event loop, and a stale one
    /// (an older exchange's) does nothing.
    private func makeFeed(context: ChannelHandlerContext, id: Int) -> DockerLineFeed {
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let eventLoop = context.eventLoop
        return DockerLineFeed(
            onResume: { eventLoop.execute { loopBound.value.produceMore(id: id) } },
            onCancel: { eventLoop.execute { loopBound.value.consumerTerminated(id: id) } }
        )
    }

    private func produceMore(id: Int) {
        guard phase == .streaming, self.id == id else { return }
        readPaused = false
        restartIdleTimeout()
        if pendingRead, let context {
            pendingRead = false
            context.read()
        }
    }

    /// The consumer cancelled or dropped the body before its end: the connection cannot be
    /// reused with unread bytes in it, so it closes at once.
    private func consumerTerminated(id: Int) {
        guard phase == .streaming, self.id == id else { return }
        pendingBody = nil
        failPending(CancellationError())
        context?.close(promise: nil)
    }

    private func upgrade(context: ChannelHandlerContext) {
        let reply = self.reply
        let head = upgradeHead!
        self.reply = nil
        upgradeHead = nil
        deadline = nil
        cancelTimer()
        phase = .upgraded
        guard case .stream(let promise)? = reply else {
            reply?.fail(DockerError.transport("internal error: an upgrade without a stream reply"))
            context.close(promise: nil)
            return
        }
        let raw = RawStreamHandler(endCheck: hijackEndCheck)
        hijackEndCheck = nil
        do {
            let pipeline = context.pipeline.syncOperations
            try pipeline.addHandler(raw, position: .after(decoder))
            let stream = raw.makeStream(eventLoop: context.eventLoop)
            upgradeSwitch.switched = true
            onReusable = nil
            // Removing the decoder forwards the bytes it buffered after the 101 headers to `raw`.
            pipeline.removeHandler(context: context, promise: nil)
            pipeline.removeHandler(encoder, promise: nil)
            pipeline.removeHandler(decoder, promise: nil)
            promise.succeed(ResponseStart(head: head, body: stream, hijacked: true, channel: context.channel))
        } catch {
            promise.fail(DockerError.transport("could not switch to the hijacked stream: \(error)"))
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
        failPending(DockerError.transport(TransportErrors.closedEarly))
        cancelTimer()
        onReusable = nil  // it holds the connection: break the cycle
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let mapped = TransportErrors.connection(error)
        if closedBecause == nil { closedBecause = mapped }
        failPending(mapped)
        context.close(promise: nil)
    }

    /// Ends the exchange in progress with `error` (the bytes already read go first) and
    /// marks the connection closed (unless it was upgraded: the raw handler owns it).
    private func failPending(_ error: any Error) {
        deadline = nil
        switch phase {
        case .awaitingHead, .awaitingUpgradeEnd:
            let reply = self.reply
            self.reply = nil
            phase = .closed
            reply?.fail(error)
        case .streaming:
            flushBody()
            let source = self.source
            let sink = self.sink
            self.source = nil
            self.sink = nil
            phase = .closed
            source?.finish(error)
            sink?.finish(error)
        case .upgraded:
            return
        case .idle, .closed:
            phase = .closed
        }
    }

    // MARK: outbound

    /// How long the next read of a line sink waits after a read cycle that brought little.
    static let coalescingDelay = TimeAmount.milliseconds(1)
    /// What counts as little: the daemon writes a log line at a time, so a consumer that
    /// reads as soon as anything arrives makes a syscall, a wake-up and a hand-over per
    /// line or two. Waiting a millisecond lets the socket gather many lines (the daemon's
    /// writes do not block: its send buffer holds far more than a millisecond of them), at
    /// a latency no one reading a log can see.
    static let coalescingThreshold = 16 << 10

    func read(context: ChannelHandlerContext) {
        // Bytes decoded outside a read cycle (none expected) must not wait for the next one.
        if phase == .streaming && (pendingBody != nil || sink != nil) { flushBody() }
        let lastCycle = cycleBytes
        cycleBytes = 0
        if readPaused {
            pendingRead = true
        } else if phase == .streaming && sink != nil && lastCycle > 0 && lastCycle < HTTPClientHandler.coalescingThreshold {
            // No read is pending until this timer issues one, so no other can come meanwhile.
            let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let id = self.id
            context.eventLoop.scheduleTask(in: HTTPClientHandler.coalescingDelay) {
                let h = loopBound.value
                guard h.id == id, h.phase == .streaming, let context = h.context else { return }
                if h.readPaused { h.pendingRead = true } else { context.read() }
            }
        } else {
            context.read()
        }
    }
}
