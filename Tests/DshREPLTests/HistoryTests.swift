// HistoryTests.swift: the history file: bounded, no duplicates in a row,
// multi-line entries whole, secrets redacted.
import Testing
@testable import DshREPL
#if canImport(Glibc)
import Glibc
#endif

private func tempPath(_ name: String) -> String { "/tmp/dsh-hist-\(getpid())-\(name)" }

@Test func historyPersistsAcrossSessions() {
    let path = tempPath("persist")
    defer { remove(path) }
    do {
        let h = History(path: path, size: 10)
        h.add("let x = 1")
        h.add("let x = 1")  // same as the previous one: kept once
        h.add("fn f() {\n  1\n}")
        h.add("   ")  // blank: skipped
        #expect(h.count == 2)
    }
    let again = History(path: path, size: 10)
    #expect(again.count == 2)
    #expect(again.entry(0) == "fn f() {\n  1\n}")
    #expect(again.entry(1) == "let x = 1")
    var st = stat()
    #expect(stat(path, &st) == 0 && (st.st_mode & 0o077) == 0)
}

@Test func historyIsBounded() {
    let h = History(path: nil, size: 3)
    for i in 0..<10 { h.add("entry \(i)") }
    #expect(h.count == 3)
    #expect(h.entry(0) == "entry 9")
    #expect(h.entry(2) == "entry 7")
}

@Test func secretsAreRedacted() {
    #expect(History.redact("docker.images.push(\"x\", auth: {username: \"u\", password: \"s3cr\\\"et\"})")
            == "docker.images.push(\"x\", auth: {username: \"u\", password: \"***\"})")
    #expect(History.redact("login({\"token\": 'abc', n: 1})") == "login({\"token\": \"***\", n: 1})")
    #expect(History.redact("let password = read_file(\"p\")") == "let password = read_file(\"p\")")
    #expect(History.redact("print(1)") == "print(1)")
}

@Test func secretsInMultiLineStringsAreRedactedWhole() {
    // A `"""` string after a secret key: the whole literal goes, the rest stays.
    #expect(History.redact("let n = {password: \"\"\"\nsecret\n\"\"\"}") == "let n = {password: \"***\"}")
    #expect(History.redact("login(token: \"\"\"\n  a\\\"\"\"b \"\" c\n  \"\"\", user: \"u\")")
            == "login(token: \"***\", user: \"u\")")
    // The key and the literal on different lines.
    #expect(History.redact("f({secret:\n  \"x\"})") == "f({secret:\n  \"***\"})")
    // An unterminated literal (a history entry cut short) loses everything after the key.
    #expect(History.redact("x = {auth: \"\"\"\nleak") == "x = {auth: \"***\"")
    // What reaches the file holds no secret.
    let path = tempPath("multiline-secret")
    defer { remove(path) }
    let h = History(path: path, size: 10)
    h.add("let n = {password: \"\"\"\nhunter2\n\"\"\"}")
    let fd = open(path, O_RDONLY)
    var bytes = [UInt8](repeating: 0, count: 4096)
    let n = read(fd, &bytes, 4096)
    close(fd)
    let file = String(decoding: bytes[0..<max(0, n)], as: UTF8.self)
    #expect(!file.contains("hunter2"))
    #expect(file.contains("password:"))
    #expect(h.entry(0) == "let n = {password: \"***\"}")
}

@Test func sideBySideSessionsKeepEachOthersEntries() {
    let path = tempPath("shared")
    defer { remove(path) }
    let a = History(path: path, size: 10)
    let b = History(path: path, size: 10)
    a.add("from a")
    b.add("from b \\ with\ttab and \"quotes\" and é")
    a.add("line1\nline2")
    let c = History(path: path, size: 10)
    #expect(c.count == 3)
    #expect(c.entry(0) == "line1\nline2")
    #expect(c.entry(1) == "from b \\ with\ttab and \"quotes\" and é")
    #expect(c.entry(2) == "from a")
}

@Test func anOverfullFileIsTrimmed() {
    let path = tempPath("trim")
    defer { remove(path) }
    let a = History(path: path, size: 3)
    for i in 0..<8 { a.add("entry \(i)") }
    _ = History(path: path, size: 3)  // 8 > 2 * 3: rewritten with the newest 3
    let lines = (try? String(decoding: readAll(path), as: UTF8.self))?.split(separator: "\n") ?? []
    #expect(lines == ["_HiStOrY_V2_", "entry\\0405", "entry\\0406", "entry\\0407"])
}

private func readAll(_ path: String) throws -> [UInt8] {
    guard let f = fopen(path, "r") else { return [] }
    defer { fclose(f) }
    var out: [UInt8] = []
    while true {
        let c = fgetc(f)
        if c == EOF { break }
        out.append(UInt8(c))
    }
    return out
}
