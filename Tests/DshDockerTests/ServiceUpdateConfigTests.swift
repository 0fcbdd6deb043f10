// ServiceUpdateConfigTests.swift: the request shapes of `update_config:`,
// `rollback_config:` and the flat `update_*` names of services.create/update (on the
// stub: a swarm on the tests' engine would take its port 2377; the three-node swarm of
// ClusterTests runs them against real daemons), and their bad input refused before any
// request is sent.
import DockerEngine
import DshCore
import Testing

@Suite struct ServiceUpdateConfigTests {
    /// A stub with service s1 (version 7, an UpdateConfig already set) that accepts updates and creates.
    func stub() throws -> StubDaemon {
        try makeStub { r in
            if r.method == "GET", r.path == "/services/s1" {
                return StubReply(body: #"{"ID":"s1","Version":{"Index":7},"Spec":{"Name":"s","TaskTemplate":{"ContainerSpec":{"Image":"x"}},"UpdateConfig":{"Parallelism":1,"Order":"stop-first"}}}"#)
            }
            if r.method == "POST", r.path == "/services/s1/update" { return StubReply(body: #"{"Warnings":[]}"#) }
            if r.method == "POST", r.path == "/services/create" { return StubReply(status: 201, body: #"{"ID":"s1"}"#) }
            return nil
        }
    }

    /// The JSON body of a request, as dsh's JSON text.
    func body(_ r: StubRequest, _ field: String) -> String? {
        guard case .map(let m)? = try? JSON.decode(r.body), let v = m[field] else { return nil }
        return try? JSON.encode(v)
    }

    @Test func updateConfigAndRollbackConfigUseComposeNames() async throws {
        let stub = try stub()
        defer { stub.stop() }
        _ = try await dshOnStub(stub, """
            docker.services.create(name: "s", image: "x", replicas: 2,
                update_config: {parallelism: 2, delay: "1s", failure_action: "rollback", monitor: "500ms", max_failure_ratio: 0.5, order: "start-first"},
                rollback_config: {parallelism: 3, failure_action: "pause", monitor: 1000000000})
            docker.services.get("s1").update(update_config: {delay: "2s"}, update_failure_action: "continue", update_monitor: "3s", update_max_failure_ratio: 0)
            """).get()
        let create = try #require(stub.requests.first { $0.path == "/services/create" })
        #expect(body(create, "UpdateConfig") == #"{"Parallelism":2,"Delay":1000000000,"FailureAction":"rollback","Monitor":500000000,"MaxFailureRatio":0.5,"Order":"start-first"}"#)
        #expect(body(create, "RollbackConfig") == #"{"Parallelism":3,"FailureAction":"pause","Monitor":1000000000}"#)
        let update = try #require(stub.requests.first { $0.path == "/services/s1/update" })
        // Merged into the service's current UpdateConfig, sent at its version.
        #expect(body(update, "UpdateConfig") == #"{"Parallelism":1,"Order":"stop-first","Delay":2000000000,"FailureAction":"continue","Monitor":3000000000,"MaxFailureRatio":0}"#)
        #expect(update.query.contains { $0 == ("version", "7") })
    }

    @Test func badUpdateConfigIsRefusedBeforeAnyRequest() async throws {
        let stub = try stub()
        defer { stub.stop() }
        let cases: [(String, String)] = [
            (#"update_config: {paralelism: 2}"#, "unknown update_config key 'paralelism' (known: parallelism, delay, failure_action, monitor, max_failure_ratio, order)"),
            (#"update_config: {failure_action: "rollbak"}"#, #"update_config failure_action must be one of "continue", "pause", "rollback", not "rollbak""#),
            (#"rollback_config: {failure_action: "rollback"}"#, #"rollback_config failure_action must be one of "continue", "pause", not "rollback""#),
            (#"update_order: "first""#, #"update_config order must be one of "stop-first", "start-first", not "first""#),
            (#"update_config: 2"#, "update_config must be a map such as"),
            (#"update_config: {delay: "soon"}"#, "cannot read duration 'soon'"),
        ]
        for (argument, message) in cases {
            let r = try await dshOnStub(stub, "docker.services.create(name: \"s\", image: \"x\", \(argument))")
            #expect(r.failureMessage?.contains(message) == true, "\(argument): \(String(describing: r.failureMessage))")
        }
        #expect(!stub.requests.contains { $0.method == "POST" }, "\(stub.requests.map(\.target))")
    }
}
