// SwarmGate.swift: swarm tests one at a time in this process (a swarm is engine-wide state),
// each starting on an engine that is in no swarm and leaving it afterwards, even on failure.

/// Serializes the tests that use swarm mode, across suites.
actor SwarmGate {
    /// The one gate of the test process.
    static let shared = SwarmGate()

    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    private func acquire() async {
        if !busy {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
    }

    /// Runs `body` while no other swarm test runs, on an engine out of any swarm (one a
    /// previous test left behind is left first); afterwards, whatever `body` did, leaves
    /// the swarm and removes the `docker_gwbridge` network that `swarm init` made.
    static func exclusive<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        await shared.acquire()
        await leave()
        let result: Result<T, any Error>
        do {
            result = .success(try await body())
        } catch {
            result = .failure(error)
        }
        await leave()
        await shared.release()
        return try result.get()
    }

    /// Leaves the swarm (if in one) and removes docker_gwbridge once it has no endpoint left.
    static func leave() async {
        _ = try? await dsh("""
            if docker.info().Swarm.LocalNodeState != "inactive" { docker.swarm.leave(force: true) }
            let deadline = now() + 30
            while len(docker.networks.list(filters: {name: ["docker_gwbridge"]})) > 0 {
                try {
                    docker.networks.get("docker_gwbridge").remove()
                } catch e {
                    if now() > deadline { throw e }
                    sleep(0.2)
                }
            }
            """)
    }
}
