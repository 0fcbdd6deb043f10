// BuildFromGitExampleTests.swift: scripts/examples/build_from_git.dsh against the test
// engine: a throwaway git repository, built from HEAD and tagged with its commit.
import DshCore
import DshHost
import Testing

@Suite(.enabled(if: Engine.enabled, Engine.skipReason))
struct BuildFromGitExampleTests {
    @Test("build_from_git.dsh builds HEAD and tags it with the commit")
    func buildFromGit() async throws {
        let name = Engine.name("git")
        let path = packageRoot + "/scripts/examples/build_from_git.dsh"
        let image = Engine.image
        let (status, out, commit) = try await onThread { () -> (Int32, String, String) in
            let sink = TextSink.capture()
            let interp = try makeInterpreter(output: sink)
            HostBindings.install(into: interp)
            interp.timeLimit = .seconds(180)
            // The repository: a Dockerfile and a file, committed; an uncommitted change
            // and an untracked file that must not reach the build.
            let setup = try interp.evaluate("""
                let repo = temp_dir()
                write_file(path_join(repo, "Dockerfile"), "FROM \(image)\\nCOPY hello.txt /hello.txt\\n")
                write_file(path_join(repo, "hello.txt"), "committed\\n")
                let git = (argv) => command(["git", "-c", "user.name=dsh", "-c", "user.email=dsh@example.invalid"] + argv, cwd: repo)
                git(["init", "-q"])
                git(["add", "."])
                git(["commit", "-q", "-m", "first"])
                write_file(path_join(repo, "hello.txt"), "changed\\n")
                write_file(path_join(repo, "untracked.txt"), "x")
                [repo, git(["rev-parse", "HEAD"]).stdout | trim]
                """)
            guard case .list(let l) = setup, case .string(let repo) = l.items[0], case .string(let commit) = l.items[1] else {
                throw ScriptFailure(report: "setup returned \(setup.sourceString)", message: "", output: sink.text)
            }
            interp.arguments = [repo, name]
            let text = try #require(readText(path))
            let status = interp.runScript(SourceFile(name: path, text: text, path: path))
            // What the image holds, then clean up whatever happened.
            _ = try? interp.evaluate("""
                let r = run("\(name):latest", ["cat", "/hello.txt"])
                print("content:", r.stdout | trim)
                """)
            _ = try? interp.evaluate("""
                for t in ["\(name):latest", "\(name):\(commit.prefix(12))"] { try { docker.images.get(t).remove(force: true) } catch e { } }
                """)
            return (status, sink.text, commit)
        }
        #expect(status == 0, "\(out)")
        #expect(commit.count == 40)
        #expect(out.contains("has uncommitted changes"), "\(out)")
        #expect(out.contains("tags: \(name):\(commit.prefix(12)) \(name):latest\n"), "\(out)")
        #expect(out.contains("revision: \(commit)\n"), "\(out)")
        #expect(out.contains("content: committed\n"), "\(out)")
        let left = try await dsh("docker.images.list(filters: {reference: [\(lit(name))]}) | count").value
        #expect(left == "0")
    }
}
