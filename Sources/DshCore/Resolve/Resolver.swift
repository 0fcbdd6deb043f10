// Resolver.swift: binds every name to a frame slot, a cell, a capture or a global slot
// before anything runs, and reports undefined names (with a "did you mean" hint),
// assignments to constants, and misplaced break/continue/return.

/// Loads a module for `import` while resolving: (path as written, span of the path,
/// importing file) -> the module record (opaque to the resolver).
typealias ModuleLoader = (String, SourceSpan, SourceFile) throws -> AnyObject

/// Resolves one file (a script, a REPL entry, or a module).
final class Resolver {
    /// Per-function state while resolving.
    private final class FunctionState {
        let node: FunctionNode
        let parent: FunctionState?
        var scopes: [[String: Variable]] = [[:]]
        var loopDepth = 0
        /// The top level of a script or module (its outermost declarations are globals).
        let isTopLevel: Bool
        /// A `defer` block (compiled as a closure): `return` is not allowed in it.
        let isDefer: Bool

        init(node: FunctionNode, parent: FunctionState?, isTopLevel: Bool, isDefer: Bool = false) {
            self.node = node
            self.parent = parent
            self.isTopLevel = isTopLevel
            self.isDefer = isDefer
        }
    }

    private let globals: GlobalScope
    private let file: SourceFile
    private let loadModule: ModuleLoader
    private var current: FunctionState!
    /// Top-level names declared further down (line of the declaration).
    private var pending: [String: Int] = [:]
    /// Per open block: names its statements declare further down (for hints).
    private var laterInBlock: [[String: Int]] = []

    init(globals: GlobalScope, file: SourceFile, loadModule: @escaping ModuleLoader) {
        self.globals = globals
        self.file = file
        self.loadModule = loadModule
    }

    /// Resolves a whole file; returns its top level as a function. On error the global
    /// scope is left as it was.
    func resolve(_ program: Program) throws -> FunctionNode {
        let saved = globals.entries
        do {
            return try resolveTopLevel(program)
        } catch {
            globals.entries = saved
            throw error
        }
    }

    private func resolveTopLevel(_ program: Program) throws -> FunctionNode {
        let span = SourceSpan(file: file, line: 1, column: 1)
        let node = FunctionNode(name: "<script>", params: [], body: program.statements, span: span)
        current = FunctionState(node: node, parent: nil, isTopLevel: true)
        // Top-level names are visible to functions declared anywhere in the file.
        for stmt in program.statements {
            for (name, nameSpan, kind) in declaredNames(stmt) {
                if globals.entries[name] == nil {
                    globals.declare(name, kind: kind)
                    // Top-level functions are made before anything runs; others are not.
                    if kind != .function { pending[name] = nameSpan.line }
                }
            }
        }
        try block(program.statements, newScope: false)
        finish(node)
        return node
    }

    /// The names a statement declares at its own level.
    private func declaredNames(_ stmt: Stmt) -> [(String, SourceSpan, DeclarationKind)] {
        switch stmt.kind {
        case .declare(let constant, let names, _):
            return names.map { ($0.0, $0.1, constant ? .letConstant : .variable) }
        case .function(let f):
            return [(f.name, f.span, .function)]
        case .importModule(_, _, let alias):
            return [(alias.0, alias.1, .importAlias)]
        default:
            return []
        }
    }

    // MARK: - Scopes and declarations

    private var atGlobalLevel: Bool { current.isTopLevel && current.scopes.count == 1 }

    private func declare(_ name: String, _ span: SourceSpan, _ kind: DeclarationKind) -> Variable {
        let v = Variable(name: name, kind: kind, span: span)
        if atGlobalLevel {
            v.isGlobal = true
            v.index = globals.declare(name, kind: kind)
            pending[name] = nil
            return v
        }
        if !laterInBlock.isEmpty { laterInBlock[laterInBlock.count - 1][name] = nil }
        v.owner = current.node
        v.index = current.node.slotCount
        current.node.slotCount += 1
        current.node.locals.append(v)
        current.scopes[current.scopes.count - 1][name] = v
        return v
    }

    private func finish(_ node: FunctionNode) {
        for v in node.locals where v.isCaptured {
            v.cellIndex = node.cellCount
            node.cellCount += 1
        }
    }

    private func block(_ stmts: [Stmt], newScope: Bool = true) throws {
        if newScope { current.scopes.append([:]) }
        var later: [String: Int] = [:]
        for stmt in stmts {
            for (name, span, _) in declaredNames(stmt) where later[name] == nil { later[name] = span.line }
        }
        laterInBlock.append(later)
        defer {
            laterInBlock.removeLast()
            if newScope { current.scopes.removeLast() }
        }
        // Functions declared in a block may call each other: declare them first.
        if !atGlobalLevel {
            for stmt in stmts {
                if case .function(let f) = stmt.kind {
                    stmt.declared = [declare(f.name, f.span, .function)]
                }
            }
        }
        for stmt in stmts { try statement(stmt) }
    }

    // MARK: - Name lookup

    private enum Found {
        case local(Variable)
        case captured(Variable, Int)
        case global(GlobalScope.Entry)
    }

    private func find(_ name: String) -> Found? {
        for scope in current.scopes.reversed() {
            if let v = scope[name] { return .local(v) }
        }
        var f = current.parent
        while let fn = f {
            for scope in fn.scopes.reversed() {
                if let v = scope[name] {
                    v.isCaptured = true
                    return .captured(v, captureIndex(of: v, in: current))
                }
            }
            f = fn.parent
        }
        if let e = globals.lookup(name) { return .global(e) }
        return nil
    }

    /// The index of `v` among `state`'s captures, adding it (and to the functions in
    /// between) when needed.
    private func captureIndex(of v: Variable, in state: FunctionState) -> Int {
        let key = ObjectIdentifier(v)
        if let i = state.node.captureIndex[key] { return i }
        let parent = state.parent!
        let source: CaptureSource
        if v.owner === parent.node {
            source = .enclosingCell(v)
        } else {
            source = .enclosingCapture(captureIndex(of: v, in: parent))
        }
        state.node.captures.append(source)
        let i = state.node.captures.count - 1
        state.node.captureIndex[key] = i
        return i
    }

    private func undefined(_ name: String, _ span: SourceSpan) -> DshError {
        var hint: String?
        if let line = pending[name] ?? laterInBlock.reversed().lazy.compactMap({ $0[name] }).first {
            hint = "'\(name)' is declared on line \(line), after this use"
        } else if let best = closestName(to: name) {
            hint = "did you mean '\(best)'?"
        }
        return DshError(.resolve, "undefined name '\(name)'", span: span, hint: hint)
    }

    /// The visible name closest to `name` by edit distance; on ties the innermost
    /// scope wins, then alphabetical order.
    private func closestName(to name: String) -> String? {
        var candidates: [String] = []
        var f: FunctionState? = current
        while let fn = f {
            for scope in fn.scopes.reversed() { candidates += scope.keys.sorted() }
            f = fn.parent
        }
        candidates += globals.allNames.sorted()
        let limit = max(1, name.count / 3)
        var best: (String, Int)?
        for c in candidates where c != name {
            let d = Resolver.editDistance(name, c, limit: limit)
            if d <= limit, d < name.count, best == nil || d < best!.1 { best = (c, d) }
        }
        return best?.0
    }

    /// Levenshtein distance (capped a little above `limit` for speed).
    static func editDistance(_ a: String, _ b: String, limit: Int) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if abs(x.count - y.count) > limit { return limit + 1 }
        var prev = Array(0...y.count)
        var cur = [Int](repeating: 0, count: y.count + 1)
        for i in 1...max(1, x.count) where !x.isEmpty {
            cur[0] = i
            for j in 1...max(1, y.count) where !y.isEmpty {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return x.isEmpty ? y.count : (y.isEmpty ? x.count : prev[y.count])
    }

    private func reference(_ ref: NameRef, _ span: SourceSpan) throws {
        guard let found = find(ref.name) else { throw undefined(ref.name, span) }
        switch found {
        case .local(let v): ref.target = .local(v)
        case .captured(_, let i): ref.target = .capture(i)
        case .global(let e):
            if current.isTopLevel, current.parent == nil, pending[ref.name] != nil {
                throw undefined(ref.name, span)
            }
            ref.target = .global(e.index)
        }
    }

    private func assignable(_ ref: NameRef, _ span: SourceSpan) throws {
        guard let found = find(ref.name) else { throw undefined(ref.name, span) }
        let kind: DeclarationKind
        switch found {
        case .local(let v), .captured(let v, _): kind = v.kind
        case .global(let e): kind = e.kind
        }
        if kind == .builtin {
            throw DshError(.resolve, "cannot assign to '\(ref.name)': it is a built-in", span: span)
        }
        if kind.isConstant {
            throw DshError(.resolve, "cannot assign to '\(ref.name)': it is a constant (declared with \(kind.declaredWith))", span: span)
        }
        try reference(ref, span)
    }

    // MARK: - Statements

    private func statement(_ stmt: Stmt) throws {
        switch stmt.kind {
        case .expression(let e):
            try expr(e)
        case .declare(let constant, let names, let value):
            if let value { try expr(value) }
            stmt.declared = names.map { declare($0.0, $0.1, constant ? .letConstant : .variable) }
        case .assign(let target, _, let value):
            try expr(value)
            switch target.kind {
            case .name(let ref): try assignable(ref, target.span)
            case .member(let obj, _, _, _): try expr(obj)
            case .index(let obj, let idx, _): try expr(obj); try expr(idx)
            default: throw DshError(.syntax, "invalid assignment target", span: target.span)
            }
        case .function(let f):
            if atGlobalLevel {
                stmt.declared = [declare(f.name, f.span, .function)]
            } else if stmt.declared.isEmpty {
                stmt.declared = [declare(f.name, f.span, .function)]
            }
            try function(f)
        case .ifElse(let cond, let then, let otherwise):
            try expr(cond)
            try block(then)
            if let otherwise { try block(otherwise) }
        case .whileLoop(let cond, let body):
            try expr(cond)
            current.loopDepth += 1
            try block(body)
            current.loopDepth -= 1
        case .forLoop(let names, let iterable, let body):
            try expr(iterable)
            current.scopes.append([:])
            stmt.declared = names.map { declare($0.0, $0.1, .letConstant) }
            current.loopDepth += 1
            try block(body)
            current.loopDepth -= 1
            current.scopes.removeLast()
        case .breakLoop:
            if current.loopDepth == 0 { throw DshError(.resolve, "'break' outside a loop", span: stmt.span) }
        case .continueLoop:
            if current.loopDepth == 0 { throw DshError(.resolve, "'continue' outside a loop", span: stmt.span) }
        case .returnValue(let value):
            if current.isTopLevel { throw DshError(.resolve, "'return' outside a function", span: stmt.span) }
            if current.isDefer { throw DshError(.resolve, "'return' inside a defer block", span: stmt.span) }
            if let value { try expr(value) }
        case .deferBlock(let body):
            let node = FunctionNode(name: "<defer>", params: [], body: body, span: stmt.span)
            stmt.attachment = node
            try function(node, isDefer: true)
            current.node.hasDefer = true
        case .tryCatch(let body, let name, let handler):
            try block(body)
            current.scopes.append([:])
            if let name { stmt.declared = [declare(name.0, name.1, .letConstant)] }
            try block(handler)
            current.scopes.removeLast()
        case .throwValue(let value):
            try expr(value)
        case .importModule(let path, let pathSpan, let alias):
            stmt.attachment = try loadModule(path, pathSpan, file)
            stmt.declared = [declare(alias.0, alias.1, .importAlias)]
        case .block(let body):
            try block(body)
        }
    }

    private func function(_ f: FunctionNode, isDefer: Bool = false) throws {
        let state = FunctionState(node: f, parent: current, isTopLevel: false, isDefer: isDefer)
        if isDefer { state.loopDepth = 0 }
        let saved = current
        current = state
        defer { current = saved }
        for i in f.params.indices {
            let p = f.params[i]
            if let d = p.defaultValue { try expr(d) }
            f.params[i].variable = declare(p.name, p.span, .parameter)
        }
        try block(f.body, newScope: false)
        finish(f)
    }

    // MARK: - Expressions

    private func expr(_ e: Expr) throws {
        switch e.kind {
        case .null, .bool, .int, .float, .string:
            break
        case .interpolation(let parts):
            for case .expr(let x) in parts { try expr(x) }
        case .name(let ref):
            try reference(ref, e.span)
        case .list(let items):
            for x in items { try expr(x) }
        case .map(let entries):
            for (k, v) in entries {
                if case .computed(let ke) = k { try expr(ke) }
                try expr(v)
            }
        case .unary(_, let x):
            try expr(x)
        case .binary(_, let l, let r), .range(let l, let r, _):
            try expr(l)
            try expr(r)
        case .call(let callee, let args):
            try expr(callee)
            for a in args { try expr(a.value) }
        case .index(let obj, let idx, _):
            try expr(obj)
            try expr(idx)
        case .slice(let obj, let lo, let hi, _):
            try expr(obj)
            if let lo { try expr(lo) }
            if let hi { try expr(hi) }
        case .member(let obj, _, _, _):
            try expr(obj)
        case .optionalChain(let x):
            try expr(x)
        case .function(let f):
            try function(f)
        }
    }
}
