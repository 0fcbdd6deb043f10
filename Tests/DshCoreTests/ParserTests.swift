// ParserTests.swift: precedence, statements, lambdas, pipes, errors and limits.
import Testing
@testable import DshCore

private func parse(_ s: String) throws -> [Stmt] {
    try Parser.parse(SourceFile(name: "t", text: s)).statements
}

/// A compact rendering of an expression, to check the tree's shape.
private func show(_ e: Expr) -> String {
    switch e.kind {
    case .null: return "nil"
    case .bool(let b): return "\(b)"
    case .int(let i): return "\(i)"
    case .float(let d): return "\(d)"
    case .string(let s): return "\"\(s)\""
    case .interpolation: return "interp"
    case .name(let r): return r.name
    case .list(let xs): return "[" + xs.map(show).joined(separator: " ") + "]"
    case .map(let es): return "{" + es.map { k, v in
        if case .name(let n) = k { return "\(n):\(show(v))" }
        return "?:\(show(v))"
    }.joined(separator: " ") + "}"
    case .unary(let op, let x): return "(\(op == .negate ? "-" : "!")\(show(x)))"
    case .binary(let op, let l, let r): return "(\(show(l)) \(op.symbol) \(show(r)))"
    case .range(let l, let r, let inc): return "(\(show(l))\(inc ? ".." : "..<")\(show(r)))"
    case .call(let f, let args): return "\(show(f))(" + args.map { ($0.name.map { "\($0): " } ?? "") + show($0.value) }.joined(separator: ", ") + ")"
    case .index(let o, let i, let opt): return "\(show(o))\(opt ? "?." : "")[\(show(i))]"
    case .slice(let o, let a, let b, _): return "\(show(o))[\(a.map(show) ?? ""):\(b.map(show) ?? "")]"
    case .member(let o, let n, let opt, _): return "\(show(o))\(opt ? "?." : ".")\(n)"
    case .optionalChain(let x): return "chain(\(show(x)))"
    case .function(let f): return "fn/\(f.params.count)"
    }
}

private func expr(_ s: String) throws -> String {
    let stmts = try parse(s)
    guard stmts.count == 1, case .expression(let e) = stmts[0].kind else { return "not an expression" }
    return show(e)
}

@Suite struct ParserTests {
    @Test func precedence() throws {
        #expect(try expr("1 + 2 * 3") == "(1 + (2 * 3))")
        #expect(try expr("a || b && c") == "(a || (b && c))")
        #expect(try expr("a ?? b || c") == "(a ?? (b || c))")
        #expect(try expr("1 + 2 == 3") == "((1 + 2) == 3)")
        #expect(try expr("a in xs && b") == "((a in xs) && b)")
        #expect(try expr("1 + 1..2 + 2") == "((1 + 1)..(2 + 2))")
        #expect(try expr("-a.b[0]") == "(-a.b[0])")
        #expect(try expr("10 - 4 - 3") == "((10 - 4) - 3)")
        #expect(try expr("!a == b") == "((!a) == b)")
    }

    @Test func pipesBecomeCalls() throws {
        #expect(try expr("xs | f") == "f(xs)")
        #expect(try expr("xs | f(1, b: 2)") == "f(xs, 1, b: 2)")
        #expect(try expr("xs | filter(x => x > 1) | sum") == "sum(filter(xs, fn/1))")
        #expect(try expr("a + b | len") == "len((a + b))")
        #expect(try expr("5 | x => x") == "fn/1(5)")
    }

    @Test func literalsAndPostfix() throws {
        #expect(try expr("{name: 1, \"Key-2\": 2, [k]: 3,}") == "{name:1 Key-2:2 ?:3}")
        #expect(try expr("[1, 2,]") == "[1 2]")
        #expect(try expr("s[1:2]") == "s[1:2]")
        #expect(try expr("s[:2]") == "s[:2]")
        #expect(try expr("s[-3:]") == "s[-3:]")
        #expect(try expr("a?.b.c + 1") == "(chain(a?.b.c) + 1)")
        #expect(try expr("a?.[0]") == "chain(a?.[0])")
    }

    @Test func lambdaForms() throws {
        #expect(try expr("x => x * 2") == "fn/1")
        #expect(try expr("(a, b) => a + b") == "fn/2")
        #expect(try expr("() => 1") == "fn/0")
        #expect(try expr("(a, b = 2) => { return a }") == "fn/2")
        #expect(try expr("(1 + 2)") == "(1 + 2)")
        #expect(try expr("fn(a) { return a }") == "fn/1")
    }

    @Test func statements() throws {
        let s = try parse("""
            let a, b = [1, 2]
            var c
            fn f(x, y = 1) { return x }
            if a { } else if b { } else { }
            while false { break }
            for k, v in m { continue }
            defer { print(1) }
            try { throw "x" } catch e { }
            try { } catch { }
            import "lib/x" as y
            c += 2
            m.x = 1
            l[0] = 2
            """)
        #expect(s.count == 13)
        guard case .declare(true, let names, _) = s[0].kind else { Issue.record("declare"); return }
        #expect(names.map(\.0) == ["a", "b"])
        guard case .assign(_, .add, _) = s[10].kind else { Issue.record("compound"); return }
    }

    @Test func elseOnTheNextLine() throws {
        #expect(try parse("if a {\n}\nelse {\n}").count == 1)
    }

    @Test func errorsAndIncompleteInput() {
        func err(_ s: String) -> DshError? {
            do { _ = try parse(s); return nil } catch { return error as? DshError }
        }
        #expect(err("f(1,")?.isIncompleteInput == true)
        #expect(err("if x {")?.isIncompleteInput == true)
        #expect(err("1 +")?.isIncompleteInput == true)
        #expect(err("[1, 2")?.isIncompleteInput == true)
        #expect(err("1 + * 2")?.isIncompleteInput == false)
        #expect(err("let a = 1 let b = 2")?.message == "expected a newline or ';' after the statement, found 'let'")
        let e = err("x = 1 +* 2")
        #expect(e?.span?.column == 8)
        #expect(err("1 + 2 = 3")?.message == "cannot assign to this expression")
        #expect(err("fn f(a, a) {}")?.message == "duplicate parameter 'a'")
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        for open in ["[", "(", "{a: "] {
            let src = String(repeating: open, count: 10_000)
            do {
                _ = try parse("x = " + src)
                Issue.record("no error")
            } catch let e as DshError {
                #expect(e.message.hasPrefix("nesting too deep"))
            } catch {
                Issue.record("\(error)")
            }
        }
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: Never.self) { try parse("x = " + ok) }
    }
}
