// Endpoints.swift: the one table of every Engine API endpoint the bindings call.
// Each call site names its endpoint from this table, so the table is complete by
// construction; each names its operation in the vendored specs, and a test checks that
// the method and path are the spec's.
import DockerEngine

/// One Engine API endpoint: a method and a path template such as `/containers/{id}/start`.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP method.
    public let method: String
    /// The path template; `{name}` marks a parameter.
    public let template: String
    /// The operation's id in the Engine API spec (`ContainerStart`).
    public let operation: String

    init(_ method: String, _ template: String, _ operation: String) {
        self.method = method
        self.template = template
        self.operation = operation
    }

    /// `POST /containers/{id}/start`.
    public var description: String { "\(method) \(template)" }

    /// Whether the endpoint only reads (GET or HEAD), so read-only mode allows it.
    public var isReadOnly: Bool { method == "GET" || method == "HEAD" }

    /// The path with each `{...}` replaced, in order, by the percent-encoded parameter.
    /// Image names keep their `/` and `:` (the daemon's router takes `{name:.*}`).
    func path(_ parameters: [String]) -> String {
        // Substrings are turned into Strings before they are appended: `String += Substring`
        // is the generic append, whose first use costs a scan of the runtime's conformance
        // tables (~0.2 M instructions of a `dsh -c` start).
        var out = ""
        var index = 0
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            out += String(rest[..<open])
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = rest[rest.index(after: open)..<close]
            let value = index < parameters.count ? parameters[index] : ""
            index += 1
            out += name == "name" ? Endpoint.escapeKeepingSlashes(value) : DockerQuery.escape(value)
            rest = rest[rest.index(after: close)...]
        }
        return out + String(rest)
    }

    static func escapeKeepingSlashes(_ s: String) -> String {
        var out = ""
        for (i, part) in s.split(separator: "/", omittingEmptySubsequences: false).enumerated() {
            if i > 0 { out += "/" }
            out += DockerQuery.escape(String(part)).replacingOccurrences(of: "%3A", with: ":")
        }
        return out
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: target) {
            out += String(rest[..<r.lowerBound])
            out += replacement
            rest = rest[r.upperBound...]
        }
        return out + String(rest)
    }
}

extension Substring {
    fileprivate func range(of target: String) -> Range<Substring.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(target) { return i..<index(i, offsetBy: target.count) }
            i = index(after: i)
        }
        return nil
    }
}

/// Every endpoint the bindings call.
public enum Endpoints {
    // System
    static let ping = Endpoint("GET", "/_ping", "SystemPing")
    static let version = Endpoint("GET", "/version", "SystemVersion")
    static let info = Endpoint("GET", "/info", "SystemInfo")
    static let df = Endpoint("GET", "/system/df", "SystemDataUsage")
    static let events = Endpoint("GET", "/events", "SystemEvents")
    // Containers
    static let containerList = Endpoint("GET", "/containers/json", "ContainerList")
    static let containerCreate = Endpoint("POST", "/containers/create", "ContainerCreate")
    static let containerInspect = Endpoint("GET", "/containers/{id}/json", "ContainerInspect")
    static let containerTop = Endpoint("GET", "/containers/{id}/top", "ContainerTop")
    static let containerLogs = Endpoint("GET", "/containers/{id}/logs", "ContainerLogs")
    static let containerChanges = Endpoint("GET", "/containers/{id}/changes", "ContainerChanges")
    static let containerExport = Endpoint("GET", "/containers/{id}/export", "ContainerExport")
    static let containerStats = Endpoint("GET", "/containers/{id}/stats", "ContainerStats")
    static let containerResize = Endpoint("POST", "/containers/{id}/resize", "ContainerResize")
    static let containerStart = Endpoint("POST", "/containers/{id}/start", "ContainerStart")
    static let containerStop = Endpoint("POST", "/containers/{id}/stop", "ContainerStop")
    static let containerRestart = Endpoint("POST", "/containers/{id}/restart", "ContainerRestart")
    static let containerKill = Endpoint("POST", "/containers/{id}/kill", "ContainerKill")
    static let containerUpdate = Endpoint("POST", "/containers/{id}/update", "ContainerUpdate")
    static let containerRename = Endpoint("POST", "/containers/{id}/rename", "ContainerRename")
    static let containerPause = Endpoint("POST", "/containers/{id}/pause", "ContainerPause")
    static let containerUnpause = Endpoint("POST", "/containers/{id}/unpause", "ContainerUnpause")
    static let containerAttach = Endpoint("POST", "/containers/{id}/attach", "ContainerAttach")
    static let containerWait = Endpoint("POST", "/containers/{id}/wait", "ContainerWait")
    static let containerRemove = Endpoint("DELETE", "/containers/{id}", "ContainerDelete")
    /// The same operation for a link (`c2/mylink`): the path keeps the link's `/`.
    static let containerRemoveLink = Endpoint("DELETE", "/containers/{name}", "ContainerDelete")
    static let containerArchiveGet = Endpoint("GET", "/containers/{id}/archive", "ContainerArchive")
    static let containerArchivePut = Endpoint("PUT", "/containers/{id}/archive", "PutContainerArchive")
    static let containerPrune = Endpoint("POST", "/containers/prune", "ContainerPrune")
    static let containerExec = Endpoint("POST", "/containers/{id}/exec", "ContainerExec")
    static let execStart = Endpoint("POST", "/exec/{id}/start", "ExecStart")
    static let execInspect = Endpoint("GET", "/exec/{id}/json", "ExecInspect")
    static let commit = Endpoint("POST", "/commit", "ImageCommit")
    // Images
    static let imageList = Endpoint("GET", "/images/json", "ImageList")
    static let build = Endpoint("POST", "/build", "ImageBuild")
    static let imageCreate = Endpoint("POST", "/images/create", "ImageCreate")
    static let imageInspect = Endpoint("GET", "/images/{name}/json", "ImageInspect")
    static let imageHistory = Endpoint("GET", "/images/{name}/history", "ImageHistory")
    static let imagePush = Endpoint("POST", "/images/{name}/push", "ImagePush")
    static let imageTag = Endpoint("POST", "/images/{name}/tag", "ImageTag")
    static let imageRemove = Endpoint("DELETE", "/images/{name}", "ImageDelete")
    static let imagePrune = Endpoint("POST", "/images/prune", "ImagePrune")
    static let imageGet = Endpoint("GET", "/images/{name}/get", "ImageGet")
    static let imageGetAll = Endpoint("GET", "/images/get", "ImageGetAll")
    static let imageLoad = Endpoint("POST", "/images/load", "ImageLoad")
    // Networks
    static let networkList = Endpoint("GET", "/networks", "NetworkList")
    static let networkInspect = Endpoint("GET", "/networks/{id}", "NetworkInspect")
    static let networkRemove = Endpoint("DELETE", "/networks/{id}", "NetworkDelete")
    static let networkCreate = Endpoint("POST", "/networks/create", "NetworkCreate")
    static let networkConnect = Endpoint("POST", "/networks/{id}/connect", "NetworkConnect")
    static let networkDisconnect = Endpoint("POST", "/networks/{id}/disconnect", "NetworkDisconnect")
    static let networkPrune = Endpoint("POST", "/networks/prune", "NetworkPrune")
    // Volumes
    static let volumeList = Endpoint("GET", "/volumes", "VolumeList")
    static let volumeCreate = Endpoint("POST", "/volumes/create", "VolumeCreate")
    static let volumeInspect = Endpoint("GET", "/volumes/{name}", "VolumeInspect")
    static let volumeRemove = Endpoint("DELETE", "/volumes/{name}", "VolumeDelete")
    static let volumePrune = Endpoint("POST", "/volumes/prune", "VolumePrune")
    // Swarm
    static let swarmInspect = Endpoint("GET", "/swarm", "SwarmInspect")
    static let swarmInit = Endpoint("POST", "/swarm/init", "SwarmInit")
    static let swarmJoin = Endpoint("POST", "/swarm/join", "SwarmJoin")
    static let swarmLeave = Endpoint("POST", "/swarm/leave", "SwarmLeave")
    static let swarmUpdate = Endpoint("POST", "/swarm/update", "SwarmUpdate")
    static let swarmUnlockKey = Endpoint("GET", "/swarm/unlockkey", "SwarmUnlockkey")
    static let swarmUnlock = Endpoint("POST", "/swarm/unlock", "SwarmUnlock")
    // Services, tasks, nodes
    static let serviceList = Endpoint("GET", "/services", "ServiceList")
    static let serviceCreate = Endpoint("POST", "/services/create", "ServiceCreate")
    static let serviceInspect = Endpoint("GET", "/services/{id}", "ServiceInspect")
    static let serviceRemove = Endpoint("DELETE", "/services/{id}", "ServiceDelete")
    static let serviceUpdate = Endpoint("POST", "/services/{id}/update", "ServiceUpdate")
    static let serviceLogs = Endpoint("GET", "/services/{id}/logs", "ServiceLogs")
    static let taskList = Endpoint("GET", "/tasks", "TaskList")
    static let taskInspect = Endpoint("GET", "/tasks/{id}", "TaskInspect")
    static let taskLogs = Endpoint("GET", "/tasks/{id}/logs", "TaskLogs")
    static let nodeList = Endpoint("GET", "/nodes", "NodeList")
    static let nodeInspect = Endpoint("GET", "/nodes/{id}", "NodeInspect")
    static let nodeRemove = Endpoint("DELETE", "/nodes/{id}", "NodeDelete")
    static let nodeUpdate = Endpoint("POST", "/nodes/{id}/update", "NodeUpdate")
    // Secrets and configs
    static let secretList = Endpoint("GET", "/secrets", "SecretList")
    static let secretCreate = Endpoint("POST", "/secrets/create", "SecretCreate")
    static let secretInspect = Endpoint("GET", "/secrets/{id}", "SecretInspect")
    static let secretRemove = Endpoint("DELETE", "/secrets/{id}", "SecretDelete")
    static let secretUpdate = Endpoint("POST", "/secrets/{id}/update", "SecretUpdate")
    static let configList = Endpoint("GET", "/configs", "ConfigList")
    static let configCreate = Endpoint("POST", "/configs/create", "ConfigCreate")
    static let configInspect = Endpoint("GET", "/configs/{id}", "ConfigInspect")
    static let configRemove = Endpoint("DELETE", "/configs/{id}", "ConfigDelete")
    static let configUpdate = Endpoint("POST", "/configs/{id}/update", "ConfigUpdate")
    // Operations bound in the second wave
    static let containerArchiveInfo = Endpoint("HEAD", "/containers/{id}/archive", "ContainerArchiveInfo")
    static let execResize = Endpoint("POST", "/exec/{id}/resize", "ExecResize")
    static let imageSearch = Endpoint("GET", "/images/search", "ImageSearch")
    static let imageAttestations = Endpoint("GET", "/images/{name}/attestations", "ImageAttestations")
    static let distribution = Endpoint("GET", "/distribution/{name}/json", "DistributionInspect")
    static let auth = Endpoint("POST", "/auth", "SystemAuth")
    static let buildPrune = Endpoint("POST", "/build/prune", "BuildPrune")
    static let volumeUpdate = Endpoint("PUT", "/volumes/{name}", "VolumeUpdate")
    static let pluginList = Endpoint("GET", "/plugins", "PluginList")
    static let pluginPrivileges = Endpoint("GET", "/plugins/privileges", "GetPluginPrivileges")
    static let pluginPull = Endpoint("POST", "/plugins/pull", "PluginPull")
    static let pluginInspect = Endpoint("GET", "/plugins/{name}/json", "PluginInspect")
    static let pluginRemove = Endpoint("DELETE", "/plugins/{name}", "PluginDelete")
    static let pluginEnable = Endpoint("POST", "/plugins/{name}/enable", "PluginEnable")
    static let pluginDisable = Endpoint("POST", "/plugins/{name}/disable", "PluginDisable")
    static let pluginUpgrade = Endpoint("POST", "/plugins/{name}/upgrade", "PluginUpgrade")
    static let pluginCreate = Endpoint("POST", "/plugins/create", "PluginCreate")
    static let pluginPush = Endpoint("POST", "/plugins/{name}/push", "PluginPush")
    static let pluginSet = Endpoint("POST", "/plugins/{name}/set", "PluginSet")

    /// Every endpoint above, for the spec-coverage test and documentation.
    public static let all: [Endpoint] = [
        ping, version, info, df, events,
        containerList, containerCreate, containerInspect, containerTop, containerLogs, containerChanges,
        containerExport, containerStats, containerResize, containerStart, containerStop, containerRestart,
        containerKill, containerUpdate, containerRename, containerPause, containerUnpause, containerAttach,
        containerWait, containerRemove, containerArchiveGet, containerArchivePut, containerPrune,
        containerExec, execStart, execInspect, commit,
        imageList, build, imageCreate, imageInspect, imageHistory, imagePush, imageTag, imageRemove,
        imagePrune, imageGet, imageGetAll, imageLoad,
        networkList, networkInspect, networkRemove, networkCreate, networkConnect, networkDisconnect, networkPrune,
        volumeList, volumeCreate, volumeInspect, volumeRemove, volumePrune,
        swarmInspect, swarmInit, swarmJoin, swarmLeave, swarmUpdate, swarmUnlockKey, swarmUnlock,
        serviceList, serviceCreate, serviceInspect, serviceRemove, serviceUpdate, serviceLogs,
        taskList, taskInspect, taskLogs, nodeList, nodeInspect, nodeRemove, nodeUpdate,
        secretList, secretCreate, secretInspect, secretRemove, secretUpdate,
        configList, configCreate, configInspect, configRemove, configUpdate,
        containerArchiveInfo, execResize, imageSearch, imageAttestations, distribution, auth, buildPrune, volumeUpdate,
        pluginList, pluginPrivileges, pluginPull, pluginInspect, pluginRemove, pluginEnable, pluginDisable, pluginUpgrade,
        pluginCreate, pluginPush, pluginSet,
    ]
}
