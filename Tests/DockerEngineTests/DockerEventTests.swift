// DockerEvent and typedEvents: decoding event messages (hostile and truncated input
// included) and the typed events of a container's life on the real engine.
import DockerEngine
import NIOCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The events of `text` fed in `chunkSize`-byte chunks, and the error that ended them.
private func decode(_ text: String, every chunkSize: Int = 7) async -> (events: [DockerEvent], error: DockerError?) {
    var events: [DockerEvent] = []
    do {
        for try await e in DockerEvents(DockerJSONMessages(Chunks(Array(text.utf8), every: chunkSize)).throwingOnError()) {
            events.append(e)
        }
        return (events, nil)
    } catch {
        return (events, error as? DockerError)
    }
}

@Suite struct DockerEventDecodingTests {
    @Test func decodesTheAPIFieldsAndIgnoresUnknownOnes() async {
        let text = """
            {"status":"start","id":"abc","from":"busybox","Type":"container","Action":"start",\
            "Actor":{"ID":"abc","Attributes":{"name":"web","image":"busybox"}},"scope":"local",\
            "time":1629574695,"timeNano":1629574695515050031,"somethingNew":{"nested":[1,2]}}
            {"Type":"network","Action":"connect","Actor":{"ID":"n1"}}

            """
        let (events, error) = await decode(text)
        #expect(error == nil)
        #expect(events == [
            DockerEvent(type: "container", action: "start",
                        actor: .init(id: "abc", attributes: ["name": "web", "image": "busybox"]),
                        scope: "local", time: 1629574695, timeNano: 1629574695515050031),
            DockerEvent(type: "network", action: "connect", actor: .init(id: "n1"), scope: "", time: 0, timeNano: 0),
        ])
    }

    @Test func aMessageThatIsNotAnEventIsAClearErrorAfterTheEventsBeforeIt() async {
        let good = #"{"Type":"image","Action":"pull","Actor":{"ID":"busybox"}}"#
        let cases: [(String, String)] = [
            (#"{"Action":"start"}"#, "no Type"),
            (#"{"Type":"container","Action":7}"#, "Action has the wrong type"),
            (#"{"Type":"container","Action":"x","Actor":{"ID":"a","Attributes":{"exitCode":0}}}"#, "Actor.Attributes.exitCode has the wrong type"),
            (#"{"Type":"container","Action":"x","time":"yesterday"}"#, "time has the wrong type"),
            (#"["container","start"]"#, "events: a message that is not an event"),
        ]
        for (bad, expected) in cases {
            let (events, error) = await decode(good + "\n" + bad + "\n" + good + "\n")
            #expect(events.map(\.action) == ["pull"], "\(bad)")
            #expect(error?.kind == .stream, "\(bad)")
            #expect(error?.message.contains(expected) == true, "\(bad): \(error?.message ?? "no error")")
        }
    }

    @Test func truncatedAndHostileStreamsEndWithAnError() async {
        let good = #"{"Type":"image","Action":"pull","Actor":{"ID":"busybox"}}"#
        // Cut in the middle of the second message: the first arrives, then an error.
        let (events, error) = await decode(good + "\n" + String(good.prefix(25)), every: 3)
        #expect(events.count == 1)
        #expect(error != nil)
        // The daemon's own error message.
        let failed = await decode(good + #"{"error":"engine going away"}"#)
        #expect(failed.events.count == 1)
        #expect(failed.error?.message == "engine going away")
        // Bytes that cannot start a message.
        let junk = await decode("hello")
        #expect(junk.events.isEmpty)
        #expect(junk.error != nil)
        // A message nested deeper than the splitter allows never reaches the decoder.
        let deep = await decode(String(repeating: "[", count: 100_000), every: 4096)
        #expect(deep.events.isEmpty)
        #expect(deep.error != nil)
    }
}

@Suite(.enabled(if: TestEngine.enabled, "no engine: run scripts/engine start (required when CI=true)"))
struct DockerEventEngineTests {
    @Test func aContainersLifeAsTypedEvents() async throws {
        let client = try TestEngine.client()
        let name = TestEngine.name("typed-ev")
        let since = String(time(nil) - 2)
        var id = ""
        try await withCleanup {
            id = try await client.createContainer(name: name, config: TestEngine.config(["true"]))
            try await client.startContainer(id)
            _ = try await client.waitContainer(id)
            try await client.removeContainer(id)
            // A window that ends well after the removal (a loaded daemon may publish the
            // last event late); the loop leaves at `destroy`, which closes the request.
            let until = String(time(nil) + 10)
            var seen: [DockerEvent] = []
            for try await event in try await client.typedEvents(since: since, until: until, filters: ["container": [id], "type": ["container"]]) {
                seen.append(event)
                if event.action == "destroy" { break }
            }
            let actions = seen.map(\.action)
            #expect(actions == ["create", "start", "die", "destroy"])
            for event in seen {
                #expect(event.type == "container")
                #expect(event.actor.id == id)
                #expect(event.actor.attributes["name"] == name)
                #expect(event.scope == "local")
                #expect(event.timeNano / 1_000_000_000 == event.time)
            }
            #expect(seen.first { $0.action == "die" }?.actor.attributes["exitCode"] == "0")
        } cleanup: {
            if !id.isEmpty { try? await client.removeContainer(id, force: true) }
        }
    }

    @Test func leavingTheLoopEndsAFollowedEventStream() async throws {
        let client = try TestEngine.client()
        let name = TestEngine.name("typed-ev-break")
        var id = ""
        try await withCleanup {
            let since = String(time(nil) - 2)
            id = try await client.createContainer(name: name, config: TestEngine.config(["true"]))
            // No `until`: the stream would follow for ever; breaking out ends it.
            var first: DockerEvent?
            for try await event in try await client.typedEvents(since: since, filters: ["container": [id]]) {
                first = event
                break
            }
            #expect(first?.action == "create")
            #expect(first?.actor.attributes["name"] == name)
        } cleanup: {
            if !id.isEmpty { try? await client.removeContainer(id, force: true) }
        }
    }
}
