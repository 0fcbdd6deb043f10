// Deadline.swift: `with_timeout(seconds, f)`: runs f under a child cancellation token
// that a timer cancels, so loops, calls, sleeps, stream pulls and host processes inside
// f stop at the deadline exactly as they stop for Ctrl-C; the timeout then becomes an
// ordinary (catchable) error, while a cancel of the whole evaluation stays one.
import Dispatch

extension Builtins {
    static var deadlineFunctions: [(String, NativeBody)] {
        [("with_timeout", { args, rt in
            try args.expect("with_timeout", 2, 2)
            let seconds = try Expect.number(args.at(0), "with_timeout", "seconds")
            guard seconds.isFinite, seconds >= 0 else { throw DshError.runtime("with_timeout: seconds must be a finite number >= 0") }
            let f = try Expect.function(args.at(1), "with_timeout", "f")
            guard let interp = rt as? Interpreter else { return try rt.call(f, Arguments()) }
            return try interp.withDeadline(seconds: seconds) { try interp.call(f, Arguments()) }
        })]
    }
}

extension Interpreter {
    /// Runs `body` with a deadline `seconds` from now. Past it, everything that checks
    /// for cancellation inside `body` stops, and the call raises the runtime error
    /// "with_timeout: did not finish within N s" (with `timed_out: true`). A cancel of
    /// the outer evaluation (Ctrl-C, its time limit) passes through unchanged.
    public func withDeadline(seconds: Double, _ body: () throws -> Value) throws -> Value {
        let parent = currentToken
        let child = CancellationToken()
        let shown = seconds == seconds.rounded() && seconds < 1e15 ? String(Int(seconds)) : String(seconds)
        let reason = "with_timeout: did not finish within \(shown) s"
        let link = parent.register { child.cancel(reason: parent.reason) }
        let timer = DispatchWorkItem { child.cancel(reason: reason) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(min(seconds * 1e9, 9e18))), execute: timer)
        let saved = vm.pointee.token
        vm.pointee.token = child
        defer {
            vm.pointee.token = saved
            timer.cancel()
            parent.unregister(link)
        }
        do {
            return try body()
        } catch let e as DshError where e.kind == .interrupted && child.isCancelled && !parent.isCancelled && child.reason == reason {
            throw DshError.runtime(reason, fields: [("timed_out", .bool(true))])
        }
    }
}
