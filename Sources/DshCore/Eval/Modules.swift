// Modules.swift: `import "name"`: finding the file, loading it once per interpreter,
// detecting cycles, and the module object whose members are the module's globals.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loaded module.
final class ModuleRecord {
    enum State { case loading, loaded }
    let name: String
    /// The real path (the cache key).
    let key: String
    /// The path as shown in messages (relative to the main script's folder when inside it).
    let display: String
    var state = State.loading
    var executed = false
    var proto: FunctionProto?
    let scope: GlobalScope
    lazy var object = ModuleObject(self)
    /// The interpreter that loaded it (see `InterpreterLink`).
    let link: InterpreterLink
    var interpreter: Interpreter? { link.live }

    init(name: String, key: String, display: String, scope: GlobalScope, link: InterpreterLink) {
        self.name = name
        self.key = key
        self.display = display
        self.scope = scope
        self.link = link
    }
}

/// A module as a value: its top-level names read as members (live, not copied).
final class ModuleObject: HostObject {
    unowned let record: ModuleRecord
    init(_ record: ModuleRecord) { self.record = record }

    var typeName: String { "module" }
    var displayString: String { "<module \(record.name)>" }
    var memberNames: [String] { record.scope.entries.keys.sorted() }

    func member(_ name: String, _ runtime: any Runtime) throws -> Value? {
        guard let e = record.scope.entries[name], let interp = record.interpreter else {
            throw DshError.runtime("module '\(record.name)' has no member '\(name)'")
        }
        return interp.vm.pointee.globals[e.index]
    }

    func setMember(_ name: String, _ value: Value, _ runtime: any Runtime) throws {
        throw DshError.runtime("cannot assign member '\(name)' of module '\(record.name)'")
    }

    var plainValue: Value? {
        guard let interp = record.interpreter else { return nil }
        let m = MapRef()
        for name in memberNames {
            if let e = record.scope.entries[name] { m.entries[name] = interp.vm.pointee.globals[e.index] }
        }
        return .map(m)
    }
}

/// File-system helpers (no Foundation).
enum FileSystem {
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }

    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    static func isFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
    }

    static func realPath(_ path: String) -> String {
        guard let p = realpath(path, nil) else { return path }
        defer { free(p) }
        return String(cString: p)
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        if slash == path.startIndex { return "/" }
        return String(path[..<slash])
    }

    /// The largest source file (a script or module) read: 64 MiB.
    static let maxSourceBytes = 64 << 20

    /// Reads a whole source file. Only a regular file is read (a device such as
    /// `/dev/zero` never ends), of at most `maxSourceBytes`.
    static func readSource(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else {
            throw DshError.runtime("\(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(f) }
        var st = stat()
        guard fstat(fileno(f), &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
            throw DshError.runtime("\(path): not a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, 65536, f) }
            if n > 0 { bytes.append(contentsOf: chunk[0..<n]) }
            if bytes.count > maxSourceBytes { throw DshError.runtime("\(path): larger than \(maxSourceBytes >> 20) MiB") }
            if n < 65536 { break }
        }
        return bytes
    }

    /// The running executable's real path.
    static func executablePath() -> String? {
        #if os(Linux)
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, 4095)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        #else
        return CommandLine.arguments.first.map { realPath($0) }
        #endif
    }

    /// Where `import` looks after the importing file's folder: `$DSH_PATH` entries,
    /// `<exe dir>/../share/dsh/stdlib`, `<exe dir>/stdlib`, and the `stdlib/` of the
    /// first folder above the executable holding both `Package.swift` and `stdlib/`.
    static func standardLibraryPaths() -> [String] {
        var out: [String] = []
        if let p = getenv("DSH_PATH") {
            out += String(cString: p).split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let exe = executablePath() {
            let dir = directory(of: realPath(exe))
            out.append(dir + "/../share/dsh/stdlib")
            out.append(dir + "/stdlib")
            var d = dir
            while d != "/" && !d.isEmpty {
                if isFile(d + "/Package.swift") && isDirectory(d + "/stdlib") {
                    out.append(d + "/stdlib")
                    break
                }
                d = directory(of: d)
            }
        }
        var seen = Set<String>()
        return out.filter { isDirectory($0) }.map { realPath($0) }.filter { seen.insert($0).inserted }
    }
}

extension Interpreter {
    /// Finds, parses, resolves and compiles a module (once); called by the resolver.
    func loadModule(_ path: String, _ span: SourceSpan, _ from: SourceFile) throws -> AnyObject {
        let fileName = path.hasSuffix(".dsh") ? path : path + ".dsh"
        // The host's loader first: a module from memory, a refusal, or the file system.
        var served: (text: String, name: String)?
        switch try moduleLoader?(path) ?? .fileSystem {
        case .text(let text, let name):
            served = (text, name)
        case .denied(let reason):
            throw DshError(.resolve, "import \"\(path)\" is not allowed: \(reason)", span: span)
        case .fileSystem:
            guard capabilities.contains(.importFiles) else {
                throw DshError(.resolve, "import \"\(path)\" is not allowed: this interpreter may not read modules from files", span: span)
            }
        }
        let key: String
        var display: String
        var fileDisplayName: String
        var found: String?
        if let served {
            key = "<module " + served.name + ">"
            display = served.name
            fileDisplayName = served.name
        } else {
            var candidates: [String] = []
            if fileName.hasPrefix("/") {
                candidates.append(fileName)
            } else {
                candidates.append((from.path.map { FileSystem.directory(of: $0) } ?? ".") + "/" + fileName)
                candidates += moduleSearchPaths.map { $0 + "/" + fileName }
            }
            guard let file = candidates.first(where: { FileSystem.isFile($0) }) else {
                throw DshError(.resolve, "module '\(path)' not found", span: span)
            }
            found = file
            key = FileSystem.realPath(file)
            // Names shown in messages: relative to the main script's folder when inside it.
            display = key
            fileDisplayName = key
            if let root = rootFile, let rootPath = root.path {
                let rootDir = FileSystem.directory(of: FileSystem.realPath(rootPath))
                if key.hasPrefix(rootDir + "/") {
                    display = String(key.dropFirst(rootDir.count + 1))
                    let nameDir = FileSystem.directory(of: root.name)
                    fileDisplayName = root.name.contains("/") ? nameDir + "/" + display : display
                }
            }
        }
        if let rec = modules[key] {
            if rec.state == .loading {
                let chain = loadingModules.drop { $0 !== rec }.dropFirst().map(\.display)
                let through = chain.isEmpty ? "" : " through " + chain.joined(separator: ", ")
                throw DshError(.resolve, "import cycle: \(rec.display) imports itself\(through)", span: span)
            }
            return rec
        }
        var base = Substring(fileName.dropLast(4))
        if let slash = base.lastIndex(of: "/") { base = base[base.index(after: slash)...] }
        let scope = GlobalScope(store: store, parent: rootScope)
        let rec = ModuleRecord(name: String(base), key: key, display: display, scope: scope, link: link)
        modules[key] = rec
        loadingModules.append(rec)
        defer { loadingModules.removeLast() }
        do {
            let file = if let found {
                SourceFile(name: fileDisplayName, bytes: try FileSystem.readSource(found), path: key)
            } else {
                SourceFile(name: fileDisplayName, text: served?.text ?? "")
            }
            let program = try Parser.parse(file)
            let node = try Resolver(globals: scope, file: file) { [unowned self] p, s, f in
                try self.loadModule(p, s, f)
            }.resolve(program)
            rec.proto = compiler.topLevel(node)
            rec.state = .loaded
        } catch {
            modules[key] = nil
            throw attachSpan(error, span)
        }
        return rec
    }

    /// Runs a module's top level the first time it is imported.
    func execute(_ module: ModuleRecord) throws {
        guard !module.executed, let proto = module.proto else { return }
        module.executed = true
        vm.pointee.growGlobals(store.count)
        let saved = vm.pointee.lastValue
        defer { vm.pointee.lastValue = saved }
        let closure = Closure(proto, captures: [], link: link)
        let argBase = vm.pointee.sp
        defer { vm.pointee.pop(to: argBase) }
        _ = try invoke(vm, closure, argBase: argBase, argc: 0)
    }
}
