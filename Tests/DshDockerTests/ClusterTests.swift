// ClusterTests.swift: the three-node swarm of scripts/cluster (one dockerd per network
// namespace, joined by a bridge) driven by scripts/examples/swarm_cluster.dsh through the
// real dsh binary; the cluster is stopped whatever happens, and the test proves that
// nothing of it is left (namespaces, bridge, veths, processes, state dir).
import DockerEngine
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The cluster of `scripts/cluster`, as the test sees it.
enum Cluster {
    static let script = packageRoot + "/scripts/cluster"
    static let example = packageRoot + "/scripts/examples/swarm_cluster.dsh"
    /// The state dir (the namespaces' and the bridge's names are fixed: one cluster at a time).
    static let dir = "/tmp/dsh-cluster"

    /// Runs `scripts/cluster ARGS` on the test's state dir (whatever DSH_CLUSTER_DIR says).
    static func run(_ args: String...) -> (status: Int32, output: String) {
        runCommand(["env", "DSH_CLUSTER_DIR=\(dir)", script] + args)
    }

    /// Whether this machine can create network namespaces and bridges (`scripts/cluster check`).
    static var namespacesWork: Bool { run("check").status == 0 }
    /// The test runs where namespaces work, and always in CI (where their absence fails it).
    static var enabled: Bool { Engine.isCI || namespacesWork }
    static let skipReason: Comment =
        "this machine cannot create network namespaces or bridges (`scripts/cluster check` failed: needs root and iproute2); the three-node swarm test needs them"

    /// What is left of the cluster: namespaces, links, running processes of `pids` or
    /// of the state dir, the dir itself (empty when everything is gone).
    static func leftovers(pids: [Int32]) -> [String] {
        var left: [String] = []
        let netns = runCommand(["ip", "netns", "list"]).output
        // Lines such as `dsh-node1 (id: 0)`; dsh-hub holds the bridge.
        let names = netns.split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
        left += names.filter { $0.hasPrefix("dsh-node") || $0 == "dsh-hub" }.map { "netns \($0)" }
        // The links, in the root namespace (where there should never be any) and the hub.
        var links = runCommand(["ip", "-o", "link", "show"]).output
        if names.contains("dsh-hub") { links += runCommand(["ip", "-n", "dsh-hub", "-o", "link", "show"]).output }
        for line in links.split(separator: "\n") where line.contains("dsh-cbr0") || line.contains("dsh-cveth") {
            left.append("link \(line.prefix(60))")
        }
        for pid in pids where isRunning(pid) { left.append("dockerd pid \(pid)") }
        for pid in processes(mentioning: dir + "/") { left.append("process \(pid)") }
        if access(dir, F_OK) == 0 { left.append(dir) }
        return left
    }

    /// Whether a process runs (a zombie, which nobody may reap in a sandbox, does not).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(close, offsetBy: 2)...].prefix(1)
        return state != "Z"
    }

    /// The running processes whose command line mentions `text`.
    static func processes(mentioning text: String) -> [Int32] {
        guard let proc = opendir("/proc") else { return [] }
        defer { closedir(proc) }
        var found: [Int32] = []
        while let entry = readdir(proc) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            guard let pid = Int32(name), pid != getpid(), let cmdline = readText("/proc/\(pid)/cmdline") else { continue }
            if cmdline.contains(text), isRunning(pid) { found.append(pid) }
        }
        return found
    }
}

/// What one run of the cluster walk-through produced.
private struct ClusterRun: Sendable {
    var start = (status: Int32(-1), output: "")
    var example = (status: Int32(-1), output: "")
    var stop = (status: Int32(-1), output: "")
    var stopAgain = (status: Int32(-1), output: "")
    var dockerdPids: [Int32] = []
    var whileRunning: [String] = []
    var rootLinks: [String] = []
    var leftovers: [String] = []
}

@Suite(.serialized, .enabled(if: Cluster.enabled, Cluster.skipReason))
struct ClusterTests {
    @Test("a three-node swarm: spread, scale, rolling update, rollbacks, drain, a killed worker",
          .timeLimit(.minutes(8)))
    func threeNodeSwarm() async throws {
        let check = Cluster.run("check")
        // In CI (or where the check passed) a failure to create namespaces fails the test.
        try #require(check.status == 0, "scripts/cluster check: \(check.output)")
        let binary = Engine.environment["DSH_BINARY"] ?? packageRoot + "/.build/debug/dsh"
        let run = try await onThread { () -> ClusterRun in
            var run = ClusterRun()
            Self.startAndRunTheExample(&run, binary: binary)
            // What the leftovers check sees while the cluster runs (so that its finding
            // nothing afterwards means something).
            run.whileRunning = Cluster.leftovers(pids: run.dockerdPids)
            run.rootLinks = runCommand(["ip", "-o", "link", "show"]).output.split(separator: "\n")
                .filter { $0.contains("dsh-c") }.map(String.init)
            // Whatever happened above: stop, stop again (it must be safe twice), look.
            run.stop = Cluster.run("stop")
            run.stopAgain = Cluster.run("stop")
            run.leftovers = Cluster.leftovers(pids: run.dockerdPids)
            return run
        }
        #expect(run.start.status == 0, "scripts/cluster start:\n\(run.start.output)")
        #expect(run.dockerdPids.count == 3, "\(run.dockerdPids)")
        #expect(run.example.status == 0, "swarm_cluster.dsh:\n\(run.example.output)")
        #expect(run.stop.status == 0 && run.stopAgain.status == 0, "\(run.stop.output)\n\(run.stopAgain.output)")
        #expect(run.leftovers.isEmpty, "left after scripts/cluster stop: \(run.leftovers)")
        // While it ran, the same check saw the namespaces, the bridge and veths (in the hub), the two
        // live dockerd (node3's was killed), their processes and the state dir.
        let seen = run.whileRunning
        #expect((1...3).allSatisfy { n in seen.contains("netns dsh-node\(n)") } && seen.contains("netns dsh-hub"), "\(seen)")
        #expect(seen.contains { $0.contains("dsh-cbr0") } && seen.contains { $0.contains("dsh-cveth1") }, "\(seen)")
        #expect(run.rootLinks.isEmpty, "the cluster's links must not be in the root namespace: \(run.rootLinks)")
        #expect(seen.filter { $0.hasPrefix("dockerd pid ") }.count == 2, "\(seen)")
        #expect(seen.contains(Cluster.dir) && seen.contains { $0.hasPrefix("process ") }, "\(seen)")

        let factsLine = run.example.output.split(separator: "\n").last { $0.hasPrefix("facts: ") }
        let factsText = try #require(factsLine?.dropFirst("facts: ".count), "no facts line in the example's output")
        let facts = try JSONValue.decode(Array(factsText.utf8))
        let out = run.example.output
        // Spread: the six replicas run on at least two nodes; scaled to nine.
        #expect((facts["spread_nodes"]?.int ?? 0) >= 2, "\(out)")
        #expect(facts["scaled_running"]?.int == 9, "\(out)")
        // The rolling update completed: every running task has VERSION=2.
        #expect(facts["update_state"]?.string == "completed", "\(out)")
        #expect(facts["updated_versions"] == ["2"], "\(out)")
        // The rollback by hand restored the previous spec and VERSION=1.
        #expect(facts["rollback_state"]?.string == "rollback_completed", "\(out)")
        #expect(facts["rollback_restored_spec"]?.bool == true, "\(out)")
        #expect(facts["rollback_versions"] == ["1"], "\(out)")
        // The failing update was rolled back by its failure_action.
        #expect(facts["auto_rollback_state"]?.string == "rollback_completed", "\(out)")
        #expect(facts["auto_rollback_versions"] == ["1"], "\(out)")
        // Drain: nothing runs on the drained node, the nine replicas run elsewhere.
        #expect(facts["drained_node"]?.string == "dsh-node2", "\(out)")
        #expect(facts["running_on_drained"]?.int == 0, "\(out)")
        #expect(facts["running_after_drain"]?.int == 9, "\(out)")
        // Kill: the node is down, its tasks were rescheduled on the two others.
        #expect(facts["killed_node"]?.string == "dsh-node3", "\(out)")
        #expect(facts["killed_node_state"]?.string == "down", "\(out)")
        #expect((facts["tasks_on_killed_node_before"]?.int ?? 0) >= 1, "\(out)")
        #expect(facts["running_after_kill"]?.int == 9, "\(out)")
        #expect(facts["running_on_killed"]?.int == 0, "\(out)")
        #expect(facts["nodes_after_kill"] == ["dsh-node1", "dsh-node2"], "\(out)")
        // The stream showed the moves: the manager's node events and task changes.
        #expect(out.contains("event  node dsh-node3 update: state ready -> down"), "\(out)")
        #expect(out.contains("event  node dsh-node2 update: availability active -> drain"), "\(out)")
        let lines = out.split(separator: "\n")
        #expect(lines.contains { $0.contains(" on dsh-node2: ") && $0.contains("desired running -> shutdown") }, "\(out)")
        #expect(lines.contains { $0.contains(" on dsh-node1: new -> ") || $0.contains(" on dsh-node2: new -> ") }, "\(out)")
        #expect(out.contains("service dsh-cluster-demo removed"), "\(out)")
    }

    /// Starts the cluster (after stopping what a failed run may have left) and runs the
    /// example on it with the real dsh binary, recording each outcome in `run`.
    private static func startAndRunTheExample(_ run: inout ClusterRun, binary: String) {
        _ = Cluster.run("stop")
        run.start = Cluster.run("start")
        run.dockerdPids = (1...3).compactMap { n in
            readText("\(Cluster.dir)/node\(n)/dockerd.pid").flatMap { Int32($0.filter(\.isNumber)) }
        }
        guard run.start.status == 0 else { return }
        // `export K=V; export K=V; ...` lines; the example gets them and nothing of the
        // main engine (no DOCKER_HOST).
        let exports = run.start.output.split(separator: "\n").filter { $0.hasPrefix("export ") }
            .flatMap { $0.split(separator: ";") }
            .map { $0.trimmingPrefix(" ").dropFirst("export ".count) }
            .filter { $0.contains("=") }.map(String.init)
        run.example = runCommand(["env", "-u", "DOCKER_HOST", "-u", "DOCKER_CONTEXT"] + exports
            + ["timeout", "-k", "10", "300", binary, Cluster.example])
    }
}
