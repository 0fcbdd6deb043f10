// Cleanup.swift: `defer` blocks after a stop run on a grace allowance (their own
// cancellation token, step budget and clock) instead of tripping over the stop.
import Dispatch

/// Runs `body` (a `defer` block of a function being left, by `error` when there is
/// one). When the evaluation was stopped (cancelled, out of steps or time), `body` runs
/// on the interpreter's cleanup allowance: a fresh cancellation token (so requests go
/// out and sleeps wait), its own step budget and time limit. A second stop ends it.
func runCleanup(_ vm: VM, after error: (any Error)?, _ body: () throws -> Void) throws {
    guard !vm.pointee.inCleanup, isStopped(vm, error) else { return try body() }
    let interp = vm.pointee.interpreter
    guard let allowance = interp.cleanupAllowance else { return try body() }
    let saved = (token: vm.pointee.token, stepLimit: vm.pointee.stepLimit, reason: vm.pointee.stepLimitReason,
                 nextCheck: vm.pointee.nextCheck, deadline: vm.pointee.deadline, deadlineReason: vm.pointee.deadlineReason)
    let token = interp.cancelState.beginCleanup()
    let steps = max(0, allowance.steps)
    let (deadline, timer) = Interpreter.startTimer(allowance.time) { [reason = "cleanup time of \(allowance.time) exceeded"] in
        token.cancel(reason: reason)
    }
    vm.pointee.inCleanup = true
    vm.pointee.token = token
    let (limit, overflow) = vm.pointee.steps.addingReportingOverflow(steps)
    vm.pointee.stepLimit = overflow ? Int.max : limit
    vm.pointee.stepLimitReason = "cleanup step allowance of \(steps) exceeded"
    vm.pointee.nextCheck = min(vm.pointee.steps &+ 1024, vm.pointee.stepLimit)
    vm.pointee.deadline = deadline
    vm.pointee.deadlineReason = "cleanup time of \(allowance.time) exceeded"
    defer {
        timer.cancel()
        interp.cancelState.endCleanup()
        vm.pointee.inCleanup = false
        vm.pointee.token = saved.token
        vm.pointee.stepLimit = saved.stepLimit
        vm.pointee.stepLimitReason = saved.reason
        vm.pointee.nextCheck = min(saved.nextCheck, saved.stepLimit)
        vm.pointee.deadline = saved.deadline
        vm.pointee.deadlineReason = saved.deadlineReason
    }
    try body()
}

/// Whether the evaluation was stopped: `error` is a stop, or the token is cancelled, or
/// the step budget or clock ran out.
private func isStopped(_ vm: VM, _ error: (any Error)?) -> Bool {
    if let e = error as? DshError, e.kind == .interrupted { return true }
    if vm.pointee.interpreter.currentToken.isCancelled { return true }
    if vm.pointee.steps >= vm.pointee.stepLimit { return true }
    return vm.pointee.deadline != 0 && monotonicNanos() >= vm.pointee.deadline
}
