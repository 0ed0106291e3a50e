/* Download-then-run detection in shell scripts (shell.h): commands split on newlines, ;, && and
 * ||; pipelines on |; words on blanks with quotes removed. A heuristic like Scorecard's, failing
 * towards a finding: what is piped into an interpreter is never verified. */
#include "audit/shell.h"

#include <stdbool.h>
#include <string.h>

#define MAX_WORDS 64
#define MAX_PENDING 32

struct cmd {
    const char *words[MAX_WORDS];
    size_t n;
    int line; /* 0-based line of the command's start within the script */
};

struct pending {
    const char *file_name; /* what the download wrote */
    const char *url;
    int line;
    bool verified;
    bool reported;
};

struct scan {
    struct wh_audit *au;
    const char *file;
    int base_line, stage;
    struct pending p[MAX_PENDING];
    size_t n_pending;
};

static const char *
base_name(const char *w)
{
    const char *slash = strrchr(w, '/');

    return slash != NULL ? slash + 1 : w;
}

static bool
word_in(const char *w, const char *const *set)
{
    size_t i;

    for (i = 0; set[i] != NULL; i++)
        if (strcmp(w, set[i]) == 0)
            return true;
    return false;
}

/* The command word: past sudo, env and VAR=value prefixes. */
static size_t
command_word(const struct cmd *c, size_t from)
{
    size_t i = from;

    while (i < c->n && (strcmp(c->words[i], "sudo") == 0 || strcmp(c->words[i], "env") == 0 ||
                        (strchr(c->words[i], '=') != NULL && c->words[i][0] != '-')))
        i++;
    return i;
}

static const char *const INTERPRETERS[] = {"sh",      "bash", "zsh",  "dash", "ksh",  "python",
                                           "python3", "perl", "ruby", "node", "pwsh", NULL};

static bool
has_url(const char *w)
{
    return strncmp(w, "http://", 7) == 0 || strncmp(w, "https://", 8) == 0;
}

/* The file a curl/wget writes, or NULL (curl to stdout). */
/* Whether word `w` is an option whose value (the next word) is the output file. */
static bool
takes_output(const char *w, bool is_wget)
{
    size_t len = strlen(w);

    /* Bundled short options: curl -fsSLo FILE, wget -qO FILE. */
    if (len > 2 && w[0] == '-' && w[1] != '-' &&
        (w[len - 1] == 'o' || (is_wget && w[len - 1] == 'O')))
        return true;
    return strcmp(w, "-o") == 0 || strcmp(w, "--output") == 0 || strcmp(w, ">") == 0 ||
           (is_wget && strcmp(w, "-O") == 0);
}

/* The file a curl/wget writes, or NULL (curl to stdout). */
static const char *
output_file(struct scan *s, const struct cmd *c, size_t at, const char *url, bool is_wget)
{
    size_t i;

    for (i = at + 1; i < c->n; i++) {
        const char *w = c->words[i];
        if (takes_output(w, is_wget) && i + 1 < c->n)
            return strcmp(c->words[i + 1], "-") == 0 ? NULL : c->words[i + 1];
        if (strncmp(w, "--output-document=", 18) == 0)
            return w + 18;
        if (!is_wget && (strcmp(w, "-O") == 0 || strcmp(w, "--remote-name") == 0))
            return wh_arena_strdup(s->au->a, base_name(url));
    }
    return is_wget ? wh_arena_strdup(s->au->a, base_name(url)) : NULL;
}

static void
add_ref(struct scan *s, int line, const char *url, bool pinned, const char *why)
{
    struct wh_audit_ref *r = wh_audit_add(s->au, s->file, s->base_line + line, 1, WH_PIN_DOWNLOAD);

    if (r == NULL)
        return;
    r->text = url;
    r->name = url;
    r->stage = s->stage;
    r->status = pinned ? WH_AUDIT_PINNED : WH_AUDIT_UNPINNED;
    r->why = why;
}

/* A verification command (any stage of a pipeline: echo "<hex>  f" | sha256sum -c) vouches for
 * every download before it. */
static bool
is_verify_at(const struct cmd *c, size_t from, size_t end)
{
    static const char *const SUMS[] = {"sha256sum", "sha512sum", "sha384sum", "shasum", NULL};
    size_t i, k = command_word(c, from);
    const char *w;

    if (k >= end)
        return false;
    w = base_name(c->words[k]);
    if (word_in(w, SUMS)) {
        for (i = k + 1; i < end; i++)
            if (strcmp(c->words[i], "-c") == 0 || strcmp(c->words[i], "--check") == 0)
                return true;
        return false;
    }
    if (strcmp(w, "cosign") == 0)
        return k + 1 < end && strcmp(c->words[k + 1], "verify-blob") == 0;
    if (strcmp(w, "gpg") == 0) {
        for (i = k + 1; i < end; i++)
            if (strcmp(c->words[i], "--verify") == 0)
                return true;
        return false;
    }
    return strcmp(w, "gpgv") == 0 || strcmp(w, "minisign") == 0;
}

static bool
is_verify(const struct cmd *c)
{
    size_t start = 0, end;

    while (start < c->n) {
        for (end = start; end < c->n && strcmp(c->words[end], "|") != 0; end++)
            ;
        if (is_verify_at(c, start, end))
            return true;
        start = end + 1;
    }
    return false;
}

static bool
names_file(const char *w, const char *f)
{
    return strcmp(w, f) == 0 || strcmp(base_name(w), base_name(f)) == 0;
}

/* Runs, installs or unpacks pending download `p`? */
static bool
uses_download(const struct cmd *c, const struct pending *p)
{
    static const char *const RUNNERS[] = {
        "sh",      "bash",   "zsh",   "dash", "source", ".",   "python",  "python3", "perl",
        "ruby",    "node",   "chmod", "dpkg", "rpm",    "apt", "apt-get", "tar",     "unzip",
        "install", "gunzip", "pip",   "pip3", "npm",    "mv",  "cp",      NULL};
    size_t i, k = command_word(c, 0);

    if (k >= c->n)
        return false;
    if (names_file(c->words[k], p->file_name))
        return true; /* ./installer.sh */
    if (!word_in(base_name(c->words[k]), RUNNERS))
        return false;
    for (i = k + 1; i < c->n; i++)
        if (names_file(c->words[i], p->file_name))
            return true;
    return false;
}

static void
on_download(struct scan *s, const struct cmd *c, size_t seg_end, size_t at, bool piped)
{
    const char *url = NULL, *out;
    size_t i;

    for (i = at + 1; i < seg_end && url == NULL; i++)
        if (has_url(c->words[i]))
            url = c->words[i];
    if (url == NULL)
        return;
    if (piped) {
        add_ref(s, c->line, url, false,
                wh_arena_sprintf(s->au->a,
                                 "%s is piped into an interpreter: nothing checks what runs. "
                                 "Download to a file, check its sha256 (sha256sum -c), then run it",
                                 url));
        return;
    }
    out = output_file(s, c, at, url, strcmp(base_name(c->words[at]), "wget") == 0);
    if (out != NULL && s->n_pending < MAX_PENDING)
        s->p[s->n_pending++] = (struct pending){out, url, c->line, false, false};
}

static void
on_command(struct scan *s, const struct cmd *c)
{
    size_t i, start = 0, k;

    if (is_verify(c))
        for (i = 0; i < s->n_pending; i++)
            s->p[i].verified = true;
    for (i = 0; i < s->n_pending; i++) {
        struct pending *p = &s->p[i];
        if (p->reported || !uses_download(c, p))
            continue;
        p->reported = true;
        add_ref(s, p->line, p->url, p->verified,
                p->verified ? "verified by a checksum or signature check before use"
                            : wh_arena_sprintf(s->au->a,
                                               "%s is run or installed without a checksum or "
                                               "signature check: add sha256sum -c (or pin "
                                               "the artifact by digest) before using %s",
                                               p->url, p->file_name));
    }
    /* Pipelines: curl URL | sh. */
    while (start < c->n) {
        size_t end = start;
        while (end < c->n && strcmp(c->words[end], "|") != 0)
            end++;
        k = command_word(c, start);
        if (k < end && (strcmp(base_name(c->words[k]), "curl") == 0 ||
                        strcmp(base_name(c->words[k]), "wget") == 0)) {
            size_t next = command_word(c, end + 1);
            bool piped =
                end < c->n && next < c->n && word_in(base_name(c->words[next]), INTERPRETERS);
            on_download(s, c, end, k, piped);
        }
        start = end + 1;
    }
}

/* What one character does to the scanner (outside quotes). */
enum act { ACT_CHAR, ACT_QUOTE, ACT_CONT, ACT_BLANK, ACT_END, ACT_AND_OR, ACT_PIPE, ACT_REDIRECT };

static enum act
classify(const char *p)
{
    switch (*p) {
    case '\'':
    case '"':
        return ACT_QUOTE;
    case '\\':
        return p[1] == '\n' ? ACT_CONT : ACT_CHAR;
    case '\n':
    case ';':
    case '\0':
        return ACT_END;
    case '&':
        return p[1] == '&' ? ACT_AND_OR : ACT_BLANK;
    case '|':
        return p[1] == '|' ? ACT_AND_OR : ACT_PIPE;
    case '>':
        return ACT_REDIRECT;
    case ' ':
    case '\t':
    case '\r':
        return ACT_BLANK;
    default:
        return ACT_CHAR;
    }
}

struct splitter {
    struct scan *s;
    struct cmd c;
    struct wh_buf word;
    int line;
};

static void
end_word(struct splitter *sp)
{
    if (sp->word.len > 0 && sp->c.n < MAX_WORDS)
        sp->c.words[sp->c.n++] = wh_arena_strndup(sp->s->au->a, sp->word.ptr, sp->word.len);
    wh_buf_reset(&sp->word);
}

static void
end_command(struct splitter *sp, bool newline)
{
    end_word(sp);
    if (sp->c.n > 0)
        on_command(sp->s, &sp->c);
    sp->c.n = 0;
    sp->c.line = newline ? sp->line + 1 : sp->line;
}

/* Copies a quoted run (the quote at *p) into the word; returns the position of the closing quote
 * (or of the terminating NUL). */
static const char *
quoted(struct splitter *sp, const char *p)
{
    char q = *p++;

    for (; *p != '\0' && *p != q; p++) {
        wh_buf_append(&sp->word, p, 1);
        if (*p == '\n')
            sp->line++;
    }
    return *p == '\0' ? p - 1 : p;
}

/* Splits `script` into commands and words (quotes removed; no expansion). */
static void
scan_script(struct scan *s, const char *script)
{
    struct splitter sp = {.s = s, .c = {.n = 0, .line = 0}, .line = 0};
    const char *p;

    wh_buf_init(&sp.word, WH_AUDIT_FILE_MAX);
    for (p = script;; p++) {
        enum act a = classify(p);
        if (a == ACT_CHAR) {
            wh_buf_append(&sp.word, p, 1);
        } else if (a == ACT_QUOTE) {
            p = quoted(&sp, p);
        } else if (a == ACT_CONT) {
            end_word(&sp);
            p++;
            sp.line++;
        } else if (a == ACT_BLANK) {
            end_word(&sp);
        } else if (a == ACT_PIPE || a == ACT_REDIRECT) {
            end_word(&sp);
            if (sp.c.n < MAX_WORDS)
                sp.c.words[sp.c.n++] = a == ACT_PIPE ? "|" : ">";
        } else {
            end_command(&sp, *p == '\n');
            if (*p == '\0')
                break;
            if (*p == '\n')
                sp.line++;
            if (a == ACT_AND_OR)
                p++;
        }
    }
    wh_buf_fini(&sp.word);
}

void
wh_audit_shell(struct wh_audit *au, const char *file, int line, const char *script, int stage)
{
    struct scan s;

    memset(&s, 0, sizeof(s));
    s.au = au;
    s.file = file;
    s.base_line = line;
    s.stage = stage;
    scan_script(&s, script);
}
