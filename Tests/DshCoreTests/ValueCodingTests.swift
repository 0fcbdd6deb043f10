// ValueCodingTests.swift: the Codable bridge: Swift types to dsh values and back,
// key order kept, wrong shapes reported.
import Testing
@testable import DshCore

private struct Service: Codable, Equatable {
    struct Port: Codable, Equatable {
        var container: Int
        var host: UInt16?
    }
    var name: String
    var replicas: Int
    var cpu: Double
    var ports: [Port]
    var labels: [String: String]
    var enabled: Bool
    var note: String?
}

@Suite struct ValueCodingTests {
    private let web = Service(name: "web", replicas: 2, cpu: 0.5, ports: [.init(container: 80, host: 8080), .init(container: 443, host: nil)],
                              labels: ["tier": "front"], enabled: true, note: nil)

    @Test func swiftValuesBecomeDshValuesAndBack() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        interp.define("svc", try interp.value(from: web))
        // Keys in the order the type encodes them; optionals that are nil are left out.
        #expect(try interp.evaluate("keys(svc)").displayString == "[\"name\", \"replicas\", \"cpu\", \"ports\", \"labels\", \"enabled\"]")
        #expect(try interp.evaluate("svc.ports[0].host + svc.replicas").asInt == 8082)
        let changed = try interp.evaluate("let s = svc\ns.replicas = 5\ns.note = \"scaled\"\ns")
        var expected = web
        expected.replicas = 5
        expected.note = "scaled"
        #expect(try changed.decode(Service.self) == expected)
        #expect(try Value(encoding: [1, 2, 3]).decode([Int].self) == [1, 2, 3])
        #expect(try Value(encoding: "x").decode(String.self) == "x")
        #expect(try Value(encoding: 2).decode(Double.self) == 2.0)
    }

    @Test func wrongShapesAreClearErrors() throws {
        let interp = Interpreter(output: .capture(), errorOutput: .capture())
        let v = try interp.evaluate("{name: \"web\", replicas: \"two\", cpu: 1, ports: [], labels: {}, enabled: true}")
        do {
            _ = try v.decode(Service.self)
            Issue.record("decoded a string as an int")
        } catch DecodingError.typeMismatch(_, let context) {
            #expect(context.codingPath.map(\.stringValue) == ["replicas"])
            #expect(context.debugDescription == "expected Int, found string two")
        }
        #expect(throws: DecodingError.self) { try interp.evaluate("{name: \"web\"}").decode(Service.self) }
        #expect(throws: DecodingError.self) { try Value.float(1.5).decode(Int.self) }
        #expect(throws: EncodingError.self) { try Value(encoding: UInt64.max) }
    }
}
