// Endpoints.swift: the one table of every Engine API endpoint the bindings call.
// Each call site names its endpoint from this table, so the table is complete by
// construction; a test checks every entry against the official API spec.
import DockerEngine

/// One Engine API endpoint: a method and a path template such as `/containers/{id}/start`.
public struct Endpoint: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP method.
    public let method: String
    /// The path template; `{name}` marks a parameter.
    public let template: String

    init(_ method: String, _ template: String) {
        self.method = method
        self.template = template
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
    static let ping = Endpoint("GET", "/_ping")
    static let version = Endpoint("GET", "/version")
    static let info = Endpoint("GET", "/info")
    static let df = Endpoint("GET", "/system/df")
    static let events = Endpoint("GET", "/events")
    // Containers
    static let containerList = Endpoint("GET", "/containers/json")
    static let containerCreate = Endpoint("POST", "/containers/create")
    static let containerInspect = Endpoint("GET", "/containers/{id}/json")
    static let containerTop = Endpoint("GET", "/containers/{id}/top")
    static let containerLogs = Endpoint("GET", "/containers/{id}/logs")
    static let containerChanges = Endpoint("GET", "/containers/{id}/changes")
    static let containerExport = Endpoint("GET", "/containers/{id}/export")
    static let containerStats = Endpoint("GET", "/containers/{id}/stats")
    static let containerResize = Endpoint("POST", "/containers/{id}/resize")
    static let containerStart = Endpoint("POST", "/containers/{id}/start")
    static let containerStop = Endpoint("POST", "/containers/{id}/stop")
    static let containerRestart = Endpoint("POST", "/containers/{id}/restart")
    static let containerKill = Endpoint("POST", "/containers/{id}/kill")
    static let containerUpdate = Endpoint("POST", "/containers/{id}/update")
    static let containerRename = Endpoint("POST", "/containers/{id}/rename")
    static let containerPause = Endpoint("POST", "/containers/{id}/pause")
    static let containerUnpause = Endpoint("POST", "/containers/{id}/unpause")
    static let containerAttach = Endpoint("POST", "/containers/{id}/attach")
    static let containerWait = Endpoint("POST", "/containers/{id}/wait")
    static let containerRemove = Endpoint("DELETE", "/containers/{id}")
    static let containerArchiveGet = Endpoint("GET", "/containers/{id}/archive")
    static let containerArchivePut = Endpoint("PUT", "/containers/{id}/archive")
    static let containerArchiveHead = Endpoint("HEAD", "/containers/{id}/archive")
    static let execResize = Endpoint("POST", "/exec/{id}/resize")
    static let auth = Endpoint("POST", "/auth")
    static let containerPrune = Endpoint("POST", "/containers/prune")
    static let containerExec = Endpoint("POST", "/containers/{id}/exec")
    static let execStart = Endpoint("POST", "/exec/{id}/start")
    static let execInspect = Endpoint("GET", "/exec/{id}/json")
    static let commit = Endpoint("POST", "/commit")
    // Images
    static let imageList = Endpoint("GET", "/images/json")
    static let build = Endpoint("POST", "/build")
    static let imageCreate = Endpoint("POST", "/images/create")
    static let imageInspect = Endpoint("GET", "/images/{name}/json")
    static let imageHistory = Endpoint("GET", "/images/{name}/history")
    static let imagePush = Endpoint("POST", "/images/{name}/push")
    static let imageTag = Endpoint("POST", "/images/{name}/tag")
    static let imageRemove = Endpoint("DELETE", "/images/{name}")
    static let imagePrune = Endpoint("POST", "/images/prune")
    static let imageGet = Endpoint("GET", "/images/{name}/get")
    static let imageGetAll = Endpoint("GET", "/images/get")
    static let imageLoad = Endpoint("POST", "/images/load")
    // Networks
    static let networkList = Endpoint("GET", "/networks")
    static let networkInspect = Endpoint("GET", "/networks/{id}")
    static let networkRemove = Endpoint("DELETE", "/networks/{id}")
    static let networkCreate = Endpoint("POST", "/networks/create")
    static let networkConnect = Endpoint("POST", "/networks/{id}/connect")
    static let networkDisconnect = Endpoint("POST", "/networks/{id}/disconnect")
    static let networkPrune = Endpoint("POST", "/networks/prune")
    // Volumes
    static let volumeList = Endpoint("GET", "/volumes")
    static let volumeCreate = Endpoint("POST", "/volumes/create")
    static let volumeInspect = Endpoint("GET", "/volumes/{name}")
    static let volumeRemove = Endpoint("DELETE", "/volumes/{name}")
    static let volumePrune = Endpoint("POST", "/volumes/prune")
    // Swarm
    static let swarmInspect = Endpoint("GET", "/swarm")
    static let swarmInit = Endpoint("POST", "/swarm/init")
    static let swarmJoin = Endpoint("POST", "/swarm/join")
    static let swarmLeave = Endpoint("POST", "/swarm/leave")
    static let swarmUpdate = Endpoint("POST", "/swarm/update")
    static let swarmUnlockKey = Endpoint("GET", "/swarm/unlockkey")
    static let swarmUnlock = Endpoint("POST", "/swarm/unlock")
    // Services, tasks, nodes
    static let serviceList = Endpoint("GET", "/services")
    static let serviceCreate = Endpoint("POST", "/services/create")
    static let serviceInspect = Endpoint("GET", "/services/{id}")
    static let serviceRemove = Endpoint("DELETE", "/services/{id}")
    static let serviceUpdate = Endpoint("POST", "/services/{id}/update")
    static let serviceLogs = Endpoint("GET", "/services/{id}/logs")
    static let taskList = Endpoint("GET", "/tasks")
    static let taskInspect = Endpoint("GET", "/tasks/{id}")
    static let taskLogs = Endpoint("GET", "/tasks/{id}/logs")
    static let nodeList = Endpoint("GET", "/nodes")
    static let nodeInspect = Endpoint("GET", "/nodes/{id}")
    static let nodeRemove = Endpoint("DELETE", "/nodes/{id}")
    static let nodeUpdate = Endpoint("POST", "/nodes/{id}/update")
    // Secrets and configs
    static let secretList = Endpoint("GET", "/secrets")
    static let secretCreate = Endpoint("POST", "/secrets/create")
    static let secretInspect = Endpoint("GET", "/secrets/{id}")
    static let secretRemove = Endpoint("DELETE", "/secrets/{id}")
    static let secretUpdate = Endpoint("POST", "/secrets/{id}/update")
    static let configList = Endpoint("GET", "/configs")
    static let configCreate = Endpoint("POST", "/configs/create")
    static let configInspect = Endpoint("GET", "/configs/{id}")
    static let configRemove = Endpoint("DELETE", "/configs/{id}")
    static let configUpdate = Endpoint("POST", "/configs/{id}/update")

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
        containerArchiveHead, execResize, auth,
    ]
}
