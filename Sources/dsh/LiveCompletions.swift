// LiveCompletions.swift: names from the daemon for Tab inside a string argument
// (`docker.containers.get("we<Tab>`), the REPL's `liveCompletions` hook.
import Dispatch
import DockerEngine
import DshREPL
import Synchronization

/// Container, image, network and volume names for the REPL's completion. Uses its own
/// client (the interpreter's belongs to the REPL thread) and never takes more than a
/// second (the REPL itself waits at most 200 ms).
enum LiveCompletions {
    /// What a string argument names.
    enum Kind: Equatable {
        case containers, images, networks, volumes
    }

    /// The kind of name the string at `context` holds, or nil when it is not a name.
    static func kind(for context: CompletionContext) -> Kind? {
        switch context.argumentName {
        case "image"?: return .images
        case "container"?: return .containers
        case "network"?: return .networks
        case "volume"?: return .volumes
        case nil: break
        default: return nil
        }
        let callee = context.callee ?? ""
        if callee.hasSuffix("containers.get") { return .containers }
        if callee.hasSuffix("images.get") || callee.hasSuffix("images.pull") || callee.hasSuffix("images.push") || callee == "run" {
            return .images
        }
        if callee.hasSuffix("networks.get") { return .networks }
        if callee.hasSuffix("volumes.get") { return .volumes }
        return nil
    }

    /// The hook for `REPLOptions.liveCompletions`, or nil when no client can be made.
    static func provider(environment: [String: String]? = nil) -> (@Sendable (CompletionContext) -> [String])? {
        guard let client = try? DockerClient(environment: environment) else { return nil }
        // Negotiate the API version (and open a connection) while the user types, so the
        // first Tab pays one request, not two, against the REPL's 200 ms deadline. A
        // missing or silent engine costs nothing here: the error is dropped.
        Task.detached(priority: .utility) { _ = try? await client.apiVersion() }
        return { context in
            guard let kind = kind(for: context) else { return [] }
            let result = Mutex<[String]>([])
            let done = DispatchSemaphore(value: 0)
            let task = Task {
                let found = (try? await names(kind, client: client)) ?? []
                result.withLock { $0 = found }
                done.signal()
            }
            guard done.wait(timeout: .now() + .seconds(1)) == .success else {
                task.cancel()
                return []
            }
            return result.withLock { $0 }
        }
    }

    /// Asks the daemon for the names of `kind`.
    static func names(_ kind: Kind, client: DockerClient) async throws -> [String] {
        switch kind {
        case .containers:
            let list = try await client.request("GET", "/containers/json", query: [("all", "1")]).json()
            return strings(list, "Names").map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        case .images:
            let list = try await client.request("GET", "/images/json").json()
            return strings(list, "RepoTags").filter { $0 != "<none>:<none>" }
        case .networks:
            return strings(try await client.request("GET", "/networks").json(), "Name")
        case .volumes:
            guard case .object(let o) = try await client.request("GET", "/volumes").json(), let volumes = o["Volumes"] else { return [] }
            return strings(volumes, "Name")
        }
    }

    /// The strings under `key` in each object of a JSON array (a string or a list of strings).
    private static func strings(_ json: JSONValue, _ key: String) -> [String] {
        guard case .array(let items) = json else { return [] }
        var out: [String] = []
        for case .object(let o) in items {
            switch o[key] {
            case .string(let s)?: out.append(s)
            case .array(let xs)?: for case .string(let s) in xs { out.append(s) }
            default: break
            }
        }
        return out
    }
}
