/* The filesystem manifest's model, canonical text and strict parser (docs/fs-manifest.md). */
#include "fsm/manifest.h"

#include <stdlib.h>
#include <string.h>

#include "base/digest.h"

static const char *const type_names[] = {"file", "dir", "link", "char", "block", "fifo", "socket"};
static const char *const note_names[] = {"changed", "incomplete", "skipped", "unreadable"};

const char *
wh_fsm_type_name(enum wh_fsm_type t)
{
    return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "?";
}

void
wh_fsm_manifest_add(struct wh_fsm_manifest *m, const struct wh_fsm_entry *e, struct wh_arena *a)
{
    if (m->n_entries == m->alloc_entries) {
        size_t n = m->alloc_entries == 0 ? 64 : m->alloc_entries * 2;
        m->entries = wh_arena_grow(a, m->entries, m->n_entries, n, sizeof(*m->entries));
        m->alloc_entries = n;
    }
    m->entries[m->n_entries++] = *e;
}

void
wh_fsm_manifest_note(struct wh_fsm_manifest *m, enum wh_fsm_note_kind kind, const char *path,
                     struct wh_arena *a)
{
    if (m->n_notes == m->alloc_notes) {
        size_t n = m->alloc_notes == 0 ? 8 : m->alloc_notes * 2;
        m->notes = wh_arena_grow(a, m->notes, m->n_notes, n, sizeof(*m->notes));
        m->alloc_notes = n;
    }
    m->notes[m->n_notes].kind = kind;
    m->notes[m->n_notes].path = path;
    m->n_notes++;
}

static int
cmp_entry(const void *x, const void *y)
{
    return strcmp(((const struct wh_fsm_entry *)x)->path, ((const struct wh_fsm_entry *)y)->path);
}

static int
cmp_note(const void *x, const void *y)
{
    const struct wh_fsm_note *a = x, *b = y;

    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    return strcmp(a->path, b->path);
}

void
wh_fsm_manifest_sort(struct wh_fsm_manifest *m)
{
    if (m->n_entries > 1)
        qsort(m->entries, m->n_entries, sizeof(*m->entries), cmp_entry);
    if (m->n_notes > 1)
        qsort(m->notes, m->n_notes, sizeof(*m->notes), cmp_note);
}

static bool
is_plain(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != '\\';
}

void
wh_fsm_escape(struct wh_buf *b, const char *s, size_t n)
{
    size_t i, run = 0;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (is_plain(c))
            continue;
        wh_buf_append(b, s + run, i - run);
        wh_buf_printf(b, "\\%03o", c);
        run = i + 1;
    }
    wh_buf_append(b, s + run, n - run);
}

static void
render_entry(struct wh_buf *b, const struct wh_fsm_entry *e)
{
    char hex[65];

    wh_fsm_escape(b, e->path, strlen(e->path));
    wh_buf_printf(b, " type=%s", wh_fsm_type_name(e->type));
    if (e->type != WH_FSM_LINK)
        wh_buf_printf(b, " mode=%04o", (unsigned)(e->mode & 07777));
    wh_buf_printf(b, " uid=%llu gid=%llu", (unsigned long long)e->uid, (unsigned long long)e->gid);
    if (e->type == WH_FSM_FILE) {
        wh_buf_printf(b, " size=%llu", (unsigned long long)e->size);
        if (e->has_sha256) {
            wh_digest_hex(e->sha256, 32, hex);
            wh_buf_printf(b, " sha256=%s", hex);
        }
    }
    if (e->type == WH_FSM_LINK) {
        wh_buf_append_c(b, " link=");
        wh_fsm_escape(b, e->link, strlen(e->link));
    }
    if (e->caps != NULL && e->n_caps > 0) {
        char caps[2 * WH_FSM_MAX_CAPS + 1];
        wh_digest_hex(e->caps, e->n_caps, caps);
        wh_buf_printf(b, " xattr.security.capability=%s", caps);
    }
    wh_buf_append_c(b, "\n");
}

enum wh_err
wh_fsm_manifest_render(const struct wh_fsm_manifest *m, size_t max, struct wh_arena *a,
                       struct wh_str *out, struct wh_error *err)
{
    struct wh_buf b;
    size_t i;

    wh_buf_init(&b, max);
    wh_buf_append_c(&b, WH_FSM_HEADER);
    for (i = 0; i < m->n_entries && !b.overflow; i++)
        render_entry(&b, &m->entries[i]);
    for (i = 0; i < m->n_notes && !b.overflow; i++) {
        wh_buf_printf(&b, "#%s ", note_names[m->notes[i].kind]);
        wh_fsm_escape(&b, m->notes[i].path, strlen(m->notes[i].path));
        wh_buf_append_c(&b, "\n");
    }
    if (wh_buf_check(&b, "filesystem manifest", err) != WH_OK) {
        wh_buf_fini(&b);
        return err->code;
    }
    out->ptr = wh_arena_strndup(a, b.ptr, b.len);
    out->len = b.len;
    wh_buf_fini(&b);
    return WH_OK;
}

const char *
wh_fsm_root_digest(struct wh_str text, struct wh_arena *a)
{
    char d[WH_DIGEST_STR_LEN];

    wh_digest_sha256_str(text.ptr, text.len, d);
    return wh_arena_strdup(a, d);
}

const struct wh_fsm_entry *
wh_fsm_manifest_find(const struct wh_fsm_manifest *m, const char *path)
{
    size_t lo = 0, hi = m->n_entries;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(m->entries[mid].path, path);
        if (c == 0)
            return &m->entries[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ---- parsing ---- */

struct parser {
    const char *p, *end;
    size_t line;
    struct wh_arena *a;
    struct wh_error *err;
};

static enum wh_err
bad(struct parser *ps, const char *what)
{
    return wh_error_set(ps->err, WH_E_INVALID, "filesystem manifest: line %zu: %s", ps->line, what);
}

/* Reads one escaped token up to a space or the line end into raw bytes (arena, NUL-terminated).
 * Only canonical escapes: \ooo for exactly the bytes wh_fsm_escape escapes. */
static enum wh_err
unescape_token(struct parser *ps, size_t max, const char **out)
{
    char *buf;
    size_t n = 0;
    const char *q = ps->p;

    while (q < ps->end && *q != ' ' && *q != '\n')
        q++;
    if (q == ps->p)
        return bad(ps, "empty path or value");
    if ((size_t)(q - ps->p) > 4 * max)
        return bad(ps, "path or value too long");
    buf = wh_arena_alloc(ps->a, (size_t)(q - ps->p) + 1);
    while (ps->p < q) {
        unsigned char c = (unsigned char)*ps->p;
        if (c == '\\') {
            unsigned v;
            if (q - ps->p < 4 || ps->p[1] < '0' || ps->p[1] > '3' || ps->p[2] < '0' ||
                ps->p[2] > '7' || ps->p[3] < '0' || ps->p[3] > '7')
                return bad(ps, "malformed \\ooo escape");
            v = (unsigned)(ps->p[1] - '0') * 64 + (unsigned)(ps->p[2] - '0') * 8 +
                (unsigned)(ps->p[3] - '0');
            if (v == 0 || is_plain((unsigned char)v))
                return bad(ps, "escape of a byte that is written as itself (or NUL)");
            buf[n++] = (char)v;
            ps->p += 4;
        } else if (is_plain(c)) {
            buf[n++] = (char)c;
            ps->p++;
        } else {
            return bad(ps, "unescaped byte in a path or value");
        }
    }
    if (n > max)
        return bad(ps, "path or value too long");
    buf[n] = '\0';
    *out = buf;
    return WH_OK;
}

/* " key=" then a canonical decimal (no sign, no leading zero). */
static enum wh_err
field_u64(struct parser *ps, const char *key, uint64_t *out)
{
    size_t kl = strlen(key);
    uint64_t v = 0;
    const char *start;

    if ((size_t)(ps->end - ps->p) < kl + 2 || ps->p[0] != ' ' || memcmp(ps->p + 1, key, kl) != 0 ||
        ps->p[kl + 1] != '=')
        return bad(ps, wh_arena_sprintf(ps->a, "expected %s=", key));
    ps->p += kl + 2;
    start = ps->p;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        unsigned d = (unsigned)(*ps->p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return bad(ps, wh_arena_sprintf(ps->a, "%s out of range", key));
        v = v * 10 + d;
        ps->p++;
    }
    if (ps->p == start || (ps->p - start > 1 && *start == '0'))
        return bad(ps, wh_arena_sprintf(ps->a, "%s: expected a canonical decimal", key));
    *out = v;
    return WH_OK;
}

static bool
take(struct parser *ps, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, lit, n) != 0)
        return false;
    ps->p += n;
    return true;
}

static enum wh_err
hex_bytes(struct parser *ps, unsigned char *out, size_t max, size_t *n_out)
{
    size_t n = 0;

    while (ps->p + 1 < ps->end && n < max) {
        int hi = (unsigned char)ps->p[0], lo = (unsigned char)ps->p[1];
        int h = hi >= '0' && hi <= '9' ? hi - '0' : hi >= 'a' && hi <= 'f' ? hi - 'a' + 10 : -1;
        int l = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
        if (h < 0 || l < 0)
            break;
        out[n++] = (unsigned char)(h * 16 + l);
        ps->p += 2;
    }
    if (n == 0 || (ps->p < ps->end && *ps->p != ' ' && *ps->p != '\n'))
        return bad(ps, "expected lowercase hex");
    *n_out = n;
    return WH_OK;
}

static enum wh_err
parse_type(struct parser *ps, enum wh_fsm_type *t)
{
    size_t i;

    if (!take(ps, " type="))
        return bad(ps, "expected type=");
    for (i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++) {
        size_t n = strlen(type_names[i]);
        if ((size_t)(ps->end - ps->p) > n && memcmp(ps->p, type_names[i], n) == 0 &&
            (ps->p[n] == ' ' || ps->p[n] == '\n')) {
            ps->p += n;
            *t = (enum wh_fsm_type)i;
            return WH_OK;
        }
    }
    return bad(ps, "unknown type");
}

static enum wh_err
parse_mode(struct parser *ps, uint32_t *mode)
{
    int i;

    if (!take(ps, " mode=") || ps->end - ps->p < 4)
        return bad(ps, "expected mode=");
    *mode = 0;
    for (i = 0; i < 4; i++) {
        if (ps->p[i] < '0' || ps->p[i] > '7')
            return bad(ps, "mode: expected four octal digits");
        *mode = *mode * 8 + (uint32_t)(ps->p[i] - '0');
    }
    ps->p += 4;
    return WH_OK;
}

static enum wh_err
parse_file_fields(struct parser *ps, struct wh_fsm_entry *e)
{
    size_t n;
    enum wh_err rc = field_u64(ps, "size", &e->size);

    if (rc != WH_OK)
        return rc;
    if (take(ps, " sha256=")) {
        if ((rc = hex_bytes(ps, e->sha256, 32, &n)) != WH_OK)
            return rc;
        if (n != 32)
            return bad(ps, "sha256: expected 64 hex digits");
        e->has_sha256 = true;
    }
    return WH_OK;
}

static enum wh_err
parse_entry(struct parser *ps, struct wh_fsm_entry *e)
{
    enum wh_err rc;

    memset(e, 0, sizeof(*e));
    if ((rc = unescape_token(ps, WH_FSM_MAX_PATH, &e->path)) != WH_OK)
        return rc;
    if (strcmp(e->path, ".") != 0 && strncmp(e->path, "./", 2) != 0)
        return bad(ps, "path must be \".\" or start with \"./\"");
    if ((rc = parse_type(ps, &e->type)) != WH_OK)
        return rc;
    if (e->type != WH_FSM_LINK && (rc = parse_mode(ps, &e->mode)) != WH_OK)
        return rc;
    if ((rc = field_u64(ps, "uid", &e->uid)) != WH_OK ||
        (rc = field_u64(ps, "gid", &e->gid)) != WH_OK)
        return rc;
    if (e->type == WH_FSM_FILE && (rc = parse_file_fields(ps, e)) != WH_OK)
        return rc;
    if (e->type == WH_FSM_LINK) {
        if (!take(ps, " link="))
            return bad(ps, "expected link=");
        if ((rc = unescape_token(ps, WH_FSM_MAX_PATH, &e->link)) != WH_OK)
            return rc;
    }
    if (take(ps, " xattr.security.capability=")) {
        unsigned char *caps = wh_arena_alloc(ps->a, WH_FSM_MAX_CAPS);
        if ((rc = hex_bytes(ps, caps, WH_FSM_MAX_CAPS, &e->n_caps)) != WH_OK)
            return rc;
        e->caps = caps;
    }
    if (!take(ps, "\n"))
        return bad(ps, "unexpected field or missing newline");
    return WH_OK;
}

static enum wh_err
parse_note(struct parser *ps, struct wh_fsm_manifest *m)
{
    const char *path;
    size_t k;
    enum wh_err rc;

    const char *start = ps->p;

    for (k = 0; k < sizeof(note_names) / sizeof(note_names[0]); k++) {
        ps->p = start;
        if (take(ps, "#") && take(ps, note_names[k]) && take(ps, " "))
            break;
    }
    if (k == sizeof(note_names) / sizeof(note_names[0]))
        return bad(ps, "unknown note (expected #changed, #incomplete, #skipped or #unreadable)");
    if ((rc = unescape_token(ps, WH_FSM_MAX_PATH, &path)) != WH_OK)
        return rc;
    if (!take(ps, "\n"))
        return bad(ps, "note: missing newline");
    if (m->n_notes > 0) {
        struct wh_fsm_note *prev = &m->notes[m->n_notes - 1];
        if (prev->kind > (enum wh_fsm_note_kind)k ||
            (prev->kind == (enum wh_fsm_note_kind)k && strcmp(prev->path, path) >= 0))
            return bad(ps, "notes not in canonical order");
    }
    wh_fsm_manifest_note(m, (enum wh_fsm_note_kind)k, path, ps->a);
    return WH_OK;
}

enum wh_err
wh_fsm_manifest_parse(struct wh_str text, size_t max_entries, struct wh_arena *a,
                      struct wh_fsm_manifest *out, struct wh_error *err)
{
    struct parser ps = {text.ptr, text.ptr + text.len, 1, a, err};
    struct wh_fsm_manifest m;
    enum wh_err rc;

    memset(&m, 0, sizeof(m));
    if (!take(&ps, WH_FSM_HEADER))
        return bad(&ps, "expected the header \"#driftgate-fsm v1 sha256\"");
    while (ps.p < ps.end && *ps.p != '#') {
        struct wh_fsm_entry e;
        ps.line++;
        if (m.n_entries == max_entries)
            return wh_error_set(err, WH_E_LIMIT, "filesystem manifest: more than %zu entries",
                                max_entries);
        if ((rc = parse_entry(&ps, &e)) != WH_OK)
            return rc;
        if (m.n_entries > 0 && strcmp(m.entries[m.n_entries - 1].path, e.path) >= 0)
            return bad(&ps, "entries not sorted bytewise by path, or a duplicate path");
        wh_fsm_manifest_add(&m, &e, a);
    }
    while (ps.p < ps.end) {
        ps.line++;
        if (m.n_notes == max_entries)
            return wh_error_set(err, WH_E_LIMIT, "filesystem manifest: more than %zu notes",
                                max_entries);
        if ((rc = parse_note(&ps, &m)) != WH_OK)
            return rc;
    }
    *out = m;
    return WH_OK;
}
