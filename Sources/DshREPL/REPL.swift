// REPL.swift: the interactive loop: read (with continuation lines while the parser
// says the input is incomplete), evaluate on a large-stack thread, show the value.
import DshCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a REPL session looks and behaves. The host fills it in.
public struct REPLOptions {
    /// Shown before `> ` in the prompt, for example `dsh unix:///var/run/docker.sock`.
    public var promptLabel: String
    /// The prompt of continuation lines.
    public var continuationPrompt: String
    /// The history file; nil keeps the history in memory only.
    /// Default: `DSH_HISTORY`, else `~/.dsh_history`.
    public var historyPath: String?
    /// The most entries the history keeps.
    public var historySize: Int
    /// Whether to read `~/.editrc` (libedit bindings, `bind -v` for vi mode).
    public var readEditrc: Bool
    /// Names offered by Tab inside a string argument (container and image names).
    /// Runs on a background thread; an answer later than `liveCompletionDeadline` is dropped.
    public var liveCompletions: (@Sendable (CompletionContext) -> [String])?
    /// How long `liveCompletions` may take.
    public var liveCompletionDeadline: Duration
    /// A line shown when the session starts, or nil.
    public var banner: String?
    /// Colours: nil decides (stdout is a terminal and `NO_COLOR` is unset).
    public var color: Bool?
    /// The stack size of the thread that evaluates (deep recursion needs room).
    public var stackSize: Int

    /// Options with the defaults above.
    public init(promptLabel: String = "dsh",
                continuationPrompt: String = "...> ",
                historyPath: String? = History.defaultPath(),
                historySize: Int = 1000,
                readEditrc: Bool = true,
                liveCompletions: (@Sendable (CompletionContext) -> [String])? = nil,
                liveCompletionDeadline: Duration = .milliseconds(200),
                banner: String? = "dsh: :help for help, Ctrl-D to leave",
                color: Bool? = nil,
                stackSize: Int = EvaluationThread.defaultStackSize) {
        self.promptLabel = promptLabel
        self.continuationPrompt = continuationPrompt
        self.historyPath = historyPath
        self.historySize = historySize
        self.readEditrc = readEditrc
        self.liveCompletions = liveCompletions
        self.liveCompletionDeadline = liveCompletionDeadline
        self.banner = banner
        self.color = color
        self.stackSize = stackSize
    }
}

/// An interactive session on the terminal: libedit editing, persistent history,
/// Tab completion, values shown readably, Ctrl-C cancelling the running command.
/// Values and messages go to the interpreter's `output`, errors to its `errorOutput`.
public final class REPL {
    /// The interpreter the session evaluates in; its globals persist between entries.
    public let interpreter: Interpreter
    /// The options.
    public var options: REPLOptions

    /// Makes a session; nothing happens until `run`.
    public init(interpreter: Interpreter, options: REPLOptions = REPLOptions()) {
        self.interpreter = interpreter
        self.options = options
    }

    /// Runs the session until Ctrl-D, `:quit` or `exit(n)`; returns the exit status.
    public func run() -> Int32 {
        // A host started from a thread that blocks signals (a dispatch worker) must
        // still stop on a hangup and see Ctrl-C; the REPL thread inherits this mask.
        var signals = sigset_t()
        sigemptyset(&signals)
        for s in [SIGINT, SIGHUP, SIGTERM, SIGQUIT, SIGTSTP, SIGCONT, SIGWINCH] { sigaddset(&signals, s) }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        var status: Int32 = 0
        EvaluationThread.run(stackSize: options.stackSize) { status = self.loop() }
        return status
    }

    // MARK: the loop

    private var useColor: Bool {
        if let c = options.color { return c }
        return isatty(1) == 1 && getenv("NO_COLOR") == nil
    }

    private var prompt: String {
        let label = options.promptLabel + "> "
        return useColor ? "\u{1}\u{1B}[1m\u{1}" + label + "\u{1}\u{1B}[0m\u{1}" : label
    }

    private func loop() -> Int32 {
        let history = History(path: options.historyPath, size: options.historySize)
        guard let editor = LineEditor(program: "dsh", editrc: options.readEditrc, history: history) else {
            interpreter.errorOutput.write("dsh: cannot start the line editor\n")
            interpreter.errorOutput.flush()
            return 1
        }
        let target = UncheckedSendable(interpreter)
        let interrupts = InterruptHandler(cancel: { target.value.cancel(reason: "interrupted") })
        defer { interrupts.stop() }
        let completer = makeCompleter()
        editor.completion = { [unowned self] editor, before in
            self.complete(before, with: completer, editor: editor)
        }
        if let banner = options.banner { say(banner) }
        var buffer: [String] = []
        var entries = 0
        while true {
            switch editor.readLine(prompt: buffer.isEmpty ? prompt : options.continuationPrompt) {
            case .endOfInput:
                say("")
                if buffer.isEmpty { return 0 }
                buffer = []  // Ctrl-D in a continuation drops the unfinished entry
            case .interrupted:
                buffer = []
            case .line(let line):
                if buffer.isEmpty {
                    if line.trimmingSpaces.isEmpty { continue }
                    if let command = ReplCommand.parse(line) {
                        history.add(line.trimmingSpaces)
                        if let status = perform(command, interrupts: interrupts) { return status }
                        continue
                    }
                }
                buffer.append(line)
                let source = buffer.joined(separator: "\n")
                if Interpreter.isIncomplete(source) { continue }
                buffer = []
                history.add(source)
                entries += 1
                let name = "<repl \(entries)>"
                if let status = evaluate(interrupts: interrupts, { try self.evaluateEntry(source, name: name) }) {
                    return status
                }
            }
        }
    }

    /// Evaluates one entry. An entry that starts with `{` is tried as an expression
    /// first (a map literal, `{a: 1}`), then as the block it would be in a script: the
    /// parser rejects the wrong reading before anything runs.
    private func evaluateEntry(_ source: String, name: String) throws -> Value {
        if source.trimmingSpaces.hasPrefix("{") {
            do {
                return try interpreter.evaluate("(" + source + "\n)", name: name)  // a final comment stays a comment
            } catch let error as DshError where error.kind == .syntax {
                // not an expression: a block
            }
        }
        return try interpreter.evaluate(source, name: name)
    }

    /// Runs a command; returns an exit status when the session should end.
    private func perform(_ command: ReplCommand, interrupts: InterruptHandler) -> Int32? {
        switch command {
        case .help:
            say(ReplCommand.helpText)
        case .quit:
            return 0
        case .doc(let name):
            say(ReplCommand.docText(for: name, interpreter: interpreter, resolve: resolvePath))
        case .load(let file):
            guard !file.isEmpty else { complain("usage: :load FILE"); return nil }
            var path = file
            if path.hasPrefix("~/"), let home = getenv("HOME") { path = String(cString: home) + path.dropFirst() }
            return evaluate(interrupts: interrupts, show: false) { try self.interpreter.evaluateFile(atPath: path) }
        case .unknown(let name):
            complain("unknown command \(name) (try :help)")
        }
        return nil
    }

    /// Evaluates with Ctrl-C armed, shows the value (draining a stream), reports
    /// errors; returns an exit status when the code called `exit(n)`.
    private func evaluate(interrupts: InterruptHandler, show: Bool = true, _ body: () throws -> Value) -> Int32? {
        do {
            try interrupts.whileBusy {
                let value = try body()
                interpreter.output.flush()
                if show { try self.show(value) }
            }
        } catch let exit as ExitRequest {
            interpreter.output.flush()
            return exit.code
        } catch let error as DshError {
            interpreter.output.flush()
            // After Ctrl-C the terminal has echoed "^C" on the current line.
            complain((error.kind == .interrupted && isatty(0) == 1 ? "\n" : "") + error.report)
        } catch {
            interpreter.output.flush()
            complain("error: \(error)")
        }
        interpreter.output.flush()
        return nil
    }

    private func show(_ value: Value) throws {
        let display = ValueDisplay(width: REPL.terminalWidth(), color: useColor, truncate: isatty(1) == 1)
        if case .stream(let stream) = value {
            defer { stream.close() }
            while let item = try stream.next(interpreter) {
                say(display.streamItem(item))
                try interpreter.checkInterrupt()
            }
            return
        }
        if case .null = value { return }
        interpreter.define("_", value)
        if let text = display.render(value) { say(text) }
    }

    private func say(_ text: String) {
        interpreter.output.write(text + "\n")
        interpreter.output.flush()
    }

    private func complain(_ text: String) {
        interpreter.output.flush()
        interpreter.errorOutput.write(text + "\n")
        interpreter.errorOutput.flush()
    }

    // MARK: completion

    private func makeCompleter() -> Completer {
        var completer = Completer(globals: { [unowned self] in self.interpreter.globalNames },
                                  resolve: { [unowned self] in self.resolvePath($0) })
        completer.live = options.liveCompletions
        completer.liveDeadline = options.liveCompletionDeadline
        return completer
    }

    /// Reads a path of names, member reads and literal indexes. Never calls a
    /// function: a member that is a function ends the path.
    func resolvePath(_ path: [PathStep]) -> Value? {
        var current: Value?
        for step in path {
            switch (step, current) {
            case (.name(let n), nil):
                current = interpreter.global(n)
            case (.member(let n), .map(let m)?), (.key(let n), .map(let m)?):
                current = m[n]
            case (.member(let n), .object(let o)?), (.key(let n), .object(let o)?):
                current = (try? o.member(n, interpreter)) ?? nil
            case (.member(let n), .error(let e)?):
                current = n == "message" ? .string(e.message) : e.fields[n]
            case (.index(let i), .list(let l)?):
                let index = i < 0 ? l.items.count + i : i
                current = l.items.indices.contains(index) ? l.items[index] : nil
            default:
                return nil
            }
            if current == nil { return nil }
        }
        return current
    }

    private func complete(_ before: String, with completer: Completer, editor: LineEditor) -> CompletionOutcome {
        let found = completer.complete(before)
        guard let first = found.candidates.first else { return .none }
        if found.candidates.count == 1 {
            editor.insert(String(first.dropFirst(found.fragment.count)) + found.suffix)
            return .inserted
        }
        let common = found.commonPrefix
        if common.count > found.fragment.count { editor.insert(String(common.dropFirst(found.fragment.count))) }
        let listing = REPL.columns(found.candidates.map(found.label), width: REPL.terminalWidth())
        let text = "\r\n" + listing.replacingNewlines + "\r\n"
        _ = text.withCString { write(1, $0, strlen($0)) }
        return .listed
    }

    /// Lays `items` out in columns, top to bottom then left to right, as `ls` does.
    static func columns(_ items: [String], width: Int, limit: Int = 200) -> String {
        var shown = Array(items.prefix(limit))
        let more = items.count - shown.count
        let cell = (shown.map { $0.count }.max() ?? 0) + 2
        let perLine = max(1, width / max(1, cell))
        let rows = (shown.count + perLine - 1) / perLine
        var lines: [String] = []
        for r in 0..<rows {
            var line = ""
            for c in 0..<perLine {
                let i = c * rows + r
                guard i < shown.count else { break }
                let item = shown[i]
                let last = (c + 1) * rows + r >= shown.count
                line += last ? item : item + String(repeating: " ", count: cell - item.count)
            }
            lines.append(line)
        }
        if more > 0 { lines.append("... and \(more) more") }
        shown.removeAll()
        return lines.joined(separator: "\n")
    }

    /// The width of the terminal on stdout, else `COLUMNS`, else 80.
    static func terminalWidth() -> Int {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        if let c = getenv("COLUMNS"), let n = Int(String(cString: c)), n > 0 { return n }
        return 80
    }
}

/// Carries a value whose type is documented thread-safe for the one use made of it
/// (`Interpreter.cancel` from the signal queue).
private struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

extension String {
    /// The text with `\n` line breaks as `\r\n` (for output while the terminal is raw).
    var replacingNewlines: String {
        var out = ""
        for ch in self { if ch == "\n" { out += "\r\n" } else { out.append(ch) } }
        return out
    }
}
