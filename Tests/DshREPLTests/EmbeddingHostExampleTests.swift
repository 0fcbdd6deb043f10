// EmbeddingHostExampleTests.swift: builds the example host package
// (Examples/EmbeddingHost, depending on dsh by path with the TLS trait off, Swift 6 mode)
// with no warnings, checks that swift-nio-ssl and swift-argument-parser were not even
// resolved and that neither BoringSSL, NIOSSL nor argument-parser was built or linked,
// runs it against the test engine with its standard output a pipe, and checks what it
// printed.
import DshCore
import Foundation
import Testing

/// The package root (three levels above this file).
private var packageRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Modules a host of the library products must not build: TLS (the host turns the trait
/// off) and the command line's argument parser with its plugins' tools.
private let unwantedModules = [
    "CNIOBoringSSL", "CNIOBoringSSLShims", "NIOSSL",
    "ArgumentParser", "ArgumentParserToolInfo", "generate_manual", "generate_docc_reference",
]

/// The modules of a build directory (`.build/debug`) that have object files.
private func compiledModules(in buildDirectory: String) -> Set<String> {
    let fm = FileManager.default
    var out: Set<String> = []
    for entry in (try? fm.contentsOfDirectory(atPath: buildDirectory)) ?? [] where entry.hasSuffix(".build") {
        let files = (try? fm.subpathsOfDirectory(atPath: buildDirectory + "/" + entry)) ?? []
        if files.contains(where: { $0.hasSuffix(".o") }) {
            out.insert(String(entry.dropLast(".build".count)).replacingOccurrences(of: "-tool", with: ""))
        }
    }
    return out
}

@Test(.enabled(if: TestEngine.enabled, TestEngine.skipReason))
func theEmbeddingHostExampleBuildsWithoutWarningsAndRuns() async throws {
    guard TestEngine.require() else { return }
    let example = packageRoot.appendingPathComponent("Examples/EmbeddingHost").path
    // What an earlier build left (before the traits were off) would prove nothing: remove
    // the resolution, the plugins' cache and the unwanted modules' objects, so whatever is
    // there after the build was made by it.
    let fm = FileManager.default
    try? fm.removeItem(atPath: example + "/Package.resolved")
    for plugin in (try? fm.contentsOfDirectory(atPath: example + "/.build/plugins/cache")) ?? [] {
        try? fm.removeItem(atPath: example + "/.build/plugins/cache/" + plugin)
    }
    for module in unwantedModules {
        try? fm.removeItem(atPath: example + "/.build/debug/\(module).build")
        try? fm.removeItem(atPath: example + "/.build/debug/\(module)-tool.build")
    }
    // At the lowest CPU priority: the suite's engine tests run beside it on few cores. The
    // build takes minutes: it waits on a thread of its own, never on the Swift concurrency
    // pool (two threads on a two-core machine), which the engine tests' streams need.
    let build = try await EvaluationThread.value {
        try runProgram("/usr/bin/env", ["nice", "-n", "19", "swift", "build", "--package-path", example])
    }
    #expect(build.status == 0, "\(build.output)")
    let warnings = build.output.split(separator: "\n").filter { $0.contains("warning:") }
    #expect(warnings.isEmpty, "\(warnings)")
    guard build.status == 0 else { return }
    // The traits off, swift-nio-ssl and swift-argument-parser are not in the host's
    // dependency graph (SwiftPM does not even fetch them), and no plugin of
    // argument-parser is compiled.
    let graph = try await EvaluationThread.value {
        try runProgram("/usr/bin/env", ["swift", "package", "--package-path", example, "show-dependencies", "--format", "json"])
    }
    #expect(graph.status == 0, "\(graph.output)")
    #expect(graph.output.contains("\"swift-nio\""), "\(graph.output)")
    for package in ["swift-nio-ssl", "swift-argument-parser"] {
        #expect(!graph.output.contains("\"\(package)\""), "\(package) is in the graph: \(graph.output)")
    }
    let plugins = (try? fm.contentsOfDirectory(atPath: example + "/.build/plugins/cache")) ?? []
    #expect(plugins.isEmpty, "plugins compiled: \(plugins)")
    let compiled = compiledModules(in: example + "/.build/debug")
    #expect(compiled.contains("DockerEngine") && compiled.contains("DshDocker"), "\(compiled.sorted())")
    #expect(compiled.isDisjoint(with: unwantedModules), "built: \(compiled.intersection(unwantedModules).sorted())")
    let binary = try Data(contentsOf: URL(fileURLWithPath: example + "/.build/debug/EmbeddingHost"))
    for library in ["BoringSSL", "NIOSSL", "ArgumentParser"] {
        #expect(binary.range(of: Data(library.utf8)) == nil, "the host links \(library)")
    }
    let r = try await EvaluationThread.value { try runProgram(example + "/.build/debug/EmbeddingHost", []) }
    #expect(r.status == 0)
    #expect(r.output == """
        host: before
        script: during
        host: after
        callback got: ["to the callback\\n"]
        async keys: ["zeta", "alpha", "mid"]
        script: cleaned up
        stopped: interrupted cancelled by the host
        policy: true
        sandbox refused: undefined name 'write_file'
        sandbox refused: import "/etc/passwd" is not allowed: not on the list
        sandbox refused: undefined name 'env'
        verdicts: true true true false false
        job.dsh:1:31: error: cannot read member 'deeper' of nil
          at check (job.dsh:1:31)
          at run_all (job.dsh:2:23)
          at <script> (job.dsh:3:1)
        recursion depth: 20000
        codable: web-1 2.0 [80, 443]
        stream: int(1) int(4) int(9) int(16) (pulled 4)
        engine ping: string("OK")
        TLS in this build: false
        TLS endpoint: this build of dsh has no TLS support (package trait TLS is off)
        hoard.dsh:2:14: error: memory limit of 8 MiB exceeded
        after the limit: 10
        own Value: cpu 1.0
        docker log: line 1, line 2, line 3
        docker events: create start kill die destroy

        """)
}
