/* Dockerfile instructions → image and download references (dockerfile.h). */
#include "audit/dockerfile.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/shell.h"

#define MAX_VARS 256
#define MAX_STAGES 256
#define MAX_EXPANDED 4096
#define MAX_WORDS 64

struct var {
    const char *name;
    const char *value; /* NULL: declared without a default */
};

struct stage {
    const char *name; /* lowercased alias, or NULL */
    int parent;       /* index of the stage it is FROM, or -1 for an image or scratch */
    bool ships;       /* the final stage or one it is built FROM */
    size_t first_ref; /* its references: [first_ref, end_ref) in au->refs */
    size_t end_ref;
};

struct df {
    struct wh_audit *au;
    const char *file;
    struct wh_error *err;
    char escape;
    struct var globals[MAX_VARS], locals[MAX_VARS];
    size_t n_globals, n_locals;
    struct stage stages[MAX_STAGES];
    size_t n_stages;
    bool global_scope; /* FROM lines see only the ARGs before the first FROM */
};

/* One logical instruction. */
struct insn {
    int line;
    const char *keyword; /* uppercased */
    const char *args;    /* continuation joins kept as "\\\n" for RUN scripts */
    const char *flat;    /* args with continuations as spaces */
};

static enum wh_err
fail(struct df *d, int line, const char *msg)
{
    return wh_error_set(d->err, WH_E_INVALID, "%d:1: %s", line, msg);
}

/* ---- variables ---- */

static const struct var *
find_var(const struct var *vars, size_t n, const char *name, size_t len)
{
    size_t i;

    for (i = n; i > 0; i--)
        if (strlen(vars[i - 1].name) == len && memcmp(vars[i - 1].name, name, len) == 0)
            return &vars[i - 1];
    return NULL;
}

static const struct var *
lookup(struct df *d, const char *name, size_t len)
{
    if (d->n_stages > 0 && !d->global_scope)
        return find_var(d->locals, d->n_locals, name, len);
    return find_var(d->globals, d->n_globals, name, len);
}

static bool
is_name_char(char ch)
{
    return isalnum((unsigned char)ch) || ch == '_';
}

/* ${NAME[:-+]word} at p (after "${"); appends to b; false if it cannot be resolved. */
static bool
expand_braced(struct df *d, const char **pp, struct wh_buf *b, const char **missing)
{
    const char *p = *pp, *name = p, *close;
    const struct var *v;
    size_t len;
    char op = 0;
    bool colon = false;

    while (is_name_char(*p))
        p++;
    len = (size_t)(p - name);
    close = strchr(p, '}');
    if (close == NULL || len == 0)
        return false;
    if (*p == ':') {
        colon = true;
        p++;
    }
    if (*p == '-' || *p == '+')
        op = *p++;
    else if (p != close)
        return false;
    v = lookup(d, name, len);
    *pp = close + 1;
    if (op == '-' && (v == NULL || v->value == NULL || (colon && v->value[0] == '\0'))) {
        wh_buf_append(b, p, (size_t)(close - p));
        return true;
    }
    if (op == '+') {
        if (v != NULL && v->value != NULL && !(colon && v->value[0] == '\0'))
            wh_buf_append(b, p, (size_t)(close - p));
        return true;
    }
    if (v == NULL || v->value == NULL) {
        *missing = wh_arena_strndup(d->au->a, name, len);
        return false;
    }
    wh_buf_append_c(b, v->value);
    return true;
}

/* `text` with $NAME and ${NAME...} substituted (one level, as BuildKit does), or NULL with
 * *missing naming the variable that has no value. */
static const char *
expand(struct df *d, const char *text, const char **missing)
{
    struct wh_buf b;
    const char *p = text, *out = NULL;
    bool ok = true;

    *missing = NULL;
    wh_buf_init(&b, MAX_EXPANDED);
    wh_buf_append(&b, "", 0);
    while (ok && *p != '\0') {
        if (*p == d->escape && p[1] == '$') {
            wh_buf_append(&b, "$", 1);
            p += 2;
        } else if (p[0] == '$' && p[1] == '{') {
            p += 2;
            ok = expand_braced(d, &p, &b, missing);
        } else if (p[0] == '$' && is_name_char(p[1])) {
            const char *name = ++p;
            const struct var *v;
            while (is_name_char(*p))
                p++;
            v = lookup(d, name, (size_t)(p - name));
            if (v == NULL || v->value == NULL) {
                *missing = wh_arena_strndup(d->au->a, name, (size_t)(p - name));
                ok = false;
            } else {
                wh_buf_append_c(&b, v->value);
            }
        } else {
            wh_buf_append(&b, p++, 1);
        }
    }
    if (ok && !b.overflow)
        out = wh_arena_strdup(d->au->a, b.ptr);
    if (*missing == NULL && out == NULL)
        *missing = "(unparsable ${...})";
    wh_buf_fini(&b);
    return out;
}

/* ---- words ---- */

/* Splits on blanks, removing one level of quotes. At most MAX_WORDS. */
static size_t
split_words(struct df *d, const char *s, const char **words)
{
    size_t n = 0;
    struct wh_buf w;
    char quote = 0;

    wh_buf_init(&w, MAX_EXPANDED);
    for (;; s++) {
        bool blank = *s == '\0' || (quote == 0 && isspace((unsigned char)*s));
        if (!blank) {
            if (quote == 0 && (*s == '"' || *s == '\''))
                quote = *s;
            else if (*s == quote)
                quote = 0;
            else
                wh_buf_append(&w, s, 1);
            continue;
        }
        if (w.len > 0 && n < MAX_WORDS && !w.overflow)
            words[n++] = wh_arena_strndup(d->au->a, w.ptr, w.len);
        wh_buf_reset(&w);
        if (*s == '\0')
            break;
    }
    wh_buf_fini(&w);
    return n;
}

static void
add_var(struct df *d, struct var *vars, size_t *n, const char *word)
{
    const char *eq = strchr(word, '=');
    const char *name = eq != NULL ? wh_arena_strndup(d->au->a, word, (size_t)(eq - word)) : word;
    const char *missing, *value = NULL;
    const struct var *outer;

    if (eq != NULL)
        value = expand(d, eq + 1, &missing); /* NULL when it refers to an unknown variable */
    else if (d->n_stages > 0 &&
             (outer = find_var(d->globals, d->n_globals, name, strlen(name))) != NULL)
        value = outer->value; /* ARG NAME in a stage takes the global default */
    if (*n < MAX_VARS)
        vars[(*n)++] = (struct var){name, value};
}

/* ---- references ---- */

static struct wh_audit_ref *
add_image_ref(struct df *d, int line, enum wh_pin_kind kind, const char *written)
{
    const char *missing, *text = expand(d, written, &missing);
    struct wh_audit_ref *r = wh_audit_add(d->au, d->file, line, 1, kind);

    if (r == NULL)
        return NULL;
    if (text == NULL) {
        r->text = r->name = written;
        r->why = wh_arena_sprintf(d->au->a,
                                  "%s uses $%s, which has no default value here: the image cannot "
                                  "be known from the repository. Give ARG %s a default with "
                                  "@sha256:<digest>",
                                  written, missing, missing);
        return r;
    }
    wh_audit_image(d->au, r, text);
    if (strcmp(text, written) != 0)
        r->text = wh_arena_sprintf(d->au->a, "%s (from %s)", text, written);
    return r;
}

static int
stage_by_name(struct df *d, const char *name)
{
    size_t i;
    char *end;
    long idx;

    for (i = 0; i < d->n_stages; i++)
        if (d->stages[i].name != NULL && strcasecmp(d->stages[i].name, name) == 0)
            return (int)i;
    idx = strtol(name, &end, 10);
    if (*name != '\0' && *end == '\0' && idx >= 0 && (size_t)idx < d->n_stages)
        return (int)idx;
    return -1;
}

static enum wh_err
on_from(struct df *d, const struct insn *in)
{
    const char *words[MAX_WORDS];
    size_t n = split_words(d, in->flat, words), i = 0;
    struct stage *st;
    const char *image, *missing, *resolved;

    if (d->n_stages == MAX_STAGES)
        return wh_error_set(d->err, WH_E_LIMIT, "%d:1: more than %d stages", in->line, MAX_STAGES);
    while (i < n && strncmp(words[i], "--", 2) == 0)
        i++;
    if (i >= n)
        return fail(d, in->line, "FROM names no image");
    image = words[i];
    d->global_scope = true;
    st = &d->stages[d->n_stages];
    memset(st, 0, sizeof(*st));
    st->parent = -1;
    if (i + 2 < n && strcasecmp(words[i + 1], "AS") == 0)
        st->name = words[i + 2];
    resolved = expand(d, image, &missing);
    if (resolved != NULL && stage_by_name(d, resolved) >= 0 && strchr(resolved, ':') == NULL)
        st->parent = stage_by_name(d, resolved);
    d->n_locals = 0;
    if (d->n_stages > 0)
        d->stages[d->n_stages - 1].end_ref = d->au->n_refs;
    st->first_ref = d->au->n_refs;
    if (st->parent < 0 && (resolved == NULL || strcasecmp(resolved, "scratch") != 0))
        add_image_ref(d, in->line, WH_PIN_BASE_IMAGE, image);
    d->global_scope = false;
    d->n_stages++;
    return WH_OK;
}

/* COPY --from=X / RUN --mount=...,from=X,...: X is a stage or an image. */
static void
on_from_flag(struct df *d, int line, const char *value)
{
    const char *missing, *resolved = expand(d, value, &missing);

    if (resolved != NULL && stage_by_name(d, resolved) >= 0)
        return;
    add_image_ref(d, line, WH_PIN_COPY_FROM, value);
}

static void
on_mount(struct df *d, int line, const char *spec)
{
    const char *p = spec;

    while (p != NULL && *p != '\0') {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        if (len > 5 && strncmp(p, "from=", 5) == 0)
            on_from_flag(d, line, wh_arena_strndup(d->au->a, p + 5, len - 5));
        p = comma != NULL ? comma + 1 : NULL;
    }
}

static void
on_add(struct df *d, const struct insn *in)
{
    const char *words[MAX_WORDS], *checksum = NULL;
    size_t n = split_words(d, in->flat, words), i;
    struct wh_audit_ref *r;

    for (i = 0; i < n; i++) {
        if (strncmp(words[i], "--checksum=", 11) == 0)
            checksum = words[i] + 11;
        if (strncmp(words[i], "--", 2) == 0 || i + 1 == n)
            continue; /* the last word is the destination */
        if (strncmp(words[i], "http://", 7) != 0 && strncmp(words[i], "https://", 8) != 0)
            continue;
        r = wh_audit_add(d->au, d->file, in->line, 1, WH_PIN_DOWNLOAD);
        if (r == NULL)
            return;
        r->text = r->name = words[i];
        if (checksum != NULL && wh_audit_is_sha256(wh_str_c(checksum))) {
            r->status = WH_AUDIT_PINNED;
            r->digest = checksum;
        } else {
            r->why = wh_arena_sprintf(d->au->a,
                                      "ADD %s fetches whatever the server sends: add "
                                      "--checksum=sha256:<hex>",
                                      words[i]);
        }
    }
}

static void
on_copy_or_run(struct df *d, const struct insn *in, bool is_run)
{
    const char *words[MAX_WORDS];
    size_t n = split_words(d, in->flat, words), i;
    const char *script = in->args;

    for (i = 0; i < n && strncmp(words[i], "--", 2) == 0; i++) {
        if (!is_run && strncmp(words[i], "--from=", 7) == 0)
            on_from_flag(d, in->line, words[i] + 7);
        if (is_run && strncmp(words[i], "--mount=", 8) == 0)
            on_mount(d, in->line, words[i] + 8);
    }
    if (!is_run || d->n_stages == 0)
        return;
    /* Skip the flags in the raw text for the shell scan. */
    while (*script == ' ' || *script == '\t')
        script++;
    while (strncmp(script, "--", 2) == 0) {
        while (*script != '\0' && !isspace((unsigned char)*script))
            script++;
        while (*script == ' ' || *script == '\t')
            script++;
    }
    if (*script != '[')
        wh_audit_shell(d->au, d->file, in->line, script, -1);
}

static enum wh_err
on_insn(struct df *d, const struct insn *in)
{
    const char *words[MAX_WORDS];
    size_t n, i;

    if (strcmp(in->keyword, "FROM") == 0)
        return on_from(d, in);
    if (strcmp(in->keyword, "ARG") == 0) {
        n = split_words(d, in->flat, words);
        for (i = 0; i < n; i++)
            if (d->n_stages == 0)
                add_var(d, d->globals, &d->n_globals, words[i]);
            else
                add_var(d, d->locals, &d->n_locals, words[i]);
        return WH_OK;
    }
    if (d->n_stages == 0)
        return fail(d, in->line,
                    wh_arena_sprintf(d->au->a, "%s before the first FROM", in->keyword));
    if (strcmp(in->keyword, "COPY") == 0)
        on_copy_or_run(d, in, false);
    else if (strcmp(in->keyword, "RUN") == 0)
        on_copy_or_run(d, in, true);
    else if (strcmp(in->keyword, "ADD") == 0)
        on_add(d, in);
    return WH_OK;
}

/* ---- lines → instructions ---- */

struct reader {
    const char *p, *end;
    int line; /* of the next line to read */
};

/* The next physical line (without its newline) into *l; false at the end. */
static bool
next_line(struct reader *r, struct wh_str *l, int *line)
{
    const char *nl;

    if (r->p >= r->end)
        return false;
    nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    l->ptr = r->p;
    l->len = nl != NULL ? (size_t)(nl - r->p) : (size_t)(r->end - r->p);
    if (l->len > 0 && l->ptr[l->len - 1] == '\r')
        l->len--;
    *line = r->line++;
    r->p = nl != NULL ? nl + 1 : r->end;
    return true;
}

static struct wh_str
trim(struct wh_str s)
{
    while (s.len > 0 && isspace((unsigned char)s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && isspace((unsigned char)s.ptr[s.len - 1]))
        s.len--;
    return s;
}

/* "# escape=`" (or "# syntax=..."): parser directives, only before anything else. */
static bool
directive(struct df *d, struct wh_str t, int line)
{
    struct wh_str v;

    if (t.len < 2 || t.ptr[0] != '#')
        return false;
    v = trim((struct wh_str){t.ptr + 1, t.len - 1});
    if (v.len == 8 && strncasecmp(v.ptr, "escape=", 7) == 0 &&
        (v.ptr[7] == '`' || v.ptr[7] == '\\')) {
        d->escape = v.ptr[7];
        return true;
    }
    if (v.len > 7 && strncasecmp(v.ptr, "syntax=", 7) == 0) {
        /* The BuildKit frontend image runs the whole build (with its secrets and mounts). */
        struct wh_str img = trim((struct wh_str){v.ptr + 7, v.len - 7});
        struct wh_audit_ref *r = wh_audit_add(d->au, d->file, line, 1, WH_PIN_BASE_IMAGE);
        if (r != NULL) {
            wh_audit_image(d->au, r, wh_arena_strndup(d->au->a, img.ptr, img.len));
            r->stage = 1;
            if (r->status == WH_AUDIT_UNPINNED)
                r->why = wh_arena_sprintf(d->au->a,
                                          "the BuildKit frontend %s (# syntax=) runs the build: "
                                          "pin it as %s@sha256:<digest>",
                                          r->text, r->name);
        }
        return true;
    }
    return false;
}

/* The heredoc word of "<<[-]["']WORD" at args[i] ("<<"), copied to word[64]; its length, 0 when
 * this is not one (a shift "1<<2"). *end is the index past it. */
static size_t
heredoc_word(struct wh_str args, size_t i, char *word, bool *strip, size_t *end)
{
    size_t j = i + 2, k = 0;

    *strip = false;
    if (j < args.len && args.ptr[j] == '-') {
        *strip = true;
        j++;
    }
    if (j < args.len && (args.ptr[j] == '"' || args.ptr[j] == '\''))
        j++;
    if (j >= args.len || !(isalpha((unsigned char)args.ptr[j]) || args.ptr[j] == '_'))
        return 0;
    while (j < args.len && k + 1 < 64 && is_name_char(args.ptr[j]))
        word[k++] = args.ptr[j++];
    word[k] = '\0';
    *end = j;
    return k;
}

/* Heredoc words (<<EOF, <<-EOF, <<"EOF") in an instruction line: appends each body to `b`. */
static void
read_heredocs(struct reader *r, struct wh_str args, struct wh_buf *b)
{
    size_t i, k, end = 0;
    char word[64];
    bool strip;
    struct wh_str l;
    int line;

    for (i = 0; i + 2 < args.len; i++) {
        if (args.ptr[i] != '<' || args.ptr[i + 1] != '<')
            continue;
        k = heredoc_word(args, i, word, &strip, &end);
        if (k == 0)
            continue;
        while (next_line(r, &l, &line)) {
            struct wh_str t = strip ? trim(l) : l;
            if (t.len == k && memcmp(t.ptr, word, k) == 0)
                break;
            wh_buf_append(b, "\n", 1);
            wh_buf_append(b, l.ptr, l.len);
        }
        i = end;
    }
}

/* The rest of the instruction after its first line: continuation lines (comment lines inside
 * are dropped, as BuildKit does). */
static void
read_continuation(struct df *d, struct reader *r, struct wh_str first, struct wh_buf *raw,
                  struct wh_buf *flat)
{
    struct wh_str l = first, t = trim(first);
    int line;

    for (;;) {
        bool more = t.len > 0 && t.ptr[t.len - 1] == d->escape;
        size_t keep = more ? (size_t)(t.ptr + t.len - 1 - l.ptr) : l.len;
        wh_buf_append(raw, l.ptr, keep);
        wh_buf_append(flat, l.ptr, keep);
        if (!more)
            return;
        wh_buf_append(raw, d->escape == '\\' ? "\\\n" : "\n", d->escape == '\\' ? 2 : 1);
        wh_buf_append(flat, " ", 1);
        do {
            if (!next_line(r, &l, &line))
                return;
            t = trim(l);
        } while (t.len > 0 && t.ptr[0] == '#');
    }
}

static enum wh_err
read_insn(struct df *d, struct reader *r, struct wh_str t, int line)
{
    struct wh_buf raw, flat;
    struct insn in;
    size_t k = 0;
    char kw[16];
    enum wh_err rc;

    while (k < t.len && k + 1 < sizeof(kw) && isalpha((unsigned char)t.ptr[k])) {
        kw[k] = (char)toupper((unsigned char)t.ptr[k]);
        k++;
    }
    kw[k] = '\0';
    if (k == 0 || (k < t.len && !isspace((unsigned char)t.ptr[k])))
        return wh_error_set(d->err, WH_E_INVALID, "%d:1: not a Dockerfile instruction", line);
    wh_buf_init(&raw, WH_AUDIT_FILE_MAX);
    wh_buf_init(&flat, WH_AUDIT_FILE_MAX);
    wh_buf_append(&raw, "", 0);
    wh_buf_append(&flat, "", 0);
    read_continuation(d, r, (struct wh_str){t.ptr + k, t.len - k}, &raw, &flat);
    read_heredocs(r, (struct wh_str){flat.ptr, flat.len}, &raw);
    in.line = line;
    in.keyword = kw;
    in.args = wh_arena_strndup(d->au->a, raw.ptr, raw.len);
    in.flat = wh_arena_strndup(d->au->a, flat.ptr, flat.len);
    wh_buf_fini(&raw);
    wh_buf_fini(&flat);
    rc = on_insn(d, &in);
    return rc;
}

static void
assign_stages(struct df *d)
{
    size_t i, j;
    int s;

    if (d->n_stages == 0)
        return;
    d->stages[d->n_stages - 1].end_ref = d->au->n_refs;
    /* The final stage and every stage it is FROM ship; parents point backwards, so this ends. */
    for (s = (int)d->n_stages - 1; s >= 0; s = d->stages[s].parent)
        d->stages[s].ships = true;
    for (i = 0; i < d->n_stages; i++)
        for (j = d->stages[i].first_ref; j < d->stages[i].end_ref && j < d->au->n_refs; j++)
            d->au->refs[j].stage = d->stages[i].ships ? 0 : 1;
}

enum wh_err
wh_audit_dockerfile(struct wh_audit *au, const char *file, struct wh_bytes text,
                    struct wh_error *err)
{
    struct df *d = wh_arena_alloc(au->a, sizeof(*d));
    struct reader r = {(const char *)text.ptr, (const char *)text.ptr + text.len, 1};
    struct wh_str l;
    bool directives = true;
    int line;
    enum wh_err rc = WH_OK;

    d->au = au;
    d->file = file;
    d->err = err;
    d->escape = '\\';
    if (memchr(text.ptr, '\0', text.len) != NULL)
        return wh_error_set(err, WH_E_INVALID, "1:1: a NUL byte: not a Dockerfile");
    while (rc == WH_OK && next_line(&r, &l, &line)) {
        struct wh_str t = trim(l);
        if (directives && directive(d, t, line))
            continue;
        directives = false;
        if (t.len == 0 || t.ptr[0] == '#')
            continue;
        rc = read_insn(d, &r, t, line);
    }
    if (rc == WH_OK && d->n_stages == 0)
        rc = wh_error_set(err, WH_E_INVALID, "1:1: no FROM instruction");
    assign_stages(d);
    return rc;
}
