// BindingTable.swift: every dsh method bound to the Engine API, as declarative entries
// (the dsh name, the operation, which spec parameters a user gives by name and in which
// spelling, which the binding fills itself, friendly body fields, dsh-side options, a
// line of doc). Dispatch (the method lists), argument checking, `:doc` and completion
// all read these entries; a test checks each against the vendored specs.
import DockerEngine

/// One dsh method and the operation it calls.
struct Binding: Sendable {
    /// The object the method belongs to, as scripts reach it (`docker.containers`,
    /// `container`, `docker.system`).
    let owner: String
    /// The method name (`list`).
    let name: String
    /// The operation's id in the spec (`ContainerList`); nil for a dsh-only method.
    let operation: String?
    /// Other operations the method calls (an inspect after a create).
    let uses: [String]
    /// The positional arguments, for `:doc` (`"ref"`, `"path, archive"`).
    let positional: String
    /// The spec parameters (path, query, header) a call gives by name, spelled as the spec
    /// does. A call writes each in snake_case (`shared_size`, `insert_defaults`); one
    /// without a hyphen may also be written as the spec spells it (`insertDefaults`).
    let params: [String]
    /// The spec parameters the binding sets itself (the path's `id`, `version`, ...).
    let fills: [String]
    /// More names for a parameter: friendly name → spec name (`volumes` → `v`).
    let aliases: [String: String]
    /// Friendly names that become request-body fields (`memory` → `HostConfig.Memory`).
    let body: [String: String]
    /// Whether a named argument written as an API field (a capital first letter) is a
    /// field of the request body, checked against its schema.
    let rawBody: Bool
    /// Options dsh handles itself (`stream`, `raw`, `auth`), with what each does.
    let local: [String: String]
    /// One line of help.
    let doc: String

    init(
        _ owner: String, _ name: String, _ operation: String?, _ positional: String = "", params: [String] = [],
        fills: [String] = [], aliases: [String: String] = [:], body: [String: String] = [:], rawBody: Bool = false,
        local: [String: String] = [:], uses: [String] = [], doc: String
    ) {
        self.owner = owner
        self.name = name
        self.operation = operation
        self.positional = positional
        self.params = params
        self.fills = fills
        self.aliases = aliases
        self.body = body
        self.rawBody = rawBody
        self.local = local
        self.uses = uses
        self.doc = doc
    }

    /// `docker.containers.list`.
    var qualified: String { "\(owner).\(name)" }

    /// The documented spelling of a spec parameter as a named argument.
    static func spelling(_ param: String) -> String { APISpec.snake(param) }

    /// The spec parameter a named argument stands for, if any.
    func param(named n: String) -> String? {
        if let target = aliases[n] { return target }
        for p in params where Binding.spelling(p) == n || (p == n && !p.contains("-")) { return p }
        return nil
    }

    /// Every name a call may give, in their documented spellings (for did-you-mean and
    /// completion).
    var acceptedNames: [String] {
        params.map(Binding.spelling) + aliases.keys.sorted() + body.keys.sorted() + local.keys.sorted()
    }
}

/// Operations deliberately left without a named binding, and why.
struct Unbound: Sendable {
    let operation: String
    let reason: String
}

/// The table.
enum BindingTable {
    /// Every binding, by owner then name.
    static let all: [Binding] = containers + images + others + system + plugins

    /// The entries of one owner, in order.
    static func entries(_ owner: String) -> [Binding] { group(owner).filter { $0.owner == owner } }

    /// The entry `owner.name`.
    static func entry(_ owner: String, _ name: String) -> Binding? { group(owner).first { $0.owner == owner && $0.name == name } }

    /// The part of the table that holds `owner`'s entries: each part is made on first
    /// use, so `docker.system.version()` builds only the small system part.
    private static func group(_ owner: String) -> [Binding] {
        switch owner {
        case "docker", "docker.system", "docker.swarm", "docker.builder": return system
        case "docker.containers", "container", "exec": return containers
        case "docker.images", "image": return images
        case "docker.plugins", "plugin": return plugins
        default: return others
        }
    }

    /// The entry of a qualified name (`docker.containers.create`), as `:doc` takes it.
    static func entry(qualified: String) -> Binding? { all.first { $0.qualified == qualified } }

    /// The operations not in every vendored spec, and the version that brought each (so
    /// a call is gated without reading the spec; a test checks this against it).
    static let newerOperations: [String: APIVersion] = [
        "ImageAttestations": APIVersion(major: 1, minor: 55),
        "VolumeUpdate": APIVersion(major: 1, minor: 42),
    ]

    /// Operations deliberately left without a named binding, and why.
    static let unbound: [Unbound] = [
        Unbound(operation: "ContainerAttachWebsocket", reason: "a WebSocket upgrade for browsers; c.attach(...) reaches the same stream over the hijacked connection"),
        Unbound(operation: "Session", reason: "an interactive BuildKit session speaking gRPC over the hijacked connection; dsh builds with the classic builder"),
        Unbound(operation: "SystemPingHead", reason: "GET /_ping (docker.system.ping()) answers the same; docker.request(\"HEAD\", \"/_ping\", full: true) sends the HEAD"),
    ]

    // MARK: containers

    static let inspectLocal = ["reload": "re-read the resource"]

    static let containers: [Binding] = [
        Binding("docker.containers", "list", "ContainerList", params: ["all", "limit", "size", "filters"],
                doc: "the containers (running only unless all: true), as Container objects"),
        Binding("docker.containers", "get", "ContainerInspect", "id or name", params: ["size"], fills: ["id"],
                doc: "a container by id or name, inspected (size: true adds SizeRw and SizeRootFs)"),
        Binding("docker.containers", "create", "ContainerCreate", "image or raw body map", params: ["name", "platform"],
                body: ContainerSpec.friendly, rawBody: true, uses: ["ContainerInspect"],
                doc: "create a container; friendly names or API fields (HostConfig: {...}); returns it inspected"),
        Binding("docker.containers", "prune", "ContainerPrune", params: ["filters"],
                doc: "remove stopped containers; returns {ContainersDeleted, SpaceReclaimed}"),
        Binding("container", "inspect", "ContainerInspect", params: ["size"], fills: ["id"], doc: "the container inspected afresh"),
        Binding("container", "reload", "ContainerInspect", params: ["size"], fills: ["id"], doc: "re-read this container's data; returns it"),
        Binding("container", "start", "ContainerStart", params: ["detachKeys"], fills: ["id"], doc: "start the container"),
        Binding("container", "stop", "ContainerStop", "t", params: ["t", "signal"], fills: ["id"],
                doc: "stop: the stop signal, then SIGKILL after t seconds"),
        Binding("container", "restart", "ContainerRestart", "t", params: ["t", "signal"], fills: ["id"], doc: "restart the container"),
        Binding("container", "kill", "ContainerKill", "signal", params: ["signal"], fills: ["id"], doc: "send a signal (SIGKILL by default)"),
        Binding("container", "pause", "ContainerPause", fills: ["id"], doc: "pause every process"),
        Binding("container", "unpause", "ContainerUnpause", fills: ["id"], doc: "resume the processes"),
        Binding("container", "wait", "ContainerWait", "condition", params: ["condition"], fills: ["id"],
                doc: "wait for the container to stop; returns {StatusCode: n}"),
        Binding("container", "remove", "ContainerDelete", params: ["force", "v", "link"], fills: ["id"], aliases: ["volumes": "v"],
                doc: "remove the container (force: true kills it first; link: true removes the link this object was fetched by)"),
        Binding("container", "logs", "ContainerLogs", params: ["follow", "stdout", "stderr", "since", "until", "timestamps", "tail"],
                fills: ["id"], local: ["raw": "yield byte chunks instead of lines", "details": "show extra details (log options)"],
                doc: "a stream of {stream, text} lines"),
        Binding("container", "output", nil, uses: ["ContainerLogs"], doc: "the whole output so far as {stdout, stderr}"),
        Binding("container", "attach", "ContainerAttach", params: ["stdout", "stderr", "logs", "detachKeys"], fills: ["id", "stdin", "stream"],
                local: ["stdin": "a string, bytes, list of lines or stream written then closed", "stream": "false: collect {stdout, stderr}",
                        "raw": "yield byte chunks", "interactive": "connect the local terminal (raw mode, resize, detach keys)",
                        "start": "with interactive: start the container once attached (docker start -ai)"],
                doc: "attach to the main process: a stream of lines"),
        Binding("container", "exec", "ContainerExec", "cmd", fills: ["id"], body: ["cmd": "Cmd", "env": "Env", "workdir": "WorkingDir",
                "user": "User", "tty": "Tty", "privileged": "Privileged", "detach_keys": "DetachKeys", "console_size": "ConsoleSize"],
                rawBody: true,
                local: ["stdin": "written to the process, then closed", "stream": "a stream of lines instead of the result",
                        "raw": "byte chunks", "detach": "start it and return the exec object at once",
                        "interactive": "connect the local terminal (docker exec -it; -i without a terminal)"],
                uses: ["ExecStart", "ExecInspect"],
                doc: "run a command: {exit_code, stdout, stderr}; detach: true returns an Exec object"),
        Binding("container", "create_exec", "ContainerExec", "cmd", fills: ["id"], body: ["cmd": "Cmd", "env": "Env", "workdir": "WorkingDir",
                "user": "User", "tty": "Tty", "privileged": "Privileged", "detach_keys": "DetachKeys", "stdin": "AttachStdin"],
                rawBody: true, doc: "create an exec instance without starting it; returns an Exec object"),
        Binding("container", "top", "ContainerTop", "ps_args", params: ["ps_args"], fills: ["id"], doc: "the processes: {Titles, Processes}"),
        Binding("container", "changes", "ContainerChanges", fills: ["id"], doc: "filesystem changes: [{Path, Kind}]"),
        Binding("container", "export", "ContainerExport", fills: ["id"], doc: "the filesystem as a tar: a stream of bytes"),
        Binding("container", "get_archive", "ContainerArchive", "path", params: ["path"], fills: ["id"],
                local: ["stream": "a stream of bytes instead of bytes"], doc: "a tar of path in the container"),
        Binding("container", "stat", "ContainerArchiveInfo", "path", params: ["path"], fills: ["id"],
                doc: "{name, size, mode, mtime, linkTarget} of a path in the container"),
        Binding("container", "put_archive", "PutContainerArchive", "path, archive", params: ["path", "noOverwriteDirNonDir", "copyUIDGID"],
                fills: ["id"], doc: "extract a tar (tar(...) or bytes) into path"),
        Binding("container", "stats", "ContainerStats", params: ["stream", "one-shot"], fills: ["id"],
                doc: "resource usage: a stream of samples, or one with stream: false"),
        Binding("container", "rename", "ContainerRename", "name", params: ["name"], fills: ["id"], doc: "rename the container"),
        Binding("container", "update", "ContainerUpdate", "raw body map", fills: ["id"],
                body: ["memory": "Memory", "cpus": "NanoCpus", "restart": "RestartPolicy"], rawBody: true,
                doc: "change resource limits; returns {Warnings}"),
        Binding("container", "resize", "ContainerResize", params: ["h", "w"], fills: ["id"], aliases: ["height": "h", "width": "w"],
                doc: "resize the TTY"),
        Binding("container", "commit", "ImageCommit", "repo", params: ["repo", "tag", "comment", "author", "changes", "pause"],
                fills: ["container"], local: ["config": "the image's container config (the request body)"], uses: ["ImageInspect"],
                doc: "make an image of the container; returns it"),
        Binding("exec", "inspect", "ExecInspect", fills: ["id"], doc: "the exec instance: {Running, ExitCode, ProcessConfig, ...}"),
        Binding("exec", "start", "ExecStart", fills: ["id"], body: ["detach": "Detach", "tty": "Tty", "console_size": "ConsoleSize"],
                local: ["stdin": "written to the process, then closed", "stream": "a stream of lines", "raw": "byte chunks"],
                doc: "start it: {exit_code, stdout, stderr}, a stream with stream: true, nil with detach: true"),
        Binding("exec", "resize", "ExecResize", params: ["h", "w"], fills: ["id"], aliases: ["height": "h", "width": "w"], doc: "resize the exec's TTY"),
    ]

    // MARK: images

    static let images: [Binding] = [
        Binding("docker.images", "list", "ImageList", params: ["all", "filters", "shared-size", "digests", "manifests", "identity"],
                doc: "the images, as Image objects"),
        Binding("docker.images", "get", "ImageInspect", "reference", params: ["platform", "manifests"], fills: ["name"],
                doc: "an image by reference or id, inspected"),
        Binding("docker.images", "pull", "ImageCreate", "reference", params: ["tag", "platform"],
                fills: ["fromImage", "fromSrc", "repo", "message", "changes", "X-Registry-Auth"],
                local: ["auth": "{username, password} instead of config.json", "all_tags": "every tag when the reference has none"],
                doc: "pull an image: a stream of progress messages"),
        Binding("docker.images", "push", "ImagePush", "reference", params: ["tag", "platform"], fills: ["name", "X-Registry-Auth"],
                local: ["auth": "{username, password} instead of config.json"], doc: "push an image: a stream of progress messages"),
        Binding("docker.images", "build", "ImageBuild", "context", params: [
            "dockerfile", "t", "extrahosts", "remote", "q", "nocache", "cachefrom", "pull", "rm", "forcerm", "memory", "memswap",
            "cpushares", "cpusetcpus", "cpuperiod", "cpuquota", "buildargs", "shmsize", "squash", "labels", "networkmode",
            "platform", "target", "outputs", "version"],
                fills: ["Content-type", "X-Registry-Config"], aliases: ["tag": "t", "tags": "t"],
                local: ["auth": "{username, password, serveraddress} or {registry: {username, password}} (default: config.json)"],
                doc: "build from tar(...) or bytes: a stream of messages; extrahosts: {host: ip} or [\"host:ip\"]"),
        Binding("docker.images", "load", "ImageLoad", "archive", params: ["quiet", "platform"], doc: "load images from a tar: a stream of messages"),
        Binding("docker.images", "save", "ImageGetAll", "names", params: ["platform"], fills: ["names"], doc: "a tar of images: a stream of bytes"),
        Binding("docker.images", "prune", "ImagePrune", params: ["filters"], doc: "remove unused images"),
        Binding("docker.images", "search", "ImageSearch", "term", params: ["term", "limit", "filters"], doc: "search Docker Hub (or the daemon's registry)"),
        Binding("image", "inspect", "ImageInspect", params: ["platform", "manifests"], fills: ["name"], doc: "the image inspected afresh"),
        Binding("image", "reload", "ImageInspect", params: ["platform", "manifests"], fills: ["name"], doc: "re-read this image's data"),
        Binding("image", "tag", "ImageTag", "repo:tag", params: ["repo", "tag"], fills: ["name"], doc: "tag the image"),
        Binding("image", "history", "ImageHistory", params: ["platform"], fills: ["name"], doc: "the layers' history"),
        Binding("image", "remove", "ImageDelete", params: ["force", "noprune", "platforms"], fills: ["name"],
                doc: "untag the reference it was fetched by (or delete by id)"),
        Binding("image", "push", "ImagePush", "tag", params: ["tag", "platform"], fills: ["name", "X-Registry-Auth"],
                local: ["auth": "{username, password} instead of config.json"],
                doc: "push the reference it was fetched by (push(\"v2\") pushes repo:v2)"),
        Binding("image", "save", "ImageGet", params: ["platform"], fills: ["name"], doc: "a tar of the image: a stream of bytes"),
        Binding("image", "attestations", "ImageAttestations", params: ["statement", "type", "platform"], fills: ["name"],
                doc: "the image's attestation statements"),
        Binding("image", "distribution", "DistributionInspect", fills: ["name"], doc: "the registry's descriptor and platforms for this reference"),
    ]

    // MARK: networks, volumes, swarm objects

    static let others: [Binding] = [
        Binding("docker.networks", "list", "NetworkList", params: ["filters"], doc: "the networks"),
        Binding("docker.networks", "get", "NetworkInspect", "id or name", params: ["verbose", "scope"], fills: ["id"], doc: "a network, inspected"),
        Binding("docker.networks", "create", "NetworkCreate", "name or raw body map",
                body: ["name": "Name", "driver": "Driver", "internal": "Internal", "attachable": "Attachable", "labels": "Labels",
                       "options": "Options", "ipam": "IPAM", "enable_ipv6": "EnableIPv6", "enable_ipv4": "EnableIPv4",
                       "check_duplicate": "CheckDuplicate", "scope": "Scope", "ingress": "Ingress", "config_only": "ConfigOnly",
                       "config_from": "ConfigFrom"], rawBody: true, uses: ["NetworkInspect"], doc: "create a network; returns it"),
        Binding("docker.networks", "prune", "NetworkPrune", params: ["filters"], doc: "remove unused networks"),
        Binding("network", "inspect", "NetworkInspect", params: ["verbose", "scope"], fills: ["id"], doc: "the network inspected afresh"),
        Binding("network", "reload", "NetworkInspect", params: ["verbose", "scope"], fills: ["id"], doc: "re-read this network's data"),
        Binding("network", "connect", "NetworkConnect", "container", fills: ["id"], body: ["container": "Container",
                "aliases": "EndpointConfig.Aliases", "config": "EndpointConfig"], rawBody: true, doc: "connect a container"),
        Binding("network", "disconnect", "NetworkDisconnect", "container", fills: ["id"], body: ["container": "Container", "force": "Force"],
                rawBody: true, doc: "disconnect a container"),
        Binding("network", "remove", "NetworkDelete", fills: ["id"], doc: "remove the network"),
        Binding("docker.volumes", "list", "VolumeList", params: ["filters"], doc: "the volumes"),
        Binding("docker.volumes", "get", "VolumeInspect", "name", fills: ["name"], doc: "a volume, inspected"),
        Binding("docker.volumes", "create", "VolumeCreate", "name or raw body map",
                body: ["name": "Name", "driver": "Driver", "labels": "Labels", "driver_opts": "DriverOpts",
                       "cluster_volume_spec": "ClusterVolumeSpec"], rawBody: true, doc: "create a volume; returns it"),
        Binding("docker.volumes", "prune", "VolumePrune", params: ["filters"], doc: "remove unused volumes"),
        Binding("volume", "inspect", "VolumeInspect", fills: ["name"], doc: "the volume inspected afresh"),
        Binding("volume", "reload", "VolumeInspect", fills: ["name"], doc: "re-read this volume's data"),
        Binding("volume", "update", "VolumeUpdate", "raw Spec map", fills: ["name", "version"], rawBody: true,
                doc: "update a cluster volume's spec (swarm)"),
        Binding("volume", "remove", "VolumeDelete", params: ["force"], fills: ["name"], doc: "remove the volume"),
    ] + swarmObjects

    static let swarmObjects: [Binding] = [
        Binding("docker.services", "list", "ServiceList", params: ["filters", "status"], doc: "the services"),
        Binding("docker.services", "get", "ServiceInspect", "id or name", params: ["insertDefaults"], fills: ["id"], doc: "a service, inspected"),
        Binding("docker.services", "create", "ServiceCreate", "image or raw spec map", fills: ["X-Registry-Auth"],
                body: ServiceSpec.friendly, rawBody: true, uses: ["ServiceInspect"], doc: "create a service; returns it"),
        Binding("service", "inspect", "ServiceInspect", params: ["insertDefaults"], fills: ["id"], doc: "the service inspected afresh"),
        Binding("service", "reload", "ServiceInspect", params: ["insertDefaults"], fills: ["id"], doc: "re-read this service's data"),
        Binding("service", "update", "ServiceUpdate", "raw spec map", params: ["registryAuthFrom", "rollback"],
                fills: ["id", "version", "X-Registry-Auth"], body: ServiceSpec.friendly, rawBody: true,
                doc: "change the spec (the current one merged with what is given)"),
        Binding("service", "scale", "ServiceUpdate", "replicas", fills: ["id", "version", "registryAuthFrom", "rollback", "X-Registry-Auth"],
                local: ["replicas": "the number of tasks"], doc: "set the replica count"),
        Binding("service", "remove", "ServiceDelete", fills: ["id"], doc: "remove the service"),
        Binding("service", "logs", "ServiceLogs", params: ["follow", "stdout", "stderr", "since", "timestamps", "tail", "details"],
                fills: ["id"], local: ["raw": "byte chunks"], doc: "a stream of the tasks' output lines"),
        Binding("service", "tasks", "TaskList", fills: ["filters"], local: ["filters": "more filters"], doc: "the service's tasks"),
        Binding("docker.tasks", "list", "TaskList", params: ["filters"], doc: "the tasks"),
        Binding("docker.tasks", "get", "TaskInspect", "id", fills: ["id"], doc: "a task, inspected"),
        Binding("task", "inspect", "TaskInspect", fills: ["id"], doc: "the task inspected afresh"),
        Binding("task", "reload", "TaskInspect", fills: ["id"], doc: "re-read this task's data"),
        Binding("task", "logs", "TaskLogs", params: ["follow", "stdout", "stderr", "since", "timestamps", "tail", "details"],
                fills: ["id"], local: ["raw": "byte chunks"], doc: "a stream of the task's output lines"),
        Binding("docker.nodes", "list", "NodeList", params: ["filters"], doc: "the swarm's nodes"),
        Binding("docker.nodes", "get", "NodeInspect", "id or name", fills: ["id"], doc: "a node, inspected"),
        Binding("node", "inspect", "NodeInspect", fills: ["id"], doc: "the node inspected afresh"),
        Binding("node", "reload", "NodeInspect", fills: ["id"], doc: "re-read this node's data"),
        Binding("node", "update", "NodeUpdate", "raw spec map", fills: ["id", "version"],
                body: ["labels": "Labels", "role": "Role", "availability": "Availability", "name": "Name"], rawBody: true,
                doc: "change the node's spec"),
        Binding("node", "remove", "NodeDelete", params: ["force"], fills: ["id"], doc: "remove the node from the swarm"),
        Binding("docker.secrets", "list", "SecretList", params: ["filters"], doc: "the secrets"),
        Binding("docker.secrets", "get", "SecretInspect", "id or name", fills: ["id"], doc: "a secret, inspected (no data)"),
        Binding("docker.secrets", "create", "SecretCreate", "name or raw spec map",
                body: ["name": "Name", "labels": "Labels", "data": "Data", "templating": "Templating", "driver": "Driver"],
                rawBody: true, uses: ["SecretInspect"], doc: "create a secret (data: a string or bytes); returns it"),
        Binding("secret", "inspect", "SecretInspect", fills: ["id"], doc: "the secret inspected afresh"),
        Binding("secret", "reload", "SecretInspect", fills: ["id"], doc: "re-read this secret's data"),
        Binding("secret", "update", "SecretUpdate", "raw spec map", fills: ["id", "version"], body: ["labels": "Labels"], rawBody: true,
                doc: "change the labels"),
        Binding("secret", "remove", "SecretDelete", fills: ["id"], doc: "remove the secret"),
        Binding("docker.configs", "list", "ConfigList", params: ["filters"], doc: "the configs"),
        Binding("docker.configs", "get", "ConfigInspect", "id or name", fills: ["id"], doc: "a config, inspected"),
        Binding("docker.configs", "create", "ConfigCreate", "name or raw spec map",
                body: ["name": "Name", "labels": "Labels", "data": "Data", "templating": "Templating"],
                rawBody: true, uses: ["ConfigInspect"], doc: "create a config (data: a string or bytes); returns it"),
        Binding("config", "inspect", "ConfigInspect", fills: ["id"], doc: "the config inspected afresh"),
        Binding("config", "reload", "ConfigInspect", fills: ["id"], doc: "re-read this config's data"),
        Binding("config", "update", "ConfigUpdate", "raw spec map", fills: ["id", "version"], body: ["labels": "Labels"], rawBody: true,
                doc: "change the labels"),
        Binding("config", "remove", "ConfigDelete", fills: ["id"], doc: "remove the config"),
    ]

    // MARK: system, swarm, the docker object

    static let system: [Binding] = [
        Binding("docker.system", "info", "SystemInfo", doc: "the daemon's system-wide information"),
        Binding("docker.system", "version", "SystemVersion", doc: "the daemon's version information"),
        Binding("docker.system", "ping", "SystemPing", doc: "\"OK\" when the daemon answers"),
        Binding("docker.system", "df", "SystemDataUsage", params: ["type", "verbose"], doc: "disk usage"),
        Binding("docker.system", "events", "SystemEvents", params: ["since", "until", "filters"], doc: "a stream of the daemon's events"),
        Binding("docker", "info", "SystemInfo", doc: "docker.system.info()"),
        Binding("docker", "version", "SystemVersion", doc: "docker.system.version()"),
        Binding("docker", "ping", "SystemPing", doc: "docker.system.ping()"),
        Binding("docker", "df", nil, local: ["rows": "return the rows instead of printing them"], uses: ["SystemDataUsage"],
                doc: "disk usage printed as `docker system df` does (docker.system.df() gives the API's data)"),
        Binding("docker", "events", "SystemEvents", params: ["since", "until", "filters"], doc: "docker.system.events(...)"),
        Binding("docker", "login", "SystemAuth", "registry", body: ["username": "username", "password": "password"],
                local: ["registry": "the registry (default: Docker Hub)"],
                doc: "check credentials with the registry (POST /auth), then store them like the CLI (credential helper, else config.json)"),
        Binding("docker", "logout", nil, "registry", doc: "remove a registry's stored credentials, as docker logout does; false when there were none"),
        Binding("docker", "distribution", "DistributionInspect", "reference", fills: ["name"],
                doc: "the registry's descriptor and platforms of an image reference"),
        Binding("docker", "connect", nil, "host", local: ["tls": "{ca, cert, key, verify} or true", "api_version": "pin the API version",
                "context": "a CLI context's name instead of a host (see docker.contexts())",
                "ssh_options": "ssh's own flags for an ssh:// host, placed first ([\"-F\", \"ssh_config\"])"],
                doc: "a client of another daemon"),
        Binding("docker", "contexts", nil, doc: "the CLI's contexts, as docker context ls: [{name, host, description, current}]"),
        Binding("docker", "request", nil, "method, path", local: [
            "query": "query parameters", "body": "a map/list (JSON), string, bytes or tar(...)", "headers": "request headers",
            "stream": "a stream of JSON messages", "full": "{status, headers, body} instead of the body"],
                doc: "any endpoint, unchecked: the escape hatch"),
        Binding("docker.swarm", "inspect", "SwarmInspect", doc: "the swarm"),
        Binding("docker.swarm", "init", "SwarmInit", "raw body map", body: SwarmFriendly.initBody, rawBody: true, doc: "make this node a swarm manager"),
        Binding("docker.swarm", "join", "SwarmJoin", "raw body map", body: SwarmFriendly.joinBody, rawBody: true, doc: "join a swarm"),
        Binding("docker.swarm", "leave", "SwarmLeave", params: ["force"], doc: "leave the swarm"),
        Binding("docker.swarm", "update", "SwarmUpdate", "raw spec map", params: ["rotateWorkerToken", "rotateManagerToken", "rotateManagerUnlockKey"],
                fills: ["version"], body: ["labels": "Labels", "name": "Name", "orchestration": "Orchestration", "raft": "Raft",
                "dispatcher": "Dispatcher", "ca_config": "CAConfig", "encryption_config": "EncryptionConfig", "task_defaults": "TaskDefaults"],
                rawBody: true, doc: "change the swarm's spec (merged with the current one)"),
        Binding("docker.swarm", "unlock", "SwarmUnlock", "key", body: ["key": "UnlockKey"], doc: "unlock a locked manager"),
        Binding("docker.swarm", "unlock_key", "SwarmUnlockkey", doc: "the unlock key"),
        Binding("docker.builder", "prune", "BuildPrune", params: ["keep-storage", "reserved-space", "max-used-space", "min-free-space", "all", "filters"],
                doc: "remove build cache; returns {CachesDeleted, SpaceReclaimed}"),
    ]

    // MARK: plugins

    static let plugins: [Binding] = [
        Binding("docker.plugins", "list", "PluginList", params: ["filters"], doc: "the installed plugins"),
        Binding("docker.plugins", "get", "PluginInspect", "name", fills: ["name"], doc: "a plugin, inspected"),
        Binding("docker.plugins", "privileges", "GetPluginPrivileges", "remote", params: ["remote"],
                doc: "the privileges a plugin asks for: [{Name, Description, Value}]"),
        Binding("docker.plugins", "install", "PluginPull", "remote", params: ["remote", "name"], fills: ["X-Registry-Auth"],
                local: ["privileges": "the privileges granted (default: those privileges(remote) lists)", "auth": "{username, password}"],
                uses: ["GetPluginPrivileges", "PluginInspect"], doc: "pull and install a plugin; returns it (disabled)"),
        Binding("docker.plugins", "create", "PluginCreate", "name, context", params: ["name"],
                doc: "create a plugin from a tar of its rootfs and config.json"),
        Binding("plugin", "inspect", "PluginInspect", fills: ["name"], doc: "the plugin inspected afresh"),
        Binding("plugin", "reload", "PluginInspect", fills: ["name"], doc: "re-read this plugin's data"),
        Binding("plugin", "enable", "PluginEnable", params: ["timeout"], fills: ["name"], doc: "enable the plugin"),
        Binding("plugin", "disable", "PluginDisable", params: ["force"], fills: ["name"], doc: "disable the plugin"),
        Binding("plugin", "remove", "PluginDelete", params: ["force"], fills: ["name"], doc: "remove the plugin"),
        Binding("plugin", "upgrade", "PluginUpgrade", "remote", params: ["remote"], fills: ["name", "X-Registry-Auth"],
                local: ["privileges": "the privileges granted (default: those privileges(remote) lists)", "auth": "{username, password}"],
                uses: ["GetPluginPrivileges"], doc: "upgrade the plugin from remote"),
        Binding("plugin", "push", "PluginPush", fills: ["name"], local: ["auth": "{username, password}"], doc: "push the plugin: a stream of messages"),
        Binding("plugin", "configure", "PluginSet", "settings", fills: ["name"], doc: "set settings: {KEY: value} or [\"KEY=value\"]"),
    ]
}

/// The friendly body names of `docker.swarm.init` and `join`.
enum SwarmFriendly {
    static let initBody: [String: String] = [
        "listen_addr": "ListenAddr", "advertise_addr": "AdvertiseAddr", "data_path_addr": "DataPathAddr",
        "data_path_port": "DataPathPort", "default_addr_pool": "DefaultAddrPool", "force_new_cluster": "ForceNewCluster",
        "subnet_size": "SubnetSize", "spec": "Spec",
    ]
    static let joinBody: [String: String] = [
        "listen_addr": "ListenAddr", "advertise_addr": "AdvertiseAddr", "data_path_addr": "DataPathAddr",
        "remote_addrs": "RemoteAddrs", "join_token": "JoinToken",
    ]
}
