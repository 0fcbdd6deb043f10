// Integration: container lifecycle, logs (follow, cancellation), top, changes, attach, exec, events.
import Dispatch
import DockerEngine
import NIOCore
import Testing

@Suite(.enabled(if: TestEngine.enabled, "no engine: run scripts/engine start (required when CI=true)"))
struct ContainerTests {
    @Test func lifecycleInspectTopChangesStopWaitRemove() async throws {
        let client = try TestEngine.client()
        let name = TestEngine.name("life")
        let id = try await client.createContainer(name: name, config: TestEngine.config(["sh", "-c", "echo data > /tmp/new-file; exec sleep 60"]))
        try await withCleanup {
            var info = try await client.inspectContainer(name)
            #expect(info["Id"]?.string == id)
            #expect(info["State"]?["Status"]?.string == "created")
            #expect(info["HostConfig"]?["NetworkMode"]?.string == "none")
            try await client.startContainer(id)
            try await client.startContainer(id)  // 304: not an error
            info = try await client.inspectContainer(id)
            #expect(info["State"]?["Running"]?.bool == true)
            // The file appears once the shell ran.
            var changes: JSONValue = .null
            for _ in 0..<50 {
                changes = try await client.changes(id)
                if changes.array?.contains(where: { $0["Path"]?.string == "/tmp/new-file" }) == true { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(changes.array?.contains(where: { $0["Path"]?.string == "/tmp/new-file" && $0["Kind"]?.int == 1 }) == true)
            let top = try await client.top(id)
            let titles = top["Titles"]?.array?.compactMap(\.string) ?? []
            #expect(titles.contains("CMD") || titles.contains("COMMAND"))
            let cmdColumn = titles.firstIndex(where: { $0 == "CMD" || $0 == "COMMAND" }) ?? 0
            let commands = top["Processes"]?.array?.compactMap { $0[cmdColumn]?.string } ?? []
            #expect(commands.contains(where: { $0.contains("sleep") }), "processes: \(commands)")
            try await client.stopContainer(id, timeout: 1)
            let code = try await client.waitContainer(id)
            #expect(code == 137 || code == 143)
            info = try await client.inspectContainer(id)
            #expect(info["State"]?["Running"]?.bool == false)
            try await client.removeContainer(id)
            await #expect(throws: DockerError.self) { _ = try await client.inspectContainer(id) }
        } cleanup: {
            try? await client.removeContainer(id, force: true)
        }
    }

    @Test func killAndWaitExitCode() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["sleep", "60"], start: true) { id in
            try await client.killContainer(id, signal: "SIGKILL")
            let code = try await client.waitContainer(id)
            #expect(code == 137)
        }
        try await withContainer(client, ["sh", "-c", "exit 7"], start: true) { id in
            let code = try await client.waitContainer(id)
            #expect(code == 7)
        }
    }

    @Test func logsSplitIntoLinesPerStream() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["sh", "-c", "echo out1; echo err1 >&2; echo out2; printf partial"], start: true) { id in
            #expect(try await client.waitContainer(id) == 0)
            let response = try await client.containerLogs(id)
            var lines: [DockerOutputLine] = []
            for try await line in response.lines(tty: false) { lines.append(line) }
            #expect(lines.filter { $0.stream == .stdout }.map(\.text) == ["out1", "out2", "partial"])
            #expect(lines.filter { $0.stream == .stderr }.map(\.text) == ["err1"])

            // Raw chunks keep the bytes exactly.
            let raw = try await client.containerLogs(id, stderr: false)
            var out: [UInt8] = []
            for try await chunk in raw.frames(tty: false) { #expect(chunk.stream == .stdout); out += chunk.array }
            #expect(String(decoding: out, as: UTF8.self) == "out1\nout2\npartial")
        }
    }

    @Test func ttyLogsAreRaw() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["sh", "-c", "echo hello; echo oops >&2"], extra: ["Tty": true], start: true) { id in
            _ = try await client.waitContainer(id)
            let response = try await client.containerLogs(id)
            var lines: [DockerOutputLine] = []
            for try await line in response.lines(tty: true) { lines.append(line) }
            #expect(lines.map(\.text) == ["hello", "oops"])
            #expect(lines.allSatisfy { $0.stream == .stdout })
        }
    }

    @Test func followedLogsStreamUntilTheContainerExits() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["sh", "-c", "for i in 1 2 3 4 5; do echo line$i; sleep 0.1; done"], start: true) { id in
            let response = try await client.containerLogs(id, follow: true)
            var texts: [String] = []
            for try await line in response.lines(tty: false) { texts.append(line.text) }
            #expect(texts == ["line1", "line2", "line3", "line4", "line5"])
        }
    }

    @Test func cancellingAFollowedLogStopsWithinASecond() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["sh", "-c", "while true; do echo tick; sleep 0.05; done"], start: true) { id in
            let firstLine = AsyncSignal()
            let task = Task {
                var n = 0
                let response = try await client.containerLogs(id, follow: true)
                for try await _ in response.lines(tty: false) {
                    n += 1
                    if n == 1 { firstLine.fire() }
                }
                return n
            }
            await firstLine.wait()
            let clock = ContinuousClock()
            let started = clock.now
            task.cancel()
            _ = await task.result
            #expect(clock.now - started < .seconds(1))
            // The client still works afterwards.
            let pong = try await client.ping()
            #expect(pong == "OK")
        }
    }

    /// `streamLines` hands the same lines as `lines(tty:)` to a receiver on the event loop;
    /// a receiver that says it is full gets nothing more until it resumes the feed.
    @Test func streamLinesFeedsAReceiverWithBackpressure() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["sh", "-c", "echo out1; echo err1 >&2; echo out2; printf partial"], start: true) { id in
            #expect(try await client.waitContainer(id) == 0)
            let receiver = TestLineReceiver()
            _ = try await client.streamLines("GET", "/containers/\(id)/logs", query: [("stdout", "true"), ("stderr", "true")], tty: false, receiver: receiver)
            let (lines, error) = await receiver.ended()
            #expect(error == nil)
            #expect(lines.filter { $0.stream == .stdout }.map(\.text) == ["out1", "out2", "partial"])
            #expect(lines.filter { $0.stream == .stderr }.map(\.text) == ["err1"])
        }
        // Many reads: the receiver stops the feed after every read and resumes it later.
        try await withContainer(client, ["sh", "-c", "seq 1 60000"], start: true) { id in
            #expect(try await client.waitContainer(id) == 0)
            let receiver = TestLineReceiver(pauseEvery: 1)
            _ = try await client.streamLines("GET", "/containers/\(id)/logs", query: [("follow", "true"), ("stdout", "true")], tty: false, receiver: receiver)
            let (lines, error) = await receiver.ended()
            #expect(error == nil)
            #expect(lines.map(\.text) == (1...60000).map(String.init))
            #expect(receiver.pauses > 1)
            #expect(receiver.receivedWhilePaused == 0)
        }
        // An error status throws and the receiver gets nothing.
        let unused = TestLineReceiver()
        await #expect(throws: DockerError.self) {
            _ = try await client.streamLines("GET", "/containers/\(TestEngine.name("missing"))/logs", query: [("stdout", "true")], tty: false, receiver: unused)
        }
        #expect(unused.started == false)
    }

    /// Cancelling the feed closes the connection at once (the receiver ends with a
    /// CancellationError); a silent daemon ends it with the idle timeout; the client works on.
    @Test func streamLinesCancelAndIdleTimeout() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["sh", "-c", "i=0; while [ $i -lt 10 ]; do echo tick; sleep 0.1; i=$((i+1)); done; sleep 30"], start: true) { id in
            let following = TestLineReceiver(cancelAfter: 2)
            _ = try await client.streamLines("GET", "/containers/\(id)/logs", query: [("follow", "true"), ("stdout", "true")], tty: false, receiver: following)
            let (lines, error) = await following.ended()
            #expect(lines.count >= 2)
            #expect(error is CancellationError, "\(String(describing: error))")

            let timing = TestLineReceiver()
            _ = try await client.streamLines("GET", "/containers/\(id)/logs", query: [("follow", "true"), ("stdout", "true")],
                                             timeouts: DockerTimeouts(idle: .seconds(1)), tty: false, receiver: timing)
            let (ticks, timeout) = await timing.ended()
            #expect(ticks.count == 10)
            #expect((timeout as? DockerError)?.kind == .timeout, "\(String(describing: timeout))")
            #expect(try await client.ping() == "OK")
        }
    }

    @Test func attachEchoesStdinThroughCatAndHalfCloses() async throws {
        let client = try TestEngine.client()
        let extra: [String: JSONValue] = ["OpenStdin": true, "StdinOnce": true, "AttachStdin": true, "AttachStdout": true, "AttachStderr": true]
        try await withContainer(client, ["cat"], extra: extra) { id in
            let stream = try await client.attach(id, stdin: true)
            try await client.startContainer(id)
            try await stream.write(Array("hello\nworld\n".utf8))
            try await stream.closeWrite()
            var out: [UInt8] = []
            for try await chunk in stream.frames(tty: false) { out += chunk.array }
            #expect(String(decoding: out, as: UTF8.self) == "hello\nworld\n")
            let code = try await client.waitContainer(id)
            #expect(code == 0)  // cat saw end-of-file
        }
    }

    @Test func execEchoesStdinAndReportsExitCodes() async throws {
        let client = try TestEngine.client()
        try await withContainer(client, ["sleep", "60"], start: true) { id in
            let cat = try await client.runExec(container: id, command: ["cat"], stdin: Array("hi\nthere\n".utf8))
            #expect(cat.stdoutText == "hi\nthere\n")
            #expect(cat.exitCode == 0)
            let mixed = try await client.runExec(container: id, command: ["sh", "-c", "echo out; echo err >&2; exit 3"])
            #expect(mixed.stdoutText == "out\n")
            #expect(mixed.stderrText == "err\n")
            #expect(mixed.exitCode == 3)
            // Large stdin round trip (several frames, backpressure both ways).
            let big = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
            let echoed = try await client.runExec(container: id, command: ["cat"], stdin: big)
            #expect(echoed.stdout == big)
        }
    }

    @Test func execOnAMissingContainerThrows404() async throws {
        let client = try TestEngine.client()
        await #expect(throws: DockerError.self) {
            _ = try await client.createExec(container: TestEngine.name("nope"), command: ["true"])
        }
    }

    @Test func eventsWhileAContainerRuns() async throws {
        let client = try TestEngine.client()
        let id = try await client.createContainer(name: TestEngine.name("ev"), config: TestEngine.config(["sh", "-c", "sleep 0.2"]))
        try await withCleanup {
            let events = try await client.events(filters: ["container": [id], "type": ["container"]])
            let collector = Task {
                var actions: [String] = []
                for try await message in events {
                    let json = try JSONValue.decode(message)
                    if let action = json["Action"]?.string { actions.append(action) }
                    if actions.contains("die") { break }
                }
                return actions
            }
            try await Task.sleep(for: .milliseconds(100))
            try await client.startContainer(id)
            let actions = try await collector.value
            #expect(actions.contains("start"))
            #expect(actions.contains("die"))
        } cleanup: {
            try? await client.removeContainer(id, force: true)
        }
    }
}

/// A one-shot signal between tasks.
final class AsyncSignal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
    func fire() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.fired = true
            let w = s.waiters
            s.waiters = []
            return w
        }
        for w in waiters { w.resume() }
    }
    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.fired { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}
import Synchronization

/// A line receiver for tests: records what it gets; with `pauseEvery` it says it is full
/// every n reads and resumes the feed 5 ms later from another thread (recording any read
/// it gets meanwhile); with `cancelAfter` it cancels the feed after that many lines.
final class TestLineReceiver: DockerLineReceiver, @unchecked Sendable {
    private let lock = NIOLockShim()
    private var lines: [DockerOutputLine] = []
    private var error: (any Error)?
    private var done = false
    private var feed: DockerLineFeed?
    private var paused = false
    private var reads = 0
    private(set) var pauses = 0
    private(set) var receivedWhilePaused = 0
    private(set) var started = false
    private let pauseEvery: Int
    private let cancelAfter: Int

    init(pauseEvery: Int = 0, cancelAfter: Int = 0) {
        self.pauseEvery = pauseEvery
        self.cancelAfter = cancelAfter
    }

    func start(_ feed: DockerLineFeed) { lock.withLock { self.feed = feed; started = true } }

    func receive(_ batch: [DockerOutputLine]) -> Bool {
        let (pause, cancel, feed): (Bool, Bool, DockerLineFeed?) = lock.withLock {
            if paused { receivedWhilePaused += 1 }
            lines += batch
            reads += 1
            let pause = pauseEvery > 0 && reads % pauseEvery == 0
            if pause { paused = true; pauses += 1 }
            return (pause, cancelAfter > 0 && lines.count >= cancelAfter, self.feed)
        }
        if cancel { feed?.cancel() }
        if pause {
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.005) {
                self.lock.withLock { self.paused = false }
                feed?.resume()
            }
        }
        return !pause
    }

    func finish(_ error: (any Error)?) { lock.withLock { self.error = error; done = true } }

    /// Waits for the end; the lines and the error.
    func ended() async -> ([DockerOutputLine], (any Error)?) {
        while !(lock.withLock { done }) { try? await Task.sleep(for: .milliseconds(10)) }
        return lock.withLock { (lines, error) }
    }
}
