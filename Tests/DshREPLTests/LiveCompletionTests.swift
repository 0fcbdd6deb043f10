// LiveCompletionTests.swift: Tab inside a string argument offers the engine's live
// container and image names: the real `dsh` in tmux against the real engine of
// `scripts/engine start`; and Tab never hangs the prompt when the engine is absent
// (no socket) or silent (a socket that never answers).
import Foundation
import Testing

/// The last line of a screen (where the prompt and the typed text are).
private func lastLine(_ screen: String) -> String { screen.components(separatedBy: "\n").last ?? "" }

@Suite struct LiveCompletionTests {
    @Test(.enabled(if: TestEngine.enabled, TestEngine.skipReason))
    func tabCompletesContainerNamesFromTheEngine() throws {
        guard TestEngine.require() else { return }
        let stem = TestEngine.uniqueName("ctr")
        let names = [stem + "-db", stem + "-web-1", stem + "-web-2"]
        defer { TestEngine.removeContainers(names) }
        try TestEngine.createContainers(names)

        let t = try TerminalSession(extraEnv: ["DOCKER_HOST": TestEngine.host])
        defer { t.close() }
        #expect(t.waitForPrompt() != nil, "no prompt: \(t.screen())")
        #expect(t.screen().contains("dsh \(TestEngine.host)>"), "the prompt names the engine: \(t.screen())")

        // One candidate: the whole name and the closing quote are inserted.
        try t.type("docker.containers.get(\"\(stem)-d")
        try t.press("Tab")
        #expect(t.wait { lastLine($0).hasSuffix("get(\"\(stem)-db\"") } != nil, "container name not completed: \(t.screen())")
        // The completed line runs and finds the container.
        try t.enter(").Name")
        #expect(t.waitForPrompt(count: 2) != nil, "no prompt after the lookup: \(t.screen())")
        #expect(t.lines().contains("\"/\(stem)-db\""), "the completed name did not find the container: \(t.screen())")

        // Several candidates: listed, and their common prefix inserted.
        try t.type("docker.containers.get(\"\(stem)-w")
        try t.press("Tab")
        #expect(t.wait { s in
            s.contains("\(stem)-web-1") && s.contains("\(stem)-web-2") && lastLine(s).hasSuffix("get(\"\(stem)-web-")
        } != nil, "names not listed: \(t.screen())")
        try t.press("C-c")
        #expect(t.waitForPrompt(count: 4) != nil, "Ctrl-C did not give a new prompt: \(t.screen())")
    }

    @Test(.enabled(if: TestEngine.enabled, TestEngine.skipReason))
    func tabCompletesImageTagsFromTheEngine() throws {
        guard TestEngine.require() else { return }
        let image = TestEngine.image                       // dsh-test/busybox:latest
        let prefix = String(image.prefix(image.count / 2)) // dsh-test/bu
        let t = try TerminalSession(extraEnv: ["DOCKER_HOST": TestEngine.host])
        defer { t.close() }
        #expect(t.waitForPrompt() != nil, "no prompt: \(t.screen())")

        try t.type("docker.images.get(\"\(prefix)")
        try t.press("Tab")
        #expect(t.wait { lastLine($0).hasSuffix("get(\"\(image)\"") } != nil, "image tag not completed: \(t.screen())")
        // Other tests may add tags to the same image meanwhile: ask for this one.
        try t.enter(").RepoTags | contains(\"\(image)\")")
        #expect(t.waitForPrompt(count: 2) != nil, "no prompt after the lookup: \(t.screen())")
        #expect(t.lines().contains("true"), "the completed tag did not find the image: \(t.screen())")

        // A named `image:` argument is completed too.
        try t.type("docker.containers.create(image: \"\(prefix)")
        try t.press("Tab")
        #expect(t.wait { lastLine($0).hasSuffix("image: \"\(image)\"") } != nil, "image: argument not completed: \(t.screen())")
        try t.press("C-c")
        #expect(t.waitForPrompt(count: 3) != nil, "Ctrl-C did not give a new prompt: \(t.screen())")
    }

    /// DOCKER_HOST names a socket that does not exist, or one that takes connections
    /// but never answers: Tab offers nothing within a second and the prompt keeps working.
    @Test(arguments: ["missing", "silent"])
    func tabDoesNotBlockWhenTheEngineIsAbsent(_ endpoint: String) throws {
        let path = "/tmp/dsh-repl-no-engine-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        #expect(access(path, F_OK) != 0)
        let silent = endpoint == "silent" ? try SilentSocket(path: path) : nil
        defer { silent?.close() }
        let t = try TerminalSession(extraEnv: ["DOCKER_HOST": "unix://" + path])
        defer { t.close() }
        #expect(t.waitForPrompt() != nil, "no prompt: \(t.screen())")
        try t.type("docker.containers.get(\"we")
        #expect(t.wait { lastLine($0).hasSuffix("get(\"we") } != nil, "typing not shown: \(t.screen())")
        let start = ContinuousClock.now
        try t.press("Tab")
        // Keys typed after Tab are echoed only once the completion returned.
        try t.type("b\")")
        let echoed = t.wait(timeout: .seconds(5)) { lastLine($0).hasSuffix("get(\"web\")") }
        let elapsed = ContinuousClock.now - start
        #expect(echoed != nil, "the prompt did not take keys after Tab: \(t.screen())")
        #expect(elapsed < .seconds(1), "Tab with no engine took \(elapsed)")
        try t.press("C-c")
        #expect(t.waitForPrompt(count: 2) != nil, "Ctrl-C did not give a new prompt: \(t.screen())")
        try t.enter("1 + 2")
        #expect(t.waitForPrompt(count: 3) != nil, "the prompt is not usable after Tab: \(t.screen())")
        #expect(t.lines().contains("3"), "1 + 2 did not show 3: \(t.screen())")
    }
}

/// A unix socket that accepts connections (the kernel's backlog) and never answers.
private final class SilentSocket {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TerminalError.setup("socket failed") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw TerminalError.setup("bind/listen on \(path) failed")
        }
    }

    func close() {
        Glibc.close(fd)
        unlink(path)
    }
}
