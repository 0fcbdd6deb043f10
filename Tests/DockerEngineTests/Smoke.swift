import Testing
@testable import DockerEngine
@Test func smokePing() async throws {
    let c = try DockerClient()
    let v = try await c.apiVersion()
    print(v)
}
