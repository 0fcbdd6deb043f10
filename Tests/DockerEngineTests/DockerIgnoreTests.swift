// Unit: .dockerignore parsing and matching against moby/patternmatcher's own test cases.
@testable import DockerEngine
import Testing

struct DockerIgnoreTests {
    enum Expect { case fail, exact, inexact }

    // patternmatcher_test.go, TestMatches.
    static let cases: [(String, String, Expect)] = [
        ("**", "file", .exact), ("**", "file/", .exact), ("**/", "file", .exact), ("**/", "file/", .exact),
        ("**", "/", .exact), ("**/", "/", .exact), ("**", "dir/file", .exact), ("**/", "dir/file", .exact),
        ("**", "dir/file/", .exact), ("**/", "dir/file/", .exact), ("**/**", "dir/file", .exact), ("**/**", "dir/file/", .exact),
        ("dir/**", "dir/file", .exact), ("dir/**", "dir/file/", .exact), ("dir/**", "dir/dir2/file", .exact), ("dir/**", "dir/dir2/file/", .exact),
        ("**/dir", "dir", .exact), ("**/dir", "dir/file", .inexact), ("**/dir2/*", "dir/dir2/file", .exact), ("**/dir2/*", "dir/dir2/file/", .inexact),
        ("**/dir2/**", "dir/dir2/dir3/file", .exact), ("**/dir2/**", "dir/dir2/dir3/file/", .exact),
        ("**file", "file", .exact), ("**file", "dir/file", .exact), ("**/file", "dir/file", .exact), ("**file", "dir/dir/file", .exact),
        ("**/file", "dir/dir/file", .exact), ("**/file*", "dir/dir/file", .exact), ("**/file*", "dir/dir/file.txt", .exact),
        ("**/file*txt", "dir/dir/file.txt", .exact), ("**/file*.txt", "dir/dir/file.txt", .exact), ("**/file*.txt*", "dir/dir/file.txt", .exact),
        ("**/**/*.txt", "dir/dir/file.txt", .exact), ("**/**/*.txt2", "dir/dir/file.txt", .fail), ("**/*.txt", "file.txt", .exact),
        ("**/**/*.txt", "file.txt", .exact), ("a**/*.txt", "a/file.txt", .exact), ("a**/*.txt", "a/dir/file.txt", .exact),
        ("a**/*.txt", "a/dir/dir/file.txt", .exact), ("a/*.txt", "a/dir/file.txt", .fail), ("a/*.txt", "a/file.txt", .exact),
        ("a/*.txt**", "a/file.txt", .exact), ("a[b-d]e", "ae", .fail), ("a[b-d]e", "ace", .exact), ("a[b-d]e", "aae", .fail),
        ("a[^b-d]e", "aze", .exact), (".*", ".foo", .exact), (".*", "foo", .fail), ("abc.def", "abcdef", .fail),
        ("abc.def", "abc.def", .exact), ("abc.def", "abcZdef", .fail), ("abc?def", "abcZdef", .exact), ("abc?def", "abcdef", .fail),
        ("**/foo/bar", "foo/bar", .exact), ("**/foo/bar", "dir/foo/bar", .exact), ("**/foo/bar", "dir/dir2/foo/bar", .exact),
        ("abc/**", "abc", .fail), ("abc/**", "abc/def", .exact), ("abc/**", "abc/def/ghi", .exact), ("**/.foo", ".foo", .exact),
        ("**/.foo", "bar.foo", .fail), ("a(b)c/def", "a(b)c/def", .exact), ("a(b)c/def", "a(b)c/xyz", .fail),
        ("a.|)$(}+{bc", "a.|)$(}+{bc", .exact),
        ("dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", .exact),
        ("dist/*.whl", "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", .exact),
        ("a\\\\", "a\\", .exact), ("a\\*b", "a*b", .exact),
    ]

    static let multi: [([String], String, Expect)] = [
        (["**", "!util/docker/web"], "util/docker/web/foo", .fail),
        (["**", "!util/docker/web", "util/docker/web/foo"], "util/docker/web/foo", .exact),
        (["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", .fail),
        (["**", "!dist/*.whl"], "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl", .fail),
    ]

    /// MatchesUsingParentResults with the parents walked first, as patternmatcher's test does.
    static func matchWalkingParents(_ m: DockerIgnore, _ text: String) -> Bool {
        let parent = GoPath.dir(text)
        var info = DockerIgnore.MatchInfo()
        if parent != "." {
            let dirs = parent.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            for i in dirs.indices { info = m.matches(dirs[0...i].joined(separator: "/"), parent: info).1 }
        }
        return m.matches(text, parent: info).0
    }

    /// The literal head and tail checked before a regex runs never reject a path the
    /// regex matches: `**/` swallows its slash, classes and escapes end a literal run,
    /// bytes compare as scalars (a combining mark), and the regex still decides.
    @Test func literalEndsOnlyRejectWhatTheRegexRejects() throws {
        let cases: [(String, String, Bool)] = [
            ("x**/b", "xb", true), ("x**/b", "x/y/b", true), ("a/**/b", "a/b", true), ("a/**/b", "a/c/d/b", true),
            ("*.log", "a.log", true), ("*.log", "a.logx", false), ("*.log", "dir/a.log", false), ("*.log", ".log", true),
            ("**/*.tmp", "x/y.tmp", true), ("**/*.tmp", "y.tmpz", false), ("pre*mid*post", "premidpost", true),
            ("pre*mid*post", "prepost", false), ("pre*post", "prepost", true), ("ab*ab", "ab", false), ("ab*ab", "abab", true),
            ("*x\u{301}", "ax\u{301}", true), ("caf\u{E9}*", "cafe\u{301}x", false), ("[ab]c?", "bcd", true), ("[ab]c?", "ccd", false),
            ("\\*x*", "*xy", true), ("\\*x*", "*yx", false), ("a?c", "a/c", false), ("a^b*", "a^bc", false),
        ]
        for (pattern, text, expect) in cases {
            let m = try DockerIgnore(patterns: [pattern])
            #expect(m.matches(text) == expect, "pattern \(pattern) text \(text)")
            #expect(m.matches(text, parent: .init()).0 == expect, "no context: pattern \(pattern) text \(text)")
        }
        #expect(DockerIgnore.literalEnds("**/*.tmp") == ([], Array(".tmp".utf8)))
        #expect(DockerIgnore.literalEnds("x**/b") == (Array("x".utf8), Array("b".utf8)))
        #expect(DockerIgnore.literalEnds("a[bc]d\\e") == (Array("a".utf8), []))
    }

    @Test func patternmatcherTableOrParentMatches() throws {
        for (pattern, text, expect) in Self.cases {
            let m = try DockerIgnore(patterns: [pattern])
            #expect(m.matches(text) == (expect != .fail), "pattern \(pattern) text \(text)")
        }
        for (patterns, text, expect) in Self.multi {
            let m = try DockerIgnore(patterns: patterns)
            #expect(m.matches(text) == (expect != .fail), "patterns \(patterns) text \(text)")
        }
    }

    @Test func patternmatcherTableUsingParentResults() throws {
        for (pattern, text, expect) in Self.cases {
            let m = try DockerIgnore(patterns: [pattern])
            #expect(Self.matchWalkingParents(m, text) == (expect != .fail), "pattern \(pattern) text \(text)")
            #expect(m.matches(text, parent: .init()).0 == (expect != .fail), "no context: pattern \(pattern) text \(text)")
        }
        for (patterns, text, expect) in Self.multi {
            let m = try DockerIgnore(patterns: patterns)
            #expect(Self.matchWalkingParents(m, text) == (expect != .fail), "patterns \(patterns) text \(text)")
        }
    }

    // patternmatcher_test.go, matchTests (Go's filepath.Match cases through Matches).
    static let matchTests: [(String, String, Bool, Bool)] = [  // pattern, text, match, error
        ("abc", "abc", true, false), ("*", "abc", true, false), ("*c", "abc", true, false), ("a*", "a", true, false),
        ("a*", "abc", true, false), ("a*", "ab/c", true, false), ("a*/b", "abc/b", true, false), ("a*/b", "a/c/b", false, false),
        ("a*b*c*d*e*/f", "axbxcxdxe/f", true, false), ("a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false),
        ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false), ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false),
        ("a*b?c*x", "abxbbxdbxebxczzx", true, false), ("a*b?c*x", "abxbbxdbxebxczzy", false, false),
        ("ab[c]", "abc", true, false), ("ab[b-d]", "abc", true, false), ("ab[e-g]", "abc", false, false),
        ("ab[^c]", "abc", false, false), ("ab[^b-d]", "abc", false, false), ("ab[^e-g]", "abc", true, false),
        ("a\\*b", "a*b", true, false), ("a\\*b", "ab", false, false), ("a?b", "a☺b", true, false), ("a[^a]b", "a☺b", true, false),
        ("a???b", "a☺b", false, false), ("a[^a][^a][^a]b", "a☺b", false, false), ("[a-ζ]*", "α", true, false),
        ("*[a-ζ]", "A", false, false), ("a?b", "a/b", false, false), ("a*b", "a/b", false, false),
        ("[\\]a]", "]", true, false), ("[\\-]", "-", true, false), ("[x\\-]", "x", true, false), ("[x\\-]", "-", true, false),
        ("[x\\-]", "z", false, false), ("[\\-x]", "x", true, false), ("[\\-x]", "-", true, false), ("[\\-x]", "a", false, false),
        ("[]a]", "]", false, true), ("[-]", "-", false, true), ("[x-]", "x", false, true), ("[x-]", "-", false, true),
        ("[x-]", "z", false, true), ("[-x]", "x", false, true), ("[-x]", "-", false, true), ("[-x]", "a", false, true),
        ("\\", "a", false, true), ("[a-b-c]", "a", false, true), ("[", "a", false, true), ("[^", "a", false, true),
        ("[^bc", "a", false, true), ("a[", "a", false, true), ("a[", "ab", false, true), ("*x", "xxx", true, false),
    ]

    @Test func goFilepathMatchCases() throws {
        for (pattern, text, match, error) in Self.matchTests {
            if error {
                #expect(throws: DockerError.self, "pattern \(pattern) should be malformed") { _ = try DockerIgnore(patterns: [pattern]) }
            } else {
                let m = try DockerIgnore(patterns: [pattern])
                #expect(m.matches(text) == match, "pattern \(pattern) text \(text)")
            }
        }
    }

    @Test func simpleRulesExceptionsAndErrors() throws {
        #expect(try DockerIgnore(patterns: ["*"]).matches("fileutils.go"))
        #expect(try DockerIgnore(patterns: ["*.go"]).matches("fileutils.go"))
        #expect(try DockerIgnore(patterns: ["!fileutils.go", "*.go"]).matches("fileutils.go"))
        #expect(try !DockerIgnore(patterns: ["docs", "!docs/README.md"]).matches("docs/README.md"))
        #expect(try !DockerIgnore(patterns: ["docs/", "!docs/README.md"]).matches("docs/README.md"))
        #expect(try !DockerIgnore(patterns: ["docs/*", "!docs/README.md"]).matches("docs/README.md"))
        #expect(try !DockerIgnore(patterns: ["*.go", "!fileutils.go"]).matches("fileutils.go"))
        #expect(try !DockerIgnore(patterns: ["*.go"]).matches("."))
        #expect(throws: DockerError.self) { _ = try DockerIgnore(patterns: ["!"]) }
        #expect(try !DockerIgnore(patterns: []).matches("/any/path/there"))
        #expect(throws: DockerError.self) { _ = try DockerIgnore(patterns: ["["]) }
        #expect(try DockerIgnore(patterns: ["docs", "config", ""]).patterns.count == 2)
        #expect(try DockerIgnore(patterns: ["docs", "  !docs/README.md"]).hasExclusions)
        #expect(try DockerIgnore(patterns: ["docs", "!docs/README.md  "]).hasExclusions)
    }

    @Test func parsingLikeTheCLI() {
        let file = Array("\u{FEFF}# comment\n  # not a comment\n\n  *.log  \n!  keep.log\n/abs/../dir/\r\n./a//b/\n! /lead\n/\n".utf8)
        #expect(DockerIgnore.parse(file) == ["# not a comment", "*.log", "!keep.log", "dir", "a/b", "!lead", "/"])
    }

    @Test func buildFilesAreAlwaysKept() throws {
        let rules = try DockerIgnore.keepingBuildFiles(["*", "!src"], dockerfile: "build/Dockerfile")
        #expect(rules == ["*", "!src", "!.dockerignore", "!build/Dockerfile"])
        let m = try DockerIgnore(patterns: rules)
        #expect(!m.matches(".dockerignore"))
        #expect(!m.matches("build/Dockerfile"))
        #expect(m.matches("other"))
        #expect(try DockerIgnore.keepingBuildFiles(["*.md"], dockerfile: "Dockerfile") == ["*.md"])
    }

    @Test func goPathClean() {
        let cases: [(String, String)] = [
            ("", "."), (".", "."), ("a/b", "a/b"), ("a//b", "a/b"), ("a/./b", "a/b"), ("a/../b", "b"), ("../a", "../a"),
            ("/../a", "/a"), ("a/b/", "a/b"), ("/", "/"), ("a/..", "."), ("a/../..", ".."), ("**/", "**"), ("./x", "x"),
        ]
        for (input, expected) in cases { #expect(GoPath.clean(input) == expected, "clean(\(input))") }
        #expect(GoPath.dir("a/b/c") == "a/b")
        #expect(GoPath.dir("a") == ".")
    }
}
