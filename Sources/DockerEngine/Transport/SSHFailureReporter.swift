// SSHFailureReporter: the first handler of an `ssh://` connection. When ssh's output ends
// before the daemon sent a byte, it holds that end back until ssh has exited (2 s at
// most), then raises ssh's own account of the failure (`SSHProcess.failure()`) ahead of
// it, so the request fails with "Permission denied (publickey)" instead of "the daemon
// closed the connection". A connection closed meanwhile (a failed write closes it)
// reports at once, with what ssh wrote so far: a closed channel's handlers are removed,
// so nothing may be held past its end.
import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

final class SSHFailureReporter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    /// How long to wait for ssh to exit once its output ended.
    static let exitWait: TimeAmount = .seconds(2)

    private let process: SSHProcess
    /// Whether the daemon sent anything (a failure after that is the daemon's).
    private var answered = false
    /// Whether an end of ssh's output is held back, waiting for ssh's exit.
    private var holding = false
    /// Whether ssh's failure was raised (once per connection).
    private var reported = false
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?

    init(_ process: SSHProcess) { self.process = process }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        timer?.cancel()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        answered = true
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !answered && !reported, let e = event as? ChannelEvent, e == .inputClosed {
            hold(context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // When ssh's output had ended, ssh is exiting: a short wait gives its status. (A
        // close of ours, say a cancelled request, reports without waiting, to no one.)
        if !answered && !reported { report(wait: holding ? 0.5 : 0) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ssh gone before the request was written: the write fails with EPIPE.
        if !answered && !reported, let e = error as? IOError, e.errnoCode == EPIPE || e.errnoCode == ECONNRESET {
            report(wait: 0.5)
            return
        }
        context.fireErrorCaught(error)
    }

    /// Holds the end of ssh's output back until ssh exits (or `exitWait` passed).
    private func hold(_ context: ChannelHandlerContext) {
        guard !holding else { return }
        holding = true
        let loop = context.eventLoop
        let me = NIOLoopBound(self, eventLoop: loop)
        let once = Once()
        process.onExit { loop.execute { if once.first() { me.value.report() } } }
        timer = loop.scheduleTask(in: Self.exitWait) { if once.first() { me.value.report() } }
    }

    /// Raises ssh's failure (once; waiting up to `wait` seconds for ssh's exit status),
    /// then lets a held end of its output through.
    private func report(wait: Double = 0) {
        timer?.cancel()
        timer = nil
        guard !reported, let context else { return }
        reported = true
        context.fireErrorCaught(process.failure(wait: wait))
        if holding {
            holding = false
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }
}

/// True the first time only, from any thread.
private final class Once: Sendable {
    private let done = Atomic<Bool>(false)
    func first() -> Bool { !done.exchange(true, ordering: .acquiringAndReleasing) }
}
