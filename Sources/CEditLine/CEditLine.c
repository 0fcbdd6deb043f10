// CEditLine.c: wraps libedit's variadic calls (el_set, el_get, history) in plain
// functions Swift can call, and routes Tab and Ctrl-C to the Swift side.
#include "CEditLine.h"
#include <histedit.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>

struct dsh_history {
    History *hist;
    HistEvent event;
};

struct dsh_editor {
    EditLine *el;
    char *prompt;
    dsh_complete_fn complete;
    void *complete_context;
    int interrupted;
};

static dsh_editor *editor_of(EditLine *el) {
    void *data = NULL;
    el_get(el, EL_CLIENTDATA, &data);
    return (dsh_editor *)data;
}

static char *prompt_fn(EditLine *el) {
    dsh_editor *ed = editor_of(el);
    return ed && ed->prompt ? ed->prompt : (char *)"> ";
}

/* Tab: hand the text before the cursor to Swift. */
static unsigned char complete_fn(EditLine *el, int ch) {
    (void)ch;
    dsh_editor *ed = editor_of(el);
    if (!ed || !ed->complete) return CC_ERROR;
    const LineInfo *li = el_line(el);
    size_t len = (size_t)(li->cursor - li->buffer);
    char *before = malloc(len + 1);
    if (!before) return CC_ERROR;
    memcpy(before, li->buffer, len);
    before[len] = '\0';
    int result = ed->complete(ed->complete_context, before);
    free(before);
    switch (result) {
    case DSH_COMPLETE_INSERTED: return CC_REFRESH;
    case DSH_COMPLETE_LISTED: return CC_REDISPLAY;
    default: return CC_REFRESH_BEEP;
    }
}

/* Ctrl-C at the prompt: leave the typed text on screen, mark it "^C", and end
   the read; the caller sees `interrupted` and discards the line. */
static unsigned char interrupt_fn(EditLine *el, int ch) {
    (void)ch;
    dsh_editor *ed = editor_of(el);
    if (ed) ed->interrupted = 1;
    const LineInfo *li = el_line(el);
    FILE *out = NULL;
    el_get(el, EL_GETFP, 1, &out);
    if (!out) out = stdout;
    /* Re-writing the text after the cursor moves the screen cursor to the end. */
    if (li->lastchar > li->cursor) fwrite(li->cursor, 1, (size_t)(li->lastchar - li->cursor), out);
    fputs("^C\r\n", out);
    fflush(out);
    return CC_NEWLINE;
}

dsh_editor *dsh_editor_new(const char *program) {
    /* libedit needs the locale's character set to edit UTF-8 text. */
    const char *current = setlocale(LC_CTYPE, NULL);
    if (current == NULL || strcmp(current, "C") == 0 || strcmp(current, "POSIX") == 0) {
        if (setlocale(LC_CTYPE, "") == NULL) setlocale(LC_CTYPE, "C.UTF-8");
    }
    dsh_editor *ed = calloc(1, sizeof(dsh_editor));
    if (!ed) return NULL;
    ed->el = el_init(program, stdin, stdout, stderr);
    if (!ed->el) { free(ed); return NULL; }
    ed->prompt = strdup("> ");
    el_set(ed->el, EL_CLIENTDATA, (void *)ed);
    el_set(ed->el, EL_PROMPT_ESC, prompt_fn, '\1');
    el_set(ed->el, EL_EDITOR, "emacs");
    /* Ctrl-C reaches us as a key while editing; a signal only while a command runs. */
    el_set(ed->el, EL_SETTY, "-d", "-isig", NULL);
    el_set(ed->el, EL_ADDFN, "dsh-complete", "Complete the word before the cursor", complete_fn);
    el_set(ed->el, EL_ADDFN, "dsh-interrupt", "Discard the line (Ctrl-C)", interrupt_fn);
    dsh_editor_bind_keys(ed);
    return ed;
}

void dsh_editor_bind_keys(dsh_editor *ed) {
    if (!ed) return;
    el_set(ed->el, EL_BIND, "^I", "dsh-complete", NULL);
    el_set(ed->el, EL_BIND, "^C", "dsh-interrupt", NULL);
    el_set(ed->el, EL_BIND, "-a", "^C", "dsh-interrupt", NULL);
}

void dsh_editor_free(dsh_editor *ed) {
    if (!ed) return;
    el_end(ed->el);
    free(ed->prompt);
    free(ed);
}

void dsh_editor_set_prompt(dsh_editor *ed, const char *prompt) {
    char *copy = strdup(prompt ? prompt : "");
    if (!copy) return;
    free(ed->prompt);
    ed->prompt = copy;
}

void dsh_editor_set_completer(dsh_editor *ed, dsh_complete_fn fn, void *context) {
    ed->complete = fn;
    ed->complete_context = context;
}

int dsh_editor_set_editor(dsh_editor *ed, const char *mode) {
    int r = el_set(ed->el, EL_EDITOR, mode);
    dsh_editor_bind_keys(ed);
    return r;
}

int dsh_editor_source(dsh_editor *ed, const char *path) {
    int r = el_source(ed->el, path);
    dsh_editor_bind_keys(ed);
    return r;
}

int dsh_editor_parse(dsh_editor *ed, const char *command) {
    Tokenizer *tok = tok_init(NULL);
    if (!tok) return -1;
    int argc = 0;
    const char **argv = NULL;
    int r = -1;
    if (tok_str(tok, command, &argc, &argv) == 0 && argc > 0) r = el_parse(ed->el, argc, argv);
    tok_end(tok);
    return r;
}

const char *dsh_editor_gets(dsh_editor *ed, int *interrupted) {
    ed->interrupted = 0;
    for (;;) {
        int count = 0;
        const char *line = el_gets(ed->el, &count);
        if (ed->interrupted) {
            if (interrupted) *interrupted = 1;
            ed->interrupted = 0;
            return "";
        }
        if (interrupted) *interrupted = 0;
        if (line == NULL && count == -1 && errno == EINTR) continue;  /* a signal, not the end */
        if (line == NULL || count <= 0) return NULL;
        return line;
    }
}

int dsh_editor_insert(dsh_editor *ed, const char *text) {
    return el_insertstr(ed->el, text);
}

void dsh_editor_delete_before(dsh_editor *ed, int count) {
    if (count > 0) el_deletestr(ed->el, count);
}

int dsh_editor_line(dsh_editor *ed, char *buffer, size_t size) {
    const LineInfo *li = el_line(ed->el);
    if (!li || size == 0) return -1;
    size_t len = (size_t)(li->lastchar - li->buffer);
    if (len >= size) len = size - 1;
    memcpy(buffer, li->buffer, len);
    buffer[len] = '\0';
    return (int)(li->cursor - li->buffer);
}

void dsh_editor_reset(dsh_editor *ed) { el_reset(ed->el); }

void dsh_editor_resize(dsh_editor *ed) { el_resize(ed->el); }

void dsh_editor_set_signal_handling(dsh_editor *ed, int on) { el_set(ed->el, EL_SIGNAL, on); }

int dsh_editor_columns(dsh_editor *ed) {
    int cols = 0;
    if (el_get(ed->el, EL_GETTC, "co", &cols, NULL) != 0) return 0;
    return cols;
}

dsh_history *dsh_history_new(int size) {
    dsh_history *h = calloc(1, sizeof(dsh_history));
    if (!h) return NULL;
    h->hist = history_init();
    if (!h->hist) { free(h); return NULL; }
    history(h->hist, &h->event, H_SETSIZE, size);
    history(h->hist, &h->event, H_SETUNIQUE, 1);
    return h;
}

void dsh_history_free(dsh_history *h) {
    if (!h) return;
    history_end(h->hist);
    free(h);
}

void dsh_editor_attach_history(dsh_editor *ed, dsh_history *h) {
    el_set(ed->el, EL_HIST, history, h->hist);
}

int dsh_history_add(dsh_history *h, const char *line) {
    return history(h->hist, &h->event, H_ENTER, line) < 0 ? -1 : 0;
}

int dsh_history_load(dsh_history *h, const char *path) {
    return history(h->hist, &h->event, H_LOAD, path);
}

int dsh_history_save(dsh_history *h, const char *path) {
    return history(h->hist, &h->event, H_SAVE, path);
}

int dsh_history_count(dsh_history *h) {
    if (history(h->hist, &h->event, H_GETSIZE) < 0) return 0;
    return h->event.num;
}

void dsh_history_set_size(dsh_history *h, int size) {
    history(h->hist, &h->event, H_SETSIZE, size);
}

const char *dsh_history_entry(dsh_history *h, int index) {
    if (history(h->hist, &h->event, H_FIRST) < 0) return NULL;
    for (int i = 0; i < index; i++) {
        if (history(h->hist, &h->event, H_NEXT) < 0) return NULL;
    }
    return h->event.str;
}
