// DockerContexts: the docker CLI's contexts (`docker context ls`): the implicit
// "default" plus every `$DOCKER_CONFIG/contexts/meta/<sha256(name)>/meta.json`.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One context as `docker context ls` shows it.
public struct DockerContext: Sendable, Equatable {
    /// Its name (`default` for the implicit one).
    public var name: String
    /// The docker endpoint's host (`unix:///var/run/docker.sock`, `tcp://...`, `ssh://...`).
    public var host: String
    /// The description stored with it (empty when none).
    public var description: String
    /// Whether it is the one the CLI would use now.
    public var current: Bool
}

/// Listing and resolving the CLI's contexts.
public enum DockerContexts {
    /// Every context, "default" first, then the stored ones sorted by name. A meta.json
    /// that cannot be read is skipped. `environment` defaults to the process's.
    public static func list(environment: [String: String]? = nil) throws -> [DockerContext] {
        let env = environment ?? FileSystem.environment()
        let configDir = DockerConfiguration.configDirectory(environment: env)
        let current = try currentName(env, configDir: configDir)
        let defaultHost = env["DOCKER_HOST"].flatMap { $0.isEmpty ? nil : $0 } ?? DockerEndpoint.defaultSocket.description
        var found = [DockerContext(name: "default", host: defaultHost, description: "Current DOCKER_HOST based configuration", current: current == "default")]
        var stored: [DockerContext] = []
        for entry in directoryNames(FileSystem.join(configDir, "contexts/meta")) {
            guard let bytes = FileSystem.readFile(FileSystem.join(configDir, "contexts/meta/\(entry)/meta.json")),
                  let meta = try? JSONValueDecoding.decode(DockerContextMeta.self, from: bytes),
                  let name = meta.Name, !name.isEmpty, name != "default"
            else { continue }
            let host = meta.Endpoints?["docker"]?.Host ?? ""
            stored.append(DockerContext(name: name, host: host, description: meta.Metadata?.Description ?? "", current: current == name))
        }
        found += stored.sorted { $0.name < $1.name }
        return found
    }

    /// The configuration of context `name` ("default": `DOCKER_HOST`, else the default socket).
    public static func configuration(name: String, environment: [String: String]? = nil) throws -> DockerConfiguration {
        var env = environment ?? FileSystem.environment()
        env["DOCKER_CONTEXT"] = name
        if name != "default" { env["DOCKER_HOST"] = nil }
        return try DockerConfiguration.resolve(environment: env)
    }

    /// The context the CLI would use: "default" when `DOCKER_HOST` is set, else
    /// `DOCKER_CONTEXT`, else config.json's `currentContext`, else "default".
    static func currentName(_ env: [String: String], configDir: String) throws -> String {
        if let host = env["DOCKER_HOST"], !host.isEmpty { return "default" }
        if let ctx = env["DOCKER_CONTEXT"], !ctx.isEmpty { return ctx }
        let file = try DockerConfigFile.load(directory: configDir)
        if let ctx = file.currentContext, !ctx.isEmpty { return ctx }
        return "default"
    }

    /// The names of the entries of a directory (none when it cannot be read).
    static func directoryNames(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
