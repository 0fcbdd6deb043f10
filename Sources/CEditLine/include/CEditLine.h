// CEditLine: a small, non-variadic C surface over libedit (el_set, el_get and
// history are C variadics, which Swift cannot call). One editor per interactive
// session; the Swift side finds itself again through an opaque context pointer.
#pragma once
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// An editor: a libedit EditLine plus its History and the Swift callbacks.
typedef struct dsh_editor dsh_editor;

/// Called on Tab with the line up to the cursor (UTF-8). It may call
/// dsh_editor_insert and write a listing to stdout; it returns one of the
/// DSH_COMPLETE_* codes.
typedef int (*dsh_complete_fn)(void *context, const char *line_before_cursor);

/// Completion result: nothing found (beep).
#define DSH_COMPLETE_NONE 0
/// Text was inserted: redraw the line.
#define DSH_COMPLETE_INSERTED 1
/// A listing was printed below the line: redraw prompt and line.
#define DSH_COMPLETE_LISTED 2

/// Makes an editor reading stdin and writing stdout/stderr. `program` names the
/// editor for `~/.editrc` sections ("dsh:bind -v"). Returns NULL when libedit
/// cannot start (for example stdin is not a terminal).
dsh_editor *dsh_editor_new(const char *program);
/// Frees the editor (restoring the terminal) and its history.
void dsh_editor_free(dsh_editor *ed);

/// Sets the prompt. Bytes between two \1 characters are terminal escapes
/// (colours) that take no room on screen.
void dsh_editor_set_prompt(dsh_editor *ed, const char *prompt);
/// Sets the Tab completion callback and its context.
void dsh_editor_set_completer(dsh_editor *ed, dsh_complete_fn fn, void *context);
/// Selects "emacs" or "vi" key bindings. Returns 0 on success.
int dsh_editor_set_editor(dsh_editor *ed, const char *mode);
/// Reads `path`, or `~/.editrc` when NULL. Returns 0 on success.
int dsh_editor_source(dsh_editor *ed, const char *path);
/// Re-installs dsh's own key bindings (Tab, Ctrl-C); call after sourcing.
void dsh_editor_bind_keys(dsh_editor *ed);
/// Runs one editline builtin command line, as in .editrc (for example "bind -v").
int dsh_editor_parse(dsh_editor *ed, const char *command);

/// Reads a line. Returns the line (owned by the editor, valid until the next
/// call) including its newline; NULL at end of input (Ctrl-D on an empty line).
/// `*interrupted` is set to 1 when the user pressed Ctrl-C (the line is then empty).
const char *dsh_editor_gets(dsh_editor *ed, int *interrupted);

/// Inserts text at the cursor (from a completion callback). Returns 0 on success.
int dsh_editor_insert(dsh_editor *ed, const char *text);
/// Deletes `count` characters before the cursor.
void dsh_editor_delete_before(dsh_editor *ed, int count);
/// The whole current line (UTF-8, without newline), copied into `buffer`;
/// returns the byte offset of the cursor, or -1.
int dsh_editor_line(dsh_editor *ed, char *buffer, size_t size);
/// Resets the terminal state (after an error) and redraws.
void dsh_editor_reset(dsh_editor *ed);
/// Re-reads the terminal size.
void dsh_editor_resize(dsh_editor *ed);
/// Lets libedit catch terminal signals (SIGWINCH resizes, SIGTSTP restores the tty).
void dsh_editor_set_signal_handling(dsh_editor *ed, int on);
/// The terminal width libedit uses (columns), or 0 when unknown.
int dsh_editor_columns(dsh_editor *ed);

/// A history list (independent of the editor; the editor's Up/Down use it once attached).
typedef struct dsh_history dsh_history;
/// Makes a history holding at most `size` entries, dropping an entry equal to the previous one.
dsh_history *dsh_history_new(int size);
/// Frees a history.
void dsh_history_free(dsh_history *h);
/// Lets the editor browse `h` with Up/Down and search it.
void dsh_editor_attach_history(dsh_editor *ed, dsh_history *h);
/// Adds an entry (may contain newlines). Returns 0 on success.
int dsh_history_add(dsh_history *h, const char *line);
/// Loads entries from a file. Returns the number loaded or -1.
int dsh_history_load(dsh_history *h, const char *path);
/// Saves all entries to a file. Returns the number saved or -1.
int dsh_history_save(dsh_history *h, const char *path);
/// The number of entries.
int dsh_history_count(dsh_history *h);
/// Changes the maximum number of entries.
void dsh_history_set_size(dsh_history *h, int size);
/// The entry `index` positions back from the newest (0 = newest), or NULL.
const char *dsh_history_entry(dsh_history *h, int index);

#ifdef __cplusplus
}
#endif
