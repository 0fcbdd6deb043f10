// Parser.swift: a Pratt parser driven by one rule table (prefix, infix, precedence per
// token), plus the statement grammar. Errors carry spans; running out of input is
// flagged `isIncompleteInput` so the REPL knows to read another line.

/// Binding power, lowest first.
enum Precedence: Int, Comparable {
    case none, pipe, coalesce, or, and, comparison, range, term, factor, unary, postfix
    static func < (a: Precedence, b: Precedence) -> Bool { a.rawValue < b.rawValue }
    /// The next tighter level (for left-associative operands).
    var next: Precedence { Precedence(rawValue: rawValue + 1) ?? .postfix }
}

/// One row of the rule table.
struct ParseRule: Sendable {
    let prefix: (@Sendable (Parser, Token) throws -> Expr)?
    let infix: (@Sendable (Parser, Expr, Token) throws -> Expr)?
    let precedence: Precedence
}

/// Parses tokens into a `Program`.
public final class Parser {
    /// How deep expressions and blocks may nest before it is an error.
    public static let maxNesting = 256
    /// How tall a syntax tree may grow: brackets and blocks count, and so does each link
    /// of a chain such as `a + b + c` or `m?.a?.b` (an operand inside the next one).
    /// Every pass over the tree (resolving, compiling, running the compiled code) goes
    /// one native call deeper per level, so the bound keeps them all far from the end
    /// of the stack.
    public static let maxExpressionHeight = 1_000

    private let file: SourceFile
    private let tokens: [Token]
    private var pos = 0
    private var depth: Int
    /// True for the parser of a `${...}` (its end is not the end of input).
    private let isInterpolation: Bool
    /// The span of the last token consumed.
    private var lastSpan: SourceSpan

    init(file: SourceFile, tokens: [Token], depth: Int = 0, isInterpolation: Bool = false) {
        self.file = file
        self.tokens = tokens
        self.depth = depth
        self.isInterpolation = isInterpolation
        self.lastSpan = tokens.first?.span ?? SourceSpan(file: file, line: 1, column: 1)
    }

    /// Lexes and parses a whole file.
    public static func parse(_ file: SourceFile) throws -> Program {
        let tokens = try Lexer(file).tokenize()
        let parser = Parser(file: file, tokens: tokens)
        return Program(file: file, statements: try parser.parseProgram())
    }

    // MARK: - The rule table (one row per token kind)

    private static func binary(_ op: BinaryOp) -> @Sendable (Parser, Expr, Token) throws -> Expr {
        { p, left, tok in try p.binaryOperator(op, left, tok) }
    }

    private static let rules: [ParseRule] = {
        var table = [ParseRule](repeating: ParseRule(prefix: nil, infix: nil, precedence: .none), count: TokenKind.allCases.count)
        // One call per row, not an array of tuples of closures: making that array's type
        // at run time (demangling it) cost each start about 60k instructions.
        func row(_ kind: TokenKind, _ prefix: (@Sendable (Parser, Token) throws -> Expr)?,
                 _ infix: (@Sendable (Parser, Expr, Token) throws -> Expr)?, _ precedence: Precedence) {
            table[Int(kind.rawValue)] = ParseRule(prefix: prefix, infix: infix, precedence: precedence)
        }
        // token               prefix                          infix                                  precedence
        row(.identifier,       { p, t in try p.nameOrLambda(t) }, nil,                                  .none)
        row(.int,              { p, t in p.literal(t) },       nil,                                   .none)
        row(.float,            { p, t in p.literal(t) },       nil,                                   .none)
        row(.string,           { p, t in try p.string(t) },    nil,                                   .none)
        row(.kwTrue,           { p, t in p.literal(t) },       nil,                                   .none)
        row(.kwFalse,          { p, t in p.literal(t) },       nil,                                   .none)
        row(.kwNil,            { p, t in p.literal(t) },       nil,                                   .none)
        row(.kwFn,             { p, t in try p.functionLiteral(t) }, nil,                             .none)
        row(.lparen,           { p, t in try p.groupOrLambda(t) }, { p, l, t in try p.call(l, t) },   .postfix)
        row(.lbracket,         { p, t in try p.listLiteral(t) }, { p, l, t in try p.index(l, t, optional: false) }, .postfix)
        row(.lbrace,           { p, t in try p.mapLiteral(t) }, nil,                                  .none)
        row(.dot,              nil,                            { p, l, t in try p.member(l, t) },     .postfix)
        row(.questionDot,      nil,                            { p, l, t in try p.optionalMember(l, t) }, .postfix)
        row(.minus,            { p, t in try p.unary(.negate, t) }, binary(.subtract),                .term)
        row(.bang,             { p, t in try p.unary(.not, t) }, nil,                                 .none)
        row(.plus,             nil,                            binary(.add),                          .term)
        row(.star,             nil,                            binary(.multiply),                     .factor)
        row(.slash,            nil,                            binary(.divide),                       .factor)
        row(.slashSlash,       nil,                            binary(.floorDivide),                  .factor)
        row(.percent,          nil,                            binary(.modulo),                       .factor)
        row(.dotDot,           nil,                            { p, l, t in try p.range(l, t, inclusive: true) }, .range)
        row(.dotDotLess,       nil,                            { p, l, t in try p.range(l, t, inclusive: false) }, .range)
        row(.equal,            nil,                            binary(.equal),                        .comparison)
        row(.notEqual,         nil,                            binary(.notEqual),                     .comparison)
        row(.less,             nil,                            binary(.less),                         .comparison)
        row(.lessEqual,        nil,                            binary(.lessEqual),                    .comparison)
        row(.greater,          nil,                            binary(.greater),                      .comparison)
        row(.greaterEqual,     nil,                            binary(.greaterEqual),                 .comparison)
        row(.kwIn,             nil,                            binary(.contains),                     .comparison)
        row(.notIn,            nil,                            binary(.notContains),                  .comparison)
        row(.match,            nil,                            binary(.match),                        .comparison)
        row(.andAnd,           nil,                            binary(.and),                          .and)
        row(.orOr,             nil,                            binary(.or),                           .or)
        row(.questionQuestion, nil,                            binary(.coalesce),                     .coalesce)
        row(.pipe,             nil,                            { p, l, t in try p.pipe(l, t) },       .pipe)
        return table
    }()

    @inline(__always) private func rule(_ kind: TokenKind) -> ParseRule { Parser.rules[Int(kind.rawValue)] }

    // MARK: - Token helpers

    private var current: Token { tokens[pos] }
    private func peekKind(_ offset: Int = 0) -> TokenKind {
        let i = pos + offset
        return i < tokens.count ? tokens[i].kind : .eof
    }

    @discardableResult
    private func advance() -> Token {
        let t = tokens[pos]
        if t.kind != .eof { pos += 1 }
        lastSpan = t.span
        return t
    }

    private func check(_ kind: TokenKind) -> Bool { current.kind == kind }

    private func match(_ kind: TokenKind) -> Bool {
        if check(kind) { advance(); return true }
        return false
    }

    func error(_ message: String, at token: Token) -> DshError {
        let incomplete = token.kind == .eof && !isInterpolation
        return DshError(.syntax, message, span: token.span, isIncompleteInput: incomplete)
    }

    private func describe(_ t: Token) -> String {
        switch t.kind {
        case .identifier: return "'\(t.name)'"
        case .int, .float, .string: return t.kind.display
        default: return t.kind.display
        }
    }

    @discardableResult
    private func expect(_ kind: TokenKind, _ what: String) throws -> Token {
        guard check(kind) else { throw error("expected \(what), found \(describe(current))", at: current) }
        return advance()
    }

    /// Requires the bracket that closes `open`.
    @discardableResult
    private func expectClose(_ kind: TokenKind, _ open: Token) throws -> Token {
        guard check(kind) else {
            throw error("expected \(kind.display) to close \(open.kind.display) at \(open.span.line):\(open.span.column), found \(describe(current))", at: current)
        }
        return advance()
    }

    private func skipNewlines() {
        while check(.newline) { advance() }
    }

    private func enter() throws {
        depth += 1
        if depth > Parser.maxNesting { throw DshError(.syntax, "nesting too deep (more than \(Parser.maxNesting) levels)", span: current.span) }
    }

    private func identifierName(_ what: String, strict: Bool = false) throws -> (String, SourceSpan) {
        if strict, !check(.identifier) { throw error("expected \(what)", at: current) }
        let t = try expect(.identifier, what)
        return (t.name, t.span)
    }

    // MARK: - Statements

    func parseProgram() throws -> [Stmt] {
        var out: [Stmt] = []
        while true {
            while check(.newline) || check(.semicolon) { advance() }
            if check(.eof) { return out }
            if check(.rbrace) { throw error("unexpected '}'", at: current) }
            out.append(try statement())
        }
    }

    private func block() throws -> [Stmt] {
        try expect(.lbrace, "'{'")
        try enter()
        defer { depth -= 1 }
        var out: [Stmt] = []
        while true {
            while check(.newline) || check(.semicolon) { advance() }
            if match(.rbrace) { return out }
            if check(.eof) { throw error("expected '}' to close the block", at: current) }
            out.append(try statement())
        }
    }

    /// Requires the end of a statement: a newline, `;`, `}` or the end of input.
    private func endStatement() throws {
        switch current.kind {
        case .newline, .semicolon: advance()
        case .rbrace, .eof: break
        default:
            throw error("expected a newline or ';' after the statement, found \(describe(current))", at: current)
        }
    }

    /// Whether the next non-newline token is `kind`; if so, skips the newlines.
    private func nextAfterNewlines(is kind: TokenKind) -> Bool {
        var i = pos
        while i < tokens.count, tokens[i].kind == .newline { i += 1 }
        if i < tokens.count, tokens[i].kind == kind { pos = i; return true }
        return false
    }

    func statement() throws -> Stmt {
        try enter()
        defer { depth -= 1 }
        let start = current
        switch start.kind {
        case .kwLet, .kwVar:
            advance()
            var names = [try identifierName("a name after \(start.kind.display)")]
            while match(.comma) { names.append(try identifierName("a name")) }
            var value: Expr?
            if match(.assign) {
                value = try expression()
            } else if start.kind == .kwLet {
                throw error("expected '=' after 'let \(names[0].0)': a constant needs a value", at: current)
            } else if names.count > 1 {
                throw error("expected '=' after the names", at: current)
            }
            let s = Stmt(.declare(constant: start.kind == .kwLet, names: names, value: value), start.span.through(lastSpan))
            try endStatement()
            return s
        case .kwFn where peekKind(1) == .identifier:
            advance()
            let (name, _) = try identifierName("a function name")
            let fnode = try functionRest(name: name, start: start.span)
            return Stmt(.function(fnode), start.span.through(lastSpan))
        case .kwIf:
            return try ifStatement()
        case .kwWhile:
            advance()
            let cond = try expression()
            let body = try block()
            return Stmt(.whileLoop(cond, body), start.span.through(lastSpan))
        case .kwFor:
            advance()
            var names = [try identifierName("a loop variable after 'for'")]
            if match(.comma) { names.append(try identifierName("a second loop variable")) }
            try expect(.kwIn, "'in'")
            let iterable = try expression()
            let body = try block()
            return Stmt(.forLoop(names: names, iterable, body), start.span.through(lastSpan))
        case .kwBreak:
            advance()
            try endStatement()
            return Stmt(.breakLoop, start.span)
        case .kwContinue:
            advance()
            try endStatement()
            return Stmt(.continueLoop, start.span)
        case .kwReturn:
            advance()
            var value: Expr?
            if ![.newline, .semicolon, .rbrace, .eof].contains(current.kind) { value = try expression() }
            let s = Stmt(.returnValue(value), start.span.through(lastSpan))
            try endStatement()
            return s
        case .kwDefer:
            advance()
            let body = try block()
            return Stmt(.deferBlock(body), start.span.through(lastSpan))
        case .kwTry:
            advance()
            let body = try block()
            guard nextAfterNewlines(is: .kwCatch) else { throw error("expected 'catch' after the 'try' block", at: current) }
            advance()
            var name: (String, SourceSpan)?
            if check(.identifier) { name = try identifierName("a name") }
            let handler = try block()
            return Stmt(.tryCatch(body, catchName: name, handler), start.span.through(lastSpan))
        case .kwThrow:
            advance()
            let value = try expression()
            let s = Stmt(.throwValue(value), start.span.through(lastSpan))
            try endStatement()
            return s
        case .kwImport:
            advance()
            let pathTok = try expect(.string, "a module name in quotes after 'import'")
            guard case .parts(let parts) = pathTok.payload, parts.count == 1, case .text(let path) = parts[0] else {
                throw error("the module name must be a plain string", at: pathTok)
            }
            var alias: (String, SourceSpan)
            if match(.kwAs) {
                alias = try identifierName("a name after 'as'")
            } else {
                var base = Substring(path)
                if let slash = base.lastIndex(of: "/") { base = base[base.index(after: slash)...] }
                if base.hasSuffix(".dsh") { base = base.dropLast(4) }
                let ok = !base.isEmpty && base.unicodeScalars.allSatisfy { $0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0) }
                    && !("0"..."9").contains(base.unicodeScalars.first!)
                guard ok else { throw error("cannot make a name from module \"\(path)\": use 'import \"\(path)\" as name'", at: pathTok) }
                alias = (String(base), pathTok.span)
            }
            let s = Stmt(.importModule(path: path, pathSpan: pathTok.span, alias: alias), start.span.through(lastSpan))
            try endStatement()
            return s
        case .lbrace where !startsMapLiteral():
            let body = try block()
            return Stmt(.block(body), start.span.through(lastSpan))
        case .rbrace:
            throw error("unexpected \(start.kind.display)", at: start)
        default:
            let target = try expression()
            let op: BinaryOp??
            switch current.kind {
            case .assign: op = .some(nil)
            case .plusAssign: op = .add
            case .minusAssign: op = .subtract
            case .starAssign: op = .multiply
            case .slashAssign: op = .divide
            case .percentAssign: op = .modulo
            default: op = nil
            }
            if let op {
                let opTok = advance()
                switch target.kind {
                case .name, .member(_, _, optional: false, _), .index(_, _, optional: false): break
                default: throw error("cannot assign to this expression", at: Token(kind: opTok.kind, span: target.span))
                }
                let value = try expression()
                let s = Stmt(.assign(target: target, op: op, value: value), target.span.through(lastSpan))
                try endStatement()
                return s
            }
            let s = Stmt(.expression(target), target.span)
            try endStatement()
            return s
        }
    }

    private func ifStatement() throws -> Stmt {
        let start = advance()
        let cond = try expression()
        let then = try block()
        var otherwise: [Stmt]?
        if nextAfterNewlines(is: .kwElse) {
            advance()
            if check(.kwIf) {
                try enter()
                defer { depth -= 1 }
                otherwise = [try ifStatement()]
            } else {
                otherwise = try block()
            }
        }
        return Stmt(.ifElse(cond, then, otherwise), start.span.through(lastSpan))
    }

    /// Whether the `{` here (at a statement's start) opens a map literal rather than a block:
    /// `{}` or `{name: ...`, `{"key": ...` (a REPL entry like `{a: 1}` shows the map).
    private func startsMapLiteral() -> Bool {
        let k1 = peekKind(1)
        if k1 == .rbrace { return true }
        return (k1 == .identifier || k1 == .string) && peekKind(2) == .colon
    }

    // MARK: - Functions

    /// Parses `(params) { body }` after `fn` (and its name).
    private func functionRest(name: String, start: SourceSpan) throws -> FunctionNode {
        try expect(.lparen, "'(' to start the parameter list")
        let params = try parameterList()
        let body = try block()
        return FunctionNode(name: name, params: params, body: body, span: start.through(lastSpan))
    }

    /// Parameters after `(`, through `)`.
    private func parameterList() throws -> [Parameter] {
        var params: [Parameter] = []
        while !check(.rparen) {
            let (name, span) = try identifierName("a parameter name")
            if params.contains(where: { $0.name == name }) {
                throw DshError(.syntax, "duplicate parameter '\(name)'", span: span)
            }
            var def: Expr?
            if match(.assign) { def = try expression() }
            params.append(Parameter(name: name, span: span, defaultValue: def))
            if !match(.comma) { break }
        }
        try expect(.rparen, "')' to close the parameter list")
        return params
    }

    /// A lambda body after `=>`: a block or an expression.
    private func lambdaBody() throws -> [Stmt] {
        // `x => {name: ...}` returns a map; any other `{` opens a block.
        if check(.lbrace), !(startsMapLiteral() && peekKind(1) != .rbrace) { return try block() }
        let e = try expression()
        return [Stmt(.returnValue(e), e.span)]
    }

    // MARK: - Expressions

    /// Parses an expression binding at least as tightly as `minimum`.
    func expression(_ minimum: Precedence = .pipe) throws -> Expr {
        try enter()
        defer { depth -= 1 }
        let tok = advance()
        guard let prefix = rule(tok.kind).prefix else {
            throw error("expected an expression, found \(describe(tok))", at: tok)
        }
        var left = try checkHeight(try prefix(self, tok))
        var chainHasOptional = false
        while true {
            let r = rule(current.kind)
            guard let infix = r.infix, minimum <= r.precedence else { break }
            if r.precedence != .postfix, chainHasOptional {
                left = Expr(.optionalChain(left), left.span)
                chainHasOptional = false
            }
            let opTok = advance()
            left = try checkHeight(try infix(self, left, opTok))
            if opTok.kind == .questionDot { chainHasOptional = true }
        }
        if chainHasOptional { left = try checkHeight(Expr(.optionalChain(left), left.span)) }
        return left
    }

    /// Refuses a tree taller than `maxExpressionHeight` (see there).
    private func checkHeight(_ e: Expr) throws -> Expr {
        guard e.height <= Parser.maxExpressionHeight else {
            throw DshError(.syntax, "expression too long or nested too deeply (more than \(Parser.maxExpressionHeight) levels): split it into several statements", span: e.span)
        }
        return e
    }

    fileprivate func literal(_ t: Token) -> Expr {
        switch t.kind {
        case .kwTrue: return Expr(.bool(true), t.span)
        case .kwFalse: return Expr(.bool(false), t.span)
        case .int: if case .int(let v) = t.payload { return Expr(.int(v), t.span) }
        case .float: if case .float(let v) = t.payload { return Expr(.float(v), t.span) }
        default: break
        }
        return Expr(.null, t.span)
    }

    fileprivate func string(_ t: Token) throws -> Expr {
        guard case .parts(let parts) = t.payload else { return Expr(.string(""), t.span) }
        if parts.count == 1, case .text(let s) = parts[0] { return Expr(.string(s), t.span) }
        var out: [InterpolationPart] = []
        for part in parts {
            switch part {
            case .text(let s): out.append(.text(s))
            case .code(let toks, _):
                let sub = Parser(file: file, tokens: toks, depth: depth, isInterpolation: true)
                let e = try sub.expression()
                if !sub.check(.eof) { throw sub.error("expected '}' to close the interpolation, found \(sub.describe(sub.current))", at: sub.current) }
                out.append(.expr(e))
            }
        }
        return Expr(.interpolation(out), t.span)
    }

    fileprivate func nameOrLambda(_ t: Token) throws -> Expr {
        if check(.arrow) {
            advance()
            let param = Parameter(name: t.name, span: t.span, defaultValue: nil)
            let body = try lambdaBody()
            return Expr(.function(FunctionNode(name: "<lambda>", params: [param], body: body, span: t.span.through(lastSpan))),
                        t.span.through(lastSpan))
        }
        return Expr(.name(NameRef(t.name)), t.span)
    }

    fileprivate func functionLiteral(_ t: Token) throws -> Expr {
        var name = "<lambda>"
        if check(.identifier) { name = advance().name }
        let f = try functionRest(name: name, start: t.span)
        return Expr(.function(f), f.span)
    }

    /// Whether the `(` just consumed starts a lambda's parameter list: `(a, b) =>`.
    private func parenStartsLambda() -> Bool {
        var i = pos
        var level = 0
        while i < tokens.count {
            switch tokens[i].kind {
            case .lparen, .lbracket, .lbrace: level += 1
            case .rparen, .rbracket, .rbrace:
                if level == 0 { return i + 1 < tokens.count && tokens[i + 1].kind == .arrow }
                level -= 1
            case .eof: return false
            default: break
            }
            i += 1
        }
        return false
    }

    fileprivate func groupOrLambda(_ t: Token) throws -> Expr {
        if parenStartsLambda() {
            let params = try parameterList()
            try expect(.arrow, "'=>'")
            let body = try lambdaBody()
            return Expr(.function(FunctionNode(name: "<lambda>", params: params, body: body, span: t.span.through(lastSpan))),
                        t.span.through(lastSpan))
        }
        let inner = try expression()
        try expectClose(.rparen, t)
        return Expr(inner.kind, t.span.through(lastSpan))
    }

    fileprivate func listLiteral(_ t: Token) throws -> Expr {
        var items: [Expr] = []
        skipNewlines()
        while !check(.rbracket) {
            items.append(try expression())
            skipNewlines()
            if !match(.comma) { break }
            skipNewlines()
        }
        try expectClose(.rbracket, t)
        return Expr(.list(items), t.span.through(lastSpan))
    }

    fileprivate func mapLiteral(_ t: Token) throws -> Expr {
        var entries: [(MapKey, Expr)] = []
        skipNewlines()
        while !check(.rbrace) {
            let keyTok = current
            let key: MapKey
            if keyTok.kind == .identifier {
                advance()
                key = .name(keyTok.name)
            } else if TokenKind.keywords.values.contains(keyTok.kind) {
                advance()
                key = .name(String(keyTok.kind.display.dropFirst().dropLast()))
            } else if keyTok.kind == .string {
                advance()
                let e = try string(keyTok)
                if case .string(let s) = e.kind { key = .name(s) } else { key = .computed(e) }
            } else if keyTok.kind == .lbracket {
                advance()
                key = .computed(try expression())
                try expect(.rbracket, "']' after the computed key")
            } else if keyTok.kind == .int {
                advance()
                if case .int(let v) = keyTok.payload { key = .name(String(v)) } else { key = .name("") }
            } else {
                throw error("expected a map key (a name, a string or [expression]), found \(describe(keyTok))", at: keyTok)
            }
            try expect(.colon, "':' after the map key")
            skipNewlines()
            let value = try expression()
            entries.append((key, value))
            skipNewlines()
            if !match(.comma) { break }
            skipNewlines()
        }
        try expectClose(.rbrace, t)
        return Expr(.map(entries), t.span.through(lastSpan))
    }

    fileprivate func unary(_ op: UnaryOp, _ t: Token) throws -> Expr {
        let operand = try expression(.unary)
        let span = t.span.through(operand.span)
        if op == .negate {
            if case .int(let v) = operand.kind { return Expr(.int(-v), span) }
            if case .float(let v) = operand.kind { return Expr(.float(-v), span) }
        }
        return Expr(.unary(op, operand), span)
    }

    fileprivate func binaryOperator(_ op: BinaryOp, _ left: Expr, _ t: Token) throws -> Expr {
        let prec = rule(t.kind).precedence
        let right = try expression(prec.next)
        return Expr(.binary(op, left, right), left.span.through(right.span))
    }

    fileprivate func range(_ left: Expr, _ t: Token, inclusive: Bool) throws -> Expr {
        let right = try expression(Precedence.range.next)
        return Expr(.range(left, right, inclusive: inclusive), left.span.through(right.span))
    }

    fileprivate func pipe(_ left: Expr, _ t: Token) throws -> Expr {
        let right = try expression(Precedence.pipe.next)
        if case .call(let callee, let args) = right.kind {
            return Expr(.call(callee, [CallArgument(name: nil, value: left)] + args), right.span)
        }
        return Expr(.call(right, [CallArgument(name: nil, value: left)]), right.span)
    }

    fileprivate func call(_ callee: Expr, _ t: Token) throws -> Expr {
        var args: [CallArgument] = []
        var seenNamed = false
        skipNewlines()
        while !check(.rparen) {
            if check(.identifier), peekKind(1) == .colon {
                let name = advance().name
                advance()
                if args.contains(where: { $0.name == name }) {
                    throw DshError(.syntax, "argument '\(name)' given twice", span: lastSpan)
                }
                args.append(CallArgument(name: name, value: try expression()))
                seenNamed = true
            } else {
                let e = try expression()
                if seenNamed { throw DshError(.syntax, "a positional argument cannot follow a named one", span: e.span) }
                args.append(CallArgument(name: nil, value: e))
            }
            skipNewlines()
            if !match(.comma) { break }
            skipNewlines()
        }
        try expect(.rparen, "')' to close the argument list")
        return Expr(.call(callee, args), callee.span.through(lastSpan))
    }

    fileprivate func index(_ target: Expr, _ t: Token, optional: Bool) throws -> Expr {
        var lower: Expr?
        if !check(.colon) { lower = try expression() }
        if match(.colon) {
            var upper: Expr?
            if !check(.rbracket) { upper = try expression() }
            try expectClose(.rbracket, t)
            return Expr(.slice(target, lower, upper, optional: optional), target.span.through(lastSpan))
        }
        try expectClose(.rbracket, t)
        return Expr(.index(target, lower!, optional: optional), target.span.through(lastSpan))
    }

    private func memberName() throws -> String {
        let t = current
        if t.kind == .identifier { advance(); return t.name }
        if TokenKind.keywords.values.contains(t.kind) { advance(); return String(t.kind.display.dropFirst().dropLast()) }
        throw error("expected a member name after '.', found \(describe(t))", at: t)
    }

    fileprivate func member(_ target: Expr, _ t: Token) throws -> Expr {
        let name = try memberName()
        return Expr(.member(target, name, optional: false, nameSpan: t.span.through(lastSpan)), target.span.through(lastSpan))
    }

    fileprivate func optionalMember(_ target: Expr, _ t: Token) throws -> Expr {
        if match(.lbracket) { return try index(target, t, optional: true) }
        let name = try memberName()
        return Expr(.member(target, name, optional: true, nameSpan: t.span.through(lastSpan)), target.span.through(lastSpan))
    }
}
