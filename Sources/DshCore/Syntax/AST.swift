// AST.swift: the syntax tree the parser builds. Every node has its span; the
// resolver annotates names and functions in place (the reference-typed parts below).

/// A unary operator.
public enum UnaryOp: Sendable {
    /// `-x`
    case negate
    /// `!x`
    case not
}

/// A binary operator (short-circuit ones included).
public enum BinaryOp: Sendable {
    /// Arithmetic: `+`, `-`, `*`, `/`, `//`, `%`.
    case add, subtract, multiply, divide, floorDivide, modulo
    /// Comparisons: `==`, `!=`, `<`, `<=`, `>`, `>=`.
    case equal, notEqual, less, lessEqual, greater, greaterEqual
    /// Membership and regular-expression match: `in`, `not in`, `=~`.
    case contains, notContains, match
    /// Short-circuit: `&&`, `||`, `??`.
    case and, or, coalesce

    /// The operator as written.
    public var symbol: String {
        switch self {
        case .add: return "+"
        case .subtract: return "-"
        case .multiply: return "*"
        case .divide: return "/"
        case .floorDivide: return "//"
        case .modulo: return "%"
        case .equal: return "=="
        case .notEqual: return "!="
        case .less: return "<"
        case .lessEqual: return "<="
        case .greater: return ">"
        case .greaterEqual: return ">="
        case .contains: return "in"
        case .notContains: return "not in"
        case .match: return "=~"
        case .and: return "&&"
        case .or: return "||"
        case .coalesce: return "??"
        }
    }
}

/// How a name was declared (decides whether it may be assigned, and the message).
public enum DeclarationKind: Sendable {
    /// Declared by `let`, by `var`, by `fn`, as a function's parameter, by `import ... as`, or a built-in.
    case letConstant, variable, function, parameter, importAlias, builtin
    /// Whether assignment is refused.
    public var isConstant: Bool { self != .variable && self != .parameter }
    /// The words used in "it is a constant (declared with let)".
    var declaredWith: String {
        switch self {
        case .letConstant: return "let"
        case .function: return "fn"
        case .importAlias: return "import"
        default: return "var"
        }
    }
}

/// A variable as the resolver sees it: one declaration (a `let`, `var`, parameter,
/// loop variable, function name, catch variable or import).
public final class Variable {
    /// Its name.
    public let name: String
    /// How it was declared.
    public let kind: DeclarationKind
    /// Whether assignment is refused.
    public var isConstant: Bool { kind.isConstant }
    /// The function whose frame holds it (nil for globals).
    unowned(unsafe) var owner: FunctionNode?
    /// Where it was declared.
    public let span: SourceSpan
    /// The frame slot (for locals), or the global index (for globals).
    public var index: Int = -1
    /// Whether it lives in the global slot array.
    public var isGlobal = false
    /// Whether an inner function refers to it (then it lives in a cell).
    public var isCaptured = false
    /// The cell index in its function's frame, when captured.
    public var cellIndex: Int = -1

    init(name: String, kind: DeclarationKind, span: SourceSpan) {
        self.name = name
        self.kind = kind
        self.span = span
    }
}

/// Where a name reference reads from, decided by the resolver.
public enum NameTarget {
    /// Not resolved yet.
    case unresolved
    /// A variable of the current function (a slot or a cell).
    case local(Variable)
    /// A captured variable of an enclosing function: index into the closure's captures.
    case capture(Int)
    /// A global slot.
    case global(Int)
}

/// A use of a name; the resolver fills in `target`.
public final class NameRef {
    /// The name.
    public let name: String
    /// Where it reads from.
    public var target: NameTarget = .unresolved
    init(_ name: String) { self.name = name }
}

/// A function parameter.
public struct Parameter {
    /// Its name.
    public let name: String
    /// Its span.
    public let span: SourceSpan
    /// The default value, when it has one.
    public let defaultValue: Expr?
    /// Filled by the resolver.
    public var variable: Variable?
}

/// Where a closure's captured variable comes from when the closure is made.
public enum CaptureSource {
    /// A cell of the enclosing function's frame.
    case enclosingCell(Variable)
    /// One of the enclosing function's own captures.
    case enclosingCapture(Int)
}

/// A function literal or declaration (shared by `fn`, `fn(...)`, and lambdas).
public final class FunctionNode {
    /// The name (`"<lambda>"` for anonymous ones).
    public let name: String
    /// The parameters.
    public var params: [Parameter]
    /// The body.
    public let body: [Stmt]
    /// Where it is.
    public let span: SourceSpan
    // Filled by the resolver:
    /// Frame slots needed (parameters first).
    public var slotCount = 0
    /// Cells needed (captured locals).
    public var cellCount = 0
    /// Captures and where each comes from.
    public var captures: [CaptureSource] = []
    /// Whether the body contains `defer` (directly, not in nested functions).
    public var hasDefer = false
    /// Every local declared in this function (for cell assignment).
    var locals: [Variable] = []
    /// Capture index by variable identity.
    var captureIndex: [ObjectIdentifier: Int] = [:]

    /// The height of its tree (see `Expr.height`): its body and defaults, plus one.
    let height: Int

    init(name: String, params: [Parameter], body: [Stmt], span: SourceSpan) {
        self.name = name
        self.params = params
        self.body = body
        self.span = span
        var h = Stmt.height(of: body)
        for p in params { h = max(h, p.defaultValue?.height ?? 0) }
        self.height = h + 1
    }
}

/// A key in a map literal.
public enum MapKey {
    /// A bare identifier or a string literal.
    case name(String)
    /// `[expr]`.
    case computed(Expr)
}

/// An argument in a call: positional or named.
public struct CallArgument {
    /// The name for `name: value`, nil for positional ones.
    public let name: String?
    /// The value.
    public let value: Expr
}

/// One piece of an interpolated string.
public enum InterpolationPart {
    /// Literal text.
    case text(String)
    /// `${expr}`.
    case expr(Expr)
}

/// An expression node.
public final class Expr {
    /// What it is.
    public enum Kind {
        /// `nil`.
        case null
        /// `true` or `false`.
        case bool(Bool)
        /// An integer literal.
        case int(Int)
        /// A float literal.
        case float(Double)
        /// A string literal without interpolation.
        case string(String)
        /// A string with `{...}` parts: its literal text and expressions in order.
        case interpolation([InterpolationPart])
        /// A name (the resolver fills in where it lives).
        case name(NameRef)
        /// `[a, b]`.
        case list([Expr])
        /// `{key: value}`: its entries in order.
        case map([(MapKey, Expr)])
        /// A unary operator and its operand.
        case unary(UnaryOp, Expr)
        /// A binary operator and its operands.
        case binary(BinaryOp, Expr, Expr)
        /// `a..b` (`inclusive`) or `a..<b`.
        case range(Expr, Expr, inclusive: Bool)
        /// A call: the callee and its arguments.
        case call(Expr, [CallArgument])
        /// `x[i]`, or `x?[i]` (`optional`).
        case index(Expr, Expr, optional: Bool)
        /// `x[lo:hi]` with either bound left out, or `x?[lo:hi]` (`optional`).
        case slice(Expr, Expr?, Expr?, optional: Bool)
        /// `x.name`, or `x?.name` (`optional`); `nameSpan` is where the name is.
        case member(Expr, String, optional: Bool, nameSpan: SourceSpan)
        /// The end of a postfix chain containing `?.`: a nil there short-circuits here.
        case optionalChain(Expr)
        /// A lambda (`x => x * 2`, `fn(x) { ... }` as a value).
        case function(FunctionNode)
    }

    /// What it is.
    public let kind: Kind
    /// Where it is.
    public let span: SourceSpan
    /// The number of nodes on the longest path down from this one (1 for a leaf). The
    /// parser bounds it (`Parser.maxExpressionHeight`): every pass over the tree (the
    /// resolver, the compiler, the compiled code) recurses once per level.
    let height: Int

    init(_ kind: Kind, _ span: SourceSpan) {
        self.kind = kind
        self.span = span
        self.height = Expr.height(of: kind)
    }

    /// 1 + the height of the tallest child (a function literal's is its body's).
    private static func height(of kind: Kind) -> Int {
        var h = 0
        switch kind {
        case .null, .bool, .int, .float, .string, .name: break
        case .function(let f): h = f.height
        case .interpolation(let parts):
            for case .expr(let x) in parts { h = max(h, x.height) }
        case .list(let items): for x in items { h = max(h, x.height) }
        case .map(let entries):
            for (k, v) in entries {
                if case .computed(let ke) = k { h = max(h, ke.height) }
                h = max(h, v.height)
            }
        case .unary(_, let x), .member(let x, _, _, _), .optionalChain(let x): h = x.height
        case .binary(_, let l, let r), .range(let l, let r, _), .index(let l, let r, _): h = max(l.height, r.height)
        case .call(let callee, let args):
            h = callee.height
            for a in args { h = max(h, a.value.height) }
        case .slice(let x, let lo, let hi, _): h = max(x.height, lo?.height ?? 0, hi?.height ?? 0)
        }
        return h + 1
    }
}

/// A statement node.
public final class Stmt {
    /// What it is.
    public enum Kind {
        /// An expression evaluated for its value or effect.
        case expression(Expr)
        /// `let a = v`, `var a`, `let a, b = pair`.
        case declare(constant: Bool, names: [(String, SourceSpan)], value: Expr?)
        /// `target = v` or `target op= v`.
        case assign(target: Expr, op: BinaryOp?, value: Expr)
        /// `fn name(...) { ... }`.
        case function(FunctionNode)
        /// `if cond { ... } else { ... }` (an `else if` is an `else` holding one `if`).
        case ifElse(Expr, [Stmt], [Stmt]?)
        /// `while cond { ... }`.
        case whileLoop(Expr, [Stmt])
        /// `for a, b in items { ... }`: the loop names, the sequence, the body.
        case forLoop(names: [(String, SourceSpan)], Expr, [Stmt])
        /// `break`.
        case breakLoop
        /// `continue`.
        case continueLoop
        /// `return` with its value, if any.
        case returnValue(Expr?)
        /// `defer { ... }`: runs when the enclosing function or script ends.
        case deferBlock([Stmt])
        /// `try { ... } catch e { ... }`: the body, the name bound to the error, the handler.
        case tryCatch([Stmt], catchName: (String, SourceSpan)?, [Stmt])
        /// `throw value`.
        case throwValue(Expr)
        /// `import "path" as alias`.
        case importModule(path: String, pathSpan: SourceSpan, alias: (String, SourceSpan))
        /// `{ ... }`: a block with a scope of its own.
        case block([Stmt])
    }

    /// What it is.
    public let kind: Kind
    /// Where it is.
    public let span: SourceSpan
    /// Variables this statement declares, filled by the resolver (in name order).
    public var declared: [Variable] = []
    /// For `import`: the module the resolver loaded. For `defer`: the block as a function.
    public var attachment: AnyObject?
    /// The height of its tree (see `Expr.height`).
    let height: Int

    init(_ kind: Kind, _ span: SourceSpan) {
        self.kind = kind
        self.span = span
        var h = 0
        switch kind {
        case .expression(let e), .throwValue(let e): h = e.height
        case .declare(_, _, let value): h = value?.height ?? 0
        case .returnValue(let value): h = value?.height ?? 0
        case .assign(let target, _, let value): h = max(target.height, value.height)
        case .function(let f): h = f.height
        case .ifElse(let c, let then, let otherwise): h = max(c.height, Stmt.height(of: then), Stmt.height(of: otherwise ?? []))
        case .whileLoop(let c, let body), .forLoop(_, let c, let body): h = max(c.height, Stmt.height(of: body))
        case .deferBlock(let body), .block(let body): h = Stmt.height(of: body)
        case .tryCatch(let body, _, let handler): h = max(Stmt.height(of: body), Stmt.height(of: handler))
        case .breakLoop, .continueLoop, .importModule: break
        }
        self.height = h + 1
    }

    /// The height of the tallest statement of a list (0 for none).
    static func height(of stmts: [Stmt]) -> Int {
        var h = 0
        for s in stmts { h = max(h, s.height) }
        return h
    }
}

/// A parsed file: its top-level statements.
public struct Program {
    /// The file.
    public let file: SourceFile
    /// The statements.
    public let statements: [Stmt]
}

extension SourceSpan {
    /// The span from the start of `self` to the end of `other`.
    func through(_ other: SourceSpan) -> SourceSpan {
        SourceSpan(file: file, line: line, column: column, endLine: other.endLine, endColumn: other.endColumn)
    }
}
