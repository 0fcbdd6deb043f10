// DockerBindings.swift: the public entry point: installs `docker`, `tar`, `progress`,
// `run` and `wait_healthy` into an interpreter, with a client made lazily (so a
// script that never touches Docker never connects), optionally read-only.
import DockerEngine
import DshCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Installs the Docker bindings into an interpreter.
public enum DockerBindings {
    /// Defines `docker`, `tar`, `progress`, `run` and `wait_healthy` in `interp`.
    ///
    /// - Parameters:
    ///   - interp: the interpreter that gets the globals.
    ///   - client: makes the client on first use (called at most once); its errors are
    ///     raised in the script that first touches `docker`.
    ///   - readOnly: allow only GET and HEAD endpoints; anything else raises
    ///     "read-only: POST /containers/create is not allowed" before any request is sent.
    ///   - trace: given to the clients the bindings make themselves (`docker.connect`);
    ///     give the same hook to the client `client` makes.
    public static func install(
        into interp: Interpreter, client: @escaping @Sendable () throws -> DockerClient,
        readOnly: Bool = false, trace: DockerTraceHook? = nil
    ) {
        let session = DockerSession(client: client, readOnly: readOnly, trace: trace)
        interp.define("docker", .object(DockerObject(session: session)),
                      doc: "the Docker client: docker.containers, .images, .networks, .volumes, .system, .request(...)")
        interp.define("tar", doc: "tar(\"dir\") or tar({\"Dockerfile\": \"...\"}): a build context for build/put_archive") { args, rt in
            try TarBinding.tar(args, rt)
        }
        interp.define("progress", doc: "progress(stream): render pull/push/build progress; returns the last aux map") { args, rt in
            try ProgressBinding.progress(args, rt)
        }
        interp.define("untar", doc: "untar(bytes or stream, data: true): the members of a tar archive as maps, nothing written") { args, rt in
            try UntarBinding.untar(args, rt)
        }
        installStandardLibrary(into: interp)
        installStackLibrary(into: interp)
    }

    /// Installs the bindings with a client configured from the environment as the docker
    /// CLI would be (`DOCKER_HOST`, `DOCKER_CONTEXT`, TLS variables, `DOCKER_API_VERSION`).
    public static func install(
        into interp: Interpreter, environment: [String: String]? = nil, readOnly: Bool = false, trace: DockerTraceHook? = nil
    ) {
        install(into: interp, client: { try DockerClient(environment: environment, traceHook: trace) }, readOnly: readOnly, trace: trace)
    }

    /// A trace hook writing `docker: GET /containers/json -> 200 (3.1 ms)` lines to
    /// standard error (credentials are never part of a trace event).
    public static func traceToStandardError() -> DockerTraceHook {
        { event in
            var line = Array("docker: \(event.description)\n".utf8)
            _ = line.withUnsafeMutableBytes { write(2, $0.baseAddress, $0.count) }
        }
    }

    /// Every endpoint the bindings may call, as `METHOD /path/{template}` (for hosts that
    /// want to show or check what a script can reach).
    public static var endpoints: [String] { Endpoints.all.map(\.description) }

    /// Defines `run` and `wait_healthy`, the functions of the embedded
    /// `stdlib/containers.dsh`. The file is parsed and evaluated on the first call of
    /// either, not here: a script that never calls them (`dsh -c 'docker.system.version()'`)
    /// does not pay for it. Scripts may still declare their own `run`.
    static func installStandardLibrary(into interp: Interpreter) {
        let library = StandardLibrary()
        for name in StandardLibrary.names {
            let doc = StdlibSource.docs[name] ?? ""
            interp.define(name, doc: doc) { args, rt in
                try rt.call(library.function(name, runtime: rt), args)
            }
        }
    }
}

/// The functions of `stdlib/containers.dsh`, evaluated once, on first use.
private final class StandardLibrary {
    /// The names the file defines (the map its evaluation returns).
    static let names = ["run", "wait_healthy"]
    /// The file's functions by name, once evaluated.
    private var functions: MapRef?

    /// The function `name`, evaluating the file in `runtime` (the interpreter) first if needed.
    func function(_ name: String, runtime: any Runtime) throws -> Value {
        if functions == nil {
            guard let interp = runtime as? Interpreter else {
                throw DshError(.runtime, "\(name): the standard library needs the interpreter that defined it")
            }
            // The prefix shares the first line with the file's first comment, so line
            // numbers in errors match the file.
            let source = "(fn() { " + StdlibSource.containers + "\nreturn {run: run, wait_healthy: wait_healthy}\n})()"
            let value = try interp.evaluate(SourceFile(name: "stdlib/containers.dsh", text: source))
            guard case .map(let m) = value else {
                throw DshError(.runtime, "internal error: stdlib/containers.dsh did not evaluate to a map")
            }
            functions = m
        }
        guard let fn = functions?[name] else {
            throw DshError(.runtime, "internal error: stdlib/containers.dsh does not define \(name)")
        }
        return fn
    }
}

extension StdlibSource {
    /// One line of help for each function of `containers.dsh`.
    static let docs: [String: String] = [
        "run": "run(image, cmd, network: \"none\", env:, stdin:, ...): run a container to its end; returns {exit_code, stdout, stderr}",
        "wait_healthy": "wait_healthy(c, timeout: 30): wait until the container's health check passes",
    ]
}
