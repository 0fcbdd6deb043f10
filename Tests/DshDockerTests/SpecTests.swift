// SpecTests.swift: the vendored Engine API specs as the bindings' source of truth, with
// no engine: the generated table is up to date with the specs, every operation of every
// vendored spec is bound (or listed as deliberately unbound, with a reason), each
// binding's parameters are exactly its operation's, and the checker's messages.
import DockerEngine
import DshCore
@testable import DshDocker
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite struct SpecTableTests {
    /// scripts/gen-spec run into a temporary file gives the checked-in file byte for byte.
    @Test func theGeneratedTableIsNotStale() throws {
        let out = "/tmp/dsh-gen-spec-\(getpid()).swift"
        defer { unlink(out) }
        let status = system("python3 '\(packageRoot)/scripts/gen-spec' '\(out)' 2>/tmp/dsh-gen-spec-\(getpid()).err")
        #expect(status == 0, "scripts/gen-spec failed (needs python3 and PyYAML: apt-get install python3-yaml): \(readText("/tmp/dsh-gen-spec-\(getpid()).err") ?? "")")
        let fresh = try #require(readText(out))
        let checkedIn = try #require(readText(packageRoot + "/Sources/DshDocker/Spec/APISpecData.swift"))
        #expect(fresh == checkedIn, "Sources/DshDocker/Spec/APISpecData.swift is stale: run scripts/gen-spec")
    }

    @Test func theTableHoldsEveryVendoredVersion() {
        let spec = APISpec.shared
        #expect(spec.versions.first == APIVersion(major: 1, minor: 41))
        #expect(spec.newest == APIVersion.clientMaximum, "the client's maximum API version is the newest vendored spec")
        #expect(spec.versions.count == 16)
        #expect(spec.operations.count >= 108)
        let stop = spec.operation("ContainerStop")
        #expect(stop.param("signal")?.versions.since == APIVersion(major: 1, minor: 42))
        #expect(stop.param("t")?.type == .integer)
        #expect(spec.definitions["HostConfig"]?.field("Memory")?.type == .integer)
    }

    /// Every operation of every vendored spec has a binding, is used by one, or is listed
    /// as deliberately unbound with a reason.
    @Test func everyOperationIsBoundOrDeliberatelyUnbound() {
        let spec = APISpec.shared
        let bound = Set(BindingTable.all.compactMap(\.operation) + BindingTable.all.flatMap(\.uses))
        let unbound = Set(BindingTable.unbound.map(\.operation))
        for id in spec.operationIDs {
            #expect(bound.contains(id) || unbound.contains(id), "\(id) (\(spec.operation(id).method) \(spec.operation(id).path)) has no binding")
            #expect(!(bound.contains(id) && unbound.contains(id)), "\(id) is both bound and listed as unbound")
        }
        for u in BindingTable.unbound {
            #expect(spec.operations[u.operation] != nil, "unbound \(u.operation) is not in the specs")
            #expect(u.reason.count > 20)
        }
        #expect(bound.count + unbound.count >= spec.operations.count)
        var newer: [String: APIVersion] = [:]
        for (id, op) in spec.operations where op.versions.isGated { newer[id] = op.versions.since }
        #expect(newer == BindingTable.newerOperations, "BindingTable.newerOperations must list the operations newer than 1.41")
    }

    /// Each binding's named parameters plus those it fills itself are exactly its
    /// operation's parameters (over every vendored version); aliases and body names point
    /// at real parameters and fields.
    @Test func eachBindingsParametersAreExactlyTheSpecs() {
        let spec = APISpec.shared
        for b in BindingTable.all {
            for used in b.uses { #expect(spec.operations[used] != nil, "\(b.qualified): no operation \(used)") }
            guard let id = b.operation else { continue }
            guard let op = spec.operations[id] else { Issue.record("\(b.qualified): no operation \(id)"); continue }
            let specNames = Set(op.params.map(\.name))
            let given = b.params + b.fills
            #expect(Set(given) == specNames, "\(b.qualified): binds \(given.sorted()) but \(id) has \(specNames.sorted())")
            #expect(Set(b.params).isDisjoint(with: b.fills), "\(b.qualified): a parameter both given and filled")
            for (alias, target) in b.aliases { #expect(b.params.contains(target), "\(b.qualified): alias \(alias) → \(target) is not a parameter") }
            for (name, target) in b.body where b.rawBody || op.body != nil {
                #expect(BindingDoc.fieldType(op, target) != nil || target.contains("*"), "\(b.qualified): \(name) → \(target) is not a body field of \(id)")
            }
            let names = b.acceptedNames
            #expect(Set(names).count == names.count, "\(b.qualified): a name given twice: \(names)")
            for n in names { #expect(!n.contains("-"), "\(b.qualified): \(n) cannot be written as a named argument") }
            #expect(!b.doc.isEmpty)
        }
        let qualified = BindingTable.all.map(\.qualified)
        #expect(Set(qualified).count == qualified.count, "a binding given twice")
        for b in BindingTable.all {
            #expect(BindingTable.entry(b.owner, b.name)?.qualified == b.qualified, "\(b.qualified) is not found by its owner")
        }
    }

    /// docs/docker.md holds the operation table made from the binding table.
    @Test func theDocsOperationTableIsCurrent() throws {
        let doc = try #require(readText(packageRoot + "/docs/docker.md"))
        let table = BindingDoc.operationTable()
        #expect(doc.contains(table), "docs/docker.md's operation table is stale: paste BindingDoc.operationTable() (DSH_PRINT_OPERATION_TABLE=1 prints it)")
        if Engine.environment["DSH_PRINT_OPERATION_TABLE"] != nil {
            print(table)
            for name in ["docker.containers.create", "container.stop", "docker.images.list"] {
                print(BindingDoc.text(BindingTable.entry(qualified: name)!))
            }
        }
    }

    @Test func hyphenatedAndCamelCaseParametersHaveOneSnakeSpelling() {
        #expect(APISpec.snake("shared-size") == "shared_size")
        #expect(APISpec.snake("insertDefaults") == "insert_defaults")
        #expect(APISpec.snake("copyUIDGID") == "copy_uidgid")
        #expect(APISpec.snake("ps_args") == "ps_args")
        let list = BindingTable.entry("docker.images", "list")!
        #expect(list.param(named: "shared_size") == "shared-size")
        #expect(list.param(named: "shared-size") == nil)
        let get = BindingTable.entry("docker.services", "get")!
        #expect(get.param(named: "insert_defaults") == "insertDefaults")
        #expect(get.param(named: "insertDefaults") == "insertDefaults")
    }

    @Test func didYouMeanFindsTyposTranspositionsAndPrefixes() {
        #expect(SpecCheck.closest("filter", ["all", "filters", "limit"]) == ["filters"])
        #expect(SpecCheck.closest("al", ["all", "filters", "limit", "size"]).first == "all")
        #expect(SpecCheck.closest("nocahce", ["nocache", "cachefrom", "pull"]) == ["nocache"])
        #expect(SpecCheck.closest("tga", ["t", "tag", "target"]).first == "tag")
        #expect(SpecCheck.closest("Enviroment", ["Env", "Image", "Cmd"]) == ["Env"])
        #expect(SpecCheck.closest("lables", ["labels", "name"]) == ["labels"])
        #expect(SpecCheck.closest("zzzz", ["all", "filters"]).isEmpty)
    }

    @Test func nestedBodyFieldsAreChecked() throws {
        let op = APISpec.shared.operation("ContainerCreate")
        var gates: [VersionGate] = []
        let body = MapRef()
        body["Image"] = .string("x")
        body["HostConfig"] = .map(["Memroy": .int(1)])
        #expect(throws: DshError.self) { try SpecCheck.body(.map(body), op, function: "f", gates: &gates) }
        do { try SpecCheck.body(.map(body), op, function: "f", gates: &gates) } catch let e as DshError {
            #expect(e.message.contains("HostConfig.Memroy") && e.message.contains("did you mean `Memory`"), "\(e.message)")
        }
        body["HostConfig"] = .map(["Memory": .string("1g")])
        do { try SpecCheck.body(.map(body), op, function: "f", gates: &gates); Issue.record("a string Memory passed") } catch let e as DshError {
            #expect(e.message.contains("`HostConfig.Memory` must be an int"), "\(e.message)")
        }
        body["HostConfig"] = .map(["Memory": .int(1 << 20), "Annotations": .map(["a": .string("b")])])
        try SpecCheck.body(.map(body), op, function: "f", gates: &gates)
        #expect(gates.contains { $0.what == "HostConfig.Annotations" }, "a field newer than 1.41 is gated")
        #expect(throws: DshError.self) {
            try SpecCheck.versions(gates, daemon: APIVersion(major: 1, minor: 41), function: "f")
        }
        try SpecCheck.versions(gates, daemon: APIVersion(major: 1, minor: 46), function: "f")
    }

    @Test func aPinnedVersionDshDoesNotKnowIsRefused() {
        #expect(throws: DockerError.self) { try APIVersion.pinned("1.99") }
        #expect(throws: DockerError.self) { try APIVersion.pinned("1.12") }
        #expect(throws: DockerError.self) { try APIVersion.pinned("latest") }
        #expect((try? APIVersion.pinned("1.56")) == APIVersion(major: 1, minor: 56))
        do { _ = try APIVersion.pinned("1.99") } catch {
            #expect("\(error)".contains("1.56"), "\(error)")
        }
    }

    @Test func extrahostsMapIsSentAsTheListForm() throws {
        let param = APISpec.shared.operation("ImageBuild").param("extrahosts")!
        let pairs = try Query.encode(param, .map(["h": .string("10.1.2.3")]), argument: "extrahosts", function: "f")
        #expect(pairs.map(\.1) == ["h:10.1.2.3"])
        let buildargs = APISpec.shared.operation("ImageBuild").param("buildargs")!
        #expect(try Query.encode(buildargs, .map(["A": .int(1)]), argument: "buildargs", function: "f").map(\.1) == ["{\"A\":\"1\"}"])
    }

    @Test func envWithANilValueIsTheBareName() throws {
        let v = try ContainerSpec.keyValueList(.map(["Foo": .null, "A": .string("1")]), "env")
        #expect(try JSON.encode(v) == #"["Foo","A=1"]"#)
    }

    /// `:doc` shows a binding's help, made from its entry and the spec, and the REPL
    /// completes its named arguments from the same entry; neither needs a daemon.
    @Test func docAndNamedArgumentsComeFromTheEntry() throws {
        let interp = Interpreter(output: TextSink.capture(), errorOutput: TextSink.capture())
        DockerBindings.install(into: interp, client: { throw DshError.runtime("no daemon in this test") })
        let value = try interp.evaluate(SourceFile(name: "<t>", text: "docker.containers.list"))
        guard case .function(let f) = value, let native = f as? NativeFunction else { Issue.record("not a function"); return }
        #expect(native.namedArguments == ["all", "limit", "size", "filters"])
        let doc = native.doc
        #expect(doc.hasPrefix("docker.containers.list(all:, limit:, size:, filters:)"), "\(doc)")
        #expect(doc.contains("GET /containers/json: List containers"))
        #expect(doc.contains("    all: bool = false"), "\(doc)")
        let images = BindingDoc.text(BindingTable.entry("docker.images", "list")!)
        #expect(images.contains("shared_size: bool = false  [API 1.42+]  (shared-size)"), "\(images)")
        let create = BindingDoc.text(BindingTable.entry("docker.containers", "create")!)
        #expect(create.contains("memory → HostConfig.Memory: int"), "\(create)")
        #expect(create.contains("API fields (checked, nested too):") && create.contains("HostConfig"))
        let stop = BindingDoc.text(BindingTable.entry("container", "stop")!)
        #expect(stop.contains("signal: string  [API 1.42+]"), "\(stop)")
    }

    @Test func aMisspeltMethodNamesTheClosestOnes() throws {
        let interp = Interpreter(output: TextSink.capture(), errorOutput: TextSink.capture())
        DockerBindings.install(into: interp, client: { throw DshError.runtime("no daemon in this test") })
        do {
            _ = try interp.evaluate(SourceFile(name: "<t>", text: "docker.containers.lsit"))
            Issue.record("no error")
        } catch let e as DshError {
            #expect(e.message == "containers has no member 'lsit'; did you mean `list`?", "\(e.message)")
        }
    }
}
