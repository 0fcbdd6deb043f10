// Token.swift: the tokens the lexer produces and the parser consumes.

/// The kind of a token. The raw value indexes the parser's rule table.
public enum TokenKind: UInt8, CaseIterable, Sendable {
    /// Structure: the end of the input, a line break, `;`.
    case eof, newline, semicolon
    /// Literals and names: a name, an integer, a float, a string (with its interpolation parts).
    case identifier, int, float, string
    /// Keywords: `let`, `var`, `fn`, `if`, `else`, `while`, `for`, `in`, `break`, `continue`.
    case kwLet, kwVar, kwFn, kwIf, kwElse, kwWhile, kwFor, kwIn, kwBreak, kwContinue
    /// Keywords: `return`, `defer`, `try`, `catch`, `throw`, `import`, `as`, `true`, `false`, `nil`.
    case kwReturn, kwDefer, kwTry, kwCatch, kwThrow, kwImport, kwAs, kwTrue, kwFalse, kwNil
    /// Brackets: `(`, `)`, `[`, `]`, `{`, `}`.
    case lparen, rparen, lbracket, rbracket, lbrace, rbrace
    /// Punctuation: `,`, `:`, `.`, `?.`, `=>`.
    case comma, colon, dot, questionDot, arrow
    /// Assignment: `=`, `+=`, `-=`, `*=`, `/=`, `%=`.
    case assign, plusAssign, minusAssign, starAssign, slashAssign, percentAssign
    /// Operators: `|`, `||`, `&&`, `??`.
    case pipe, orOr, andAnd, questionQuestion
    /// Comparisons: `==`, `!=`, `<`, `<=`, `>`, `>=`, `=~`, `not in`.
    case equal, notEqual, less, lessEqual, greater, greaterEqual, match, notIn
    /// Ranges: `..`, `..<`.
    case dotDot, dotDotLess
    /// Arithmetic and negation: `+`, `-`, `*`, `/`, `//`, `%`, `!`.
    case plus, minus, star, slash, slashSlash, percent, bang

    /// How the token reads in messages ("')'", "end of input").
    public var display: String {
        switch self {
        case .eof: return "end of input"
        case .newline: return "newline"
        case .semicolon: return "';'"
        case .identifier: return "a name"
        case .int: return "an integer"
        case .float: return "a float"
        case .string: return "a string"
        case .kwLet: return "'let'"
        case .kwVar: return "'var'"
        case .kwFn: return "'fn'"
        case .kwIf: return "'if'"
        case .kwElse: return "'else'"
        case .kwWhile: return "'while'"
        case .kwFor: return "'for'"
        case .kwIn: return "'in'"
        case .kwBreak: return "'break'"
        case .kwContinue: return "'continue'"
        case .kwReturn: return "'return'"
        case .kwDefer: return "'defer'"
        case .kwTry: return "'try'"
        case .kwCatch: return "'catch'"
        case .kwThrow: return "'throw'"
        case .kwImport: return "'import'"
        case .kwAs: return "'as'"
        case .kwTrue: return "'true'"
        case .kwFalse: return "'false'"
        case .kwNil: return "'nil'"
        case .lparen: return "'('"
        case .rparen: return "')'"
        case .lbracket: return "'['"
        case .rbracket: return "']'"
        case .lbrace: return "'{'"
        case .rbrace: return "'}'"
        case .comma: return "','"
        case .colon: return "':'"
        case .dot: return "'.'"
        case .questionDot: return "'?.'"
        case .arrow: return "'=>'"
        case .assign: return "'='"
        case .plusAssign: return "'+='"
        case .minusAssign: return "'-='"
        case .starAssign: return "'*='"
        case .slashAssign: return "'/='"
        case .percentAssign: return "'%='"
        case .pipe: return "'|'"
        case .orOr: return "'||'"
        case .andAnd: return "'&&'"
        case .questionQuestion: return "'??'"
        case .equal: return "'=='"
        case .notEqual: return "'!='"
        case .less: return "'<'"
        case .lessEqual: return "'<='"
        case .greater: return "'>'"
        case .greaterEqual: return "'>='"
        case .match: return "'=~'"
        case .notIn: return "'not in'"
        case .dotDot: return "'..'"
        case .dotDotLess: return "'..<'"
        case .plus: return "'+'"
        case .minus: return "'-'"
        case .star: return "'*'"
        case .slash: return "'/'"
        case .slashSlash: return "'//'"
        case .percent: return "'%'"
        case .bang: return "'!'"
        }
    }

    /// Whether a newline right after this token continues the statement (binary
    /// operators, `|`, `,`, `=`, `=>`, opening brackets, `.`, `:`).
    var continuesLine: Bool {
        switch self {
        case .comma, .colon, .dot, .questionDot, .arrow, .lparen, .lbracket, .lbrace,
             .assign, .plusAssign, .minusAssign, .starAssign, .slashAssign, .percentAssign,
             .pipe, .orOr, .andAnd, .questionQuestion, .equal, .notEqual, .less, .lessEqual,
             .greater, .greaterEqual, .match, .notIn, .kwIn, .dotDot, .dotDotLess,
             .plus, .minus, .star, .slash, .slashSlash, .percent, .bang:
            return true
        default:
            return false
        }
    }

    /// The keyword spelled `word`, if any.
    static let keywords: [String: TokenKind] = [
        "let": .kwLet, "var": .kwVar, "fn": .kwFn, "if": .kwIf, "else": .kwElse,
        "while": .kwWhile, "for": .kwFor, "in": .kwIn, "break": .kwBreak,
        "continue": .kwContinue, "return": .kwReturn, "defer": .kwDefer, "try": .kwTry,
        "catch": .kwCatch, "throw": .kwThrow, "import": .kwImport, "as": .kwAs,
        "true": .kwTrue, "false": .kwFalse, "nil": .kwNil,
    ]
}

/// One piece of a string literal: literal text, or the tokens of a `${...}`.
public enum StringPart: Sendable {
    /// Literal text (escapes already applied).
    case text(String)
    /// The tokens of an interpolated expression (ending with `.eof`), and where it is.
    case code([Token], SourceSpan)
}

/// What a token carries besides its kind.
public enum TokenPayload: Sendable {
    /// Nothing.
    case none
    /// An integer literal's value.
    case int(Int)
    /// A float literal's value.
    case float(Double)
    /// An identifier's name.
    case name(String)
    /// A string literal's pieces.
    case parts([StringPart])
}

/// A token: its kind, where it is, and its payload.
public struct Token: Sendable {
    /// The kind.
    public let kind: TokenKind
    /// Where it starts and ends.
    public let span: SourceSpan
    /// The literal value or name.
    public let payload: TokenPayload
    /// Whether whitespace or a newline came right before it.
    public let spaceBefore: Bool

    /// Makes a token.
    public init(kind: TokenKind, span: SourceSpan, payload: TokenPayload = .none, spaceBefore: Bool = false) {
        self.kind = kind
        self.span = span
        self.payload = payload
        self.spaceBefore = spaceBefore
    }

    /// The identifier's name ("" for other tokens).
    public var name: String {
        if case .name(let n) = payload { return n }
        return ""
    }
}
