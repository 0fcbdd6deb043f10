// LineEditor.swift: the libedit line editor (through the CEditLine shim): prompt,
// key bindings from ~/.editrc, Tab completion and Ctrl-C at the prompt.
import CEditLine

/// What one read from the terminal produced.
enum LineRead: Equatable {
    /// A line the user entered (without its newline).
    case line(String)
    /// Ctrl-C at the prompt: the typed text is discarded.
    case interrupted
    /// Ctrl-D on an empty line, or the end of input.
    case endOfInput
}

/// What a completion callback did, so the editor knows how to redraw.
enum CompletionOutcome {
    /// Nothing to offer: beep.
    case none
    /// Text was inserted into the line.
    case inserted
    /// A list of candidates was printed below the line.
    case listed
}

/// A libedit editor bound to the terminal. Not thread-safe: use it on one thread.
final class LineEditor {
    private let editor: OpaquePointer
    private let history: OpaquePointer?
    /// Called on Tab with the text before the cursor.
    var completion: ((LineEditor, String) -> CompletionOutcome)?

    /// Starts libedit on stdin/stdout; nil when it cannot (not a terminal).
    /// `editrc` false skips `~/.editrc`; `history` is browsed with Up/Down.
    init?(program: String, editrc: Bool, history: History?) {
        guard let ed = dsh_editor_new(program) else { return nil }
        editor = ed
        self.history = history?.handle
        // No EL_SIGNAL: libedit's handlers would fight the REPL's SIGINT source
        // (they save and restore handlers around every read and re-send signals to
        // the process group). The size is re-read before each line instead.
        dsh_editor_set_signal_handling(ed, 0)
        if let h = history?.handle { dsh_editor_attach_history(ed, h) }
        if editrc { _ = dsh_editor_source(ed, nil) }
        let context = Unmanaged.passUnretained(self).toOpaque()
        dsh_editor_set_completer(ed, { context, before in
            guard let context, let before else { return DSH_COMPLETE_NONE }
            let editor = Unmanaged<LineEditor>.fromOpaque(context).takeUnretainedValue()
            guard let handler = editor.completion else { return DSH_COMPLETE_NONE }
            switch handler(editor, String(cString: before)) {
            case .none: return DSH_COMPLETE_NONE
            case .inserted: return DSH_COMPLETE_INSERTED
            case .listed: return DSH_COMPLETE_LISTED
            }
        }, context)
    }

    deinit { dsh_editor_free(editor) }

    /// Reads one line after showing `prompt`. Text between two `\u{1}` characters in
    /// the prompt is a terminal escape that takes no room.
    func readLine(prompt: String) -> LineRead {
        dsh_editor_set_prompt(editor, prompt)
        dsh_editor_resize(editor)
        var interrupted: Int32 = 0
        guard let raw = dsh_editor_gets(editor, &interrupted) else {
            return interrupted != 0 ? .interrupted : .endOfInput
        }
        if interrupted != 0 { return .interrupted }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// Inserts `text` at the cursor (from a completion callback).
    func insert(_ text: String) {
        guard !text.isEmpty else { return }
        _ = dsh_editor_insert(editor, text)
    }

    /// Deletes `count` characters before the cursor (from a completion callback).
    func deleteBefore(_ count: Int) {
        dsh_editor_delete_before(editor, Int32(count))
    }

    /// Switches to "emacs" or "vi" bindings.
    @discardableResult
    func setMode(_ mode: String) -> Bool { dsh_editor_set_editor(editor, mode) == 0 }

    /// Runs an editline command, as a line of `.editrc` would.
    @discardableResult
    func parse(_ command: String) -> Bool { dsh_editor_parse(editor, command) == 0 }

    /// Resets the editor's terminal state.
    func reset() { dsh_editor_reset(editor) }
}
