/* The TOML subset the dependency audit reads: headers and key = value, positions kept (toml.h). */
#include "audit/toml.h"

#include <string.h>

struct scan {
    struct wh_audit_toml *t;
    const char *s;
    size_t n, line_start;
    struct wh_error *err;
};

/* `at` before the current line's start (a token that opened on an earlier line) is said at the
 * line's first column: a position is never 0 or negative. */
static enum wh_err
bad(struct scan *c, size_t at, const char *msg)
{
    return wh_error_set(c->err, WH_E_INVALID, "%d:%zu: %s", c->t->line,
                        at >= c->line_start ? at - c->line_start + 1 : 1, msg);
}

static size_t
skip_blanks(const struct scan *c, size_t i)
{
    while (i < c->n && (c->s[i] == ' ' || c->s[i] == '\t'))
        i++;
    return i;
}

static void
newline(struct scan *c, size_t i)
{
    c->t->line++;
    c->line_start = i + 1;
}

/* Index past the string opening at s[i] (a quote), copying it to `b` when not NULL; multi-line
 * strings (""" or ''') may span lines. */
static enum wh_err
skip_string(struct scan *c, size_t *at, struct wh_buf *b)
{
    size_t i = *at, start = i, line_start = c->line_start;
    int line = c->t->line;
    char q = c->s[i];
    bool multi = i + 2 < c->n && c->s[i + 1] == q && c->s[i + 2] == q;

    i += multi ? 3 : 1;
    for (; i < c->n; i++) {
        if (c->s[i] == '\0')
            return bad(c, i, "a NUL byte");
        if (q == '"' && c->s[i] == '\\' && i + 1 < c->n && c->s[i + 1] != '\n') {
            i++;
        } else if (c->s[i] == '\n') {
            if (!multi)
                return bad(c, start, "unterminated string");
            newline(c, i);
        } else if (c->s[i] == q &&
                   (!multi || (i + 2 < c->n && c->s[i + 1] == q && c->s[i + 2] == q))) {
            i += multi ? 3 : 1;
            if (b != NULL && multi)
                wh_buf_append_c(b, "\"\""); /* a description: its text is not read */
            else if (b != NULL)
                wh_buf_append(b, c->s + start, i - start);
            *at = i;
            return WH_OK;
        }
    }
    c->t->line = line; /* say where it opened */
    c->line_start = line_start;
    return bad(c, start, "unterminated string");
}

/* One key part at s[*at] (quoted, or bare: letters, digits, - and _) appended to `key`. */
static enum wh_err
key_part(struct scan *c, size_t *at, struct wh_buf *key)
{
    size_t i = *at, start = *at;
    enum wh_err rc;

    if (i < c->n && (c->s[i] == '"' || c->s[i] == '\'')) {
        if (i + 2 < c->n && c->s[i + 1] == c->s[i] && c->s[i + 2] == c->s[i])
            return bad(c, start, "a key cannot be a multi-line string");
        if ((rc = skip_string(c, &i, NULL)) != WH_OK)
            return rc;
        wh_buf_append(key, c->s + start + 1, i - start - 2);
    } else {
        while (i < c->n &&
               (strchr("-_", c->s[i]) != NULL || (c->s[i] >= 'a' && c->s[i] <= 'z') ||
                (c->s[i] >= 'A' && c->s[i] <= 'Z') || (c->s[i] >= '0' && c->s[i] <= '9')))
            i++;
        if (i == start)
            return bad(c, start, "expected a key");
        wh_buf_append(key, c->s + start, i - start);
    }
    *at = i;
    return WH_OK;
}

/* A key (bare, quoted, dotted) at s[*at] into `key`. */
static enum wh_err
parse_key(struct scan *c, size_t *at, struct wh_buf *key)
{
    size_t i = *at, start;
    enum wh_err rc;

    for (;;) {
        i = skip_blanks(c, i);
        start = i;
        if ((rc = key_part(c, &i, key)) != WH_OK)
            return rc;
        if (key->len > WH_AUDIT_TOML_KEY_MAX)
            return bad(c, start, "a key longer than 256 bytes");
        i = skip_blanks(c, i);
        if (i >= c->n || c->s[i] != '.')
            break;
        wh_buf_append_c(key, ".");
        i++;
    }
    *at = i;
    return WH_OK;
}

/* Only blanks and a comment may follow on the line. */
static enum wh_err
end_of_line(struct scan *c, size_t *at)
{
    size_t i = skip_blanks(c, *at);

    if (i < c->n && c->s[i] == '#')
        while (i < c->n && c->s[i] != '\n')
            i++;
    if (i < c->n && c->s[i] == '\r')
        i++;
    if (i < c->n && c->s[i] != '\n')
        return bad(c, i, "unexpected text after the value");
    if (i < c->n)
        newline(c, i++);
    *at = i;
    return WH_OK;
}

static enum wh_err
value_char(struct scan *c, size_t *at, int *depth, struct wh_buf *b)
{
    size_t i = *at;
    char ch = c->s[i];

    if (ch == '"' || ch == '\'')
        return skip_string(c, at, b);
    if (ch == '\0')
        return bad(c, i, "a NUL byte");
    if (ch == '#') {
        while (i < c->n && c->s[i] != '\n')
            i++;
        *at = i;
        return WH_OK;
    }
    if (ch == '[' || ch == '{') {
        if (++*depth > WH_AUDIT_TOML_DEPTH)
            return bad(c, i, "nested deeper than 32");
    } else if (ch == ']' || ch == '}') {
        if (--*depth < 0)
            return bad(c, i, "unbalanced bracket");
    } else if (ch == '\n') {
        newline(c, i);
        ch = ' ';
    }
    wh_buf_append(b, &ch, 1);
    *at = i + 1;
    return WH_OK;
}

static enum wh_err
scan_value(struct scan *c, size_t *at, struct wh_arena *a, struct wh_str *out)
{
    struct wh_buf b;
    size_t i = *at, start = *at, line_start = c->line_start;
    int depth = 0, line = c->t->line;
    enum wh_err rc = WH_OK;

    wh_buf_init(&b, c->n + 1);
    while (rc == WH_OK && i < c->n && (depth > 0 || c->s[i] != '\n'))
        rc = value_char(c, &i, &depth, &b);
    if (rc == WH_OK && depth > 0) {
        c->t->line = line;
        c->line_start = line_start;
        rc = bad(c, start, "unterminated array or inline table");
    }
    if (rc == WH_OK) {
        struct wh_str v = wh_str_trim_blanks((struct wh_str){b.ptr, b.len});
        while (v.len > 0 && v.ptr[v.len - 1] == '\r')
            v.len--;
        if (v.len == 0)
            rc = bad(c, start, "a key without a value");
        out->ptr = wh_arena_strndup(a, v.ptr, v.len);
        out->len = v.len;
    }
    wh_buf_fini(&b);
    *at = i;
    return rc;
}

static enum wh_err
parse_header(struct scan *c, size_t *at, struct wh_arena *a)
{
    size_t i = *at + 1;
    bool array = i < c->n && c->s[i] == '[';
    struct wh_buf key;
    enum wh_err rc;

    wh_buf_init(&key, WH_AUDIT_TOML_KEY_MAX + 64);
    i += array ? 1 : 0;
    rc = parse_key(c, &i, &key);
    if (rc == WH_OK &&
        (i >= c->n || c->s[i] != ']' || (array && (i + 1 >= c->n || c->s[i + 1] != ']'))))
        rc = bad(c, i, array ? "expected ]]" : "expected ]");
    if (rc == WH_OK) {
        i += array ? 2 : 1;
        c->t->table = wh_arena_strndup(a, key.ptr, key.len);
        c->t->array_table = array;
        rc = end_of_line(c, &i);
    }
    wh_buf_fini(&key);
    *at = i;
    return rc;
}

static enum wh_err
parse_pair(struct scan *c, size_t *at, struct wh_arena *a, struct wh_audit_toml_kv *kv)
{
    size_t i = *at;
    struct wh_buf key;
    enum wh_err rc;

    kv->line = c->t->line;
    kv->col = (int)(i - c->line_start + 1);
    wh_buf_init(&key, WH_AUDIT_TOML_KEY_MAX + 64);
    rc = parse_key(c, &i, &key);
    if (rc == WH_OK && (i >= c->n || c->s[i] != '='))
        rc = bad(c, i, "expected = after the key");
    if (rc == WH_OK) {
        kv->key = wh_arena_strndup(a, key.ptr, key.len);
        i = skip_blanks(c, i + 1);
        rc = scan_value(c, &i, a, &kv->value);
    }
    if (rc == WH_OK)
        rc = end_of_line(c, &i);
    wh_buf_fini(&key);
    *at = i;
    return rc;
}

void
wh_audit_toml_init(struct wh_audit_toml *t, struct wh_bytes text)
{
    memset(t, 0, sizeof(*t));
    t->text = text;
    t->line = 1;
    t->table = "";
}

enum wh_err
wh_audit_toml_next(struct wh_audit_toml *t, struct wh_arena *a, enum wh_audit_toml_ev *ev,
                   struct wh_audit_toml_kv *kv, struct wh_error *err)
{
    struct scan c = {t, (const char *)t->text.ptr, t->text.len, t->off, err};
    size_t i = t->off;
    enum wh_err rc;

    memset(kv, 0, sizeof(*kv));
    for (;;) {
        i = skip_blanks(&c, i);
        if (i >= c.n) {
            *ev = WH_AUDIT_TOML_END;
            t->off = i;
            return WH_OK;
        }
        if (c.s[i] == '#' || c.s[i] == '\r' || c.s[i] == '\n') {
            if ((rc = end_of_line(&c, &i)) != WH_OK)
                return rc;
            continue;
        }
        break;
    }
    if (c.s[i] == '[') {
        kv->line = t->line;
        *ev = WH_AUDIT_TOML_TABLE;
        rc = parse_header(&c, &i, a);
    } else {
        *ev = WH_AUDIT_TOML_KV;
        rc = parse_pair(&c, &i, a, kv);
    }
    t->off = i;
    return rc;
}

/* ---- values ---- */

const char *
wh_audit_toml_string(struct wh_str v, struct wh_arena *a)
{
    size_t i;

    if (v.len < 2 || (v.ptr[0] != '"' && v.ptr[0] != '\'') || v.ptr[v.len - 1] != v.ptr[0])
        return NULL;
    if (v.len >= 6 && v.ptr[1] == v.ptr[0] && v.ptr[2] == v.ptr[0])
        return NULL; /* multi-line */
    for (i = 1; i + 1 < v.len; i++) {
        if (v.ptr[0] == '"' && v.ptr[i] == '\\')
            i++;
        else if (v.ptr[i] == v.ptr[0])
            return NULL; /* "a" "b": not one string */
    }
    if (i != v.len - 1)
        return NULL;
    return wh_arena_strndup(a, v.ptr + 1, v.len - 2);
}

bool
wh_audit_toml_items(struct wh_str v, char open, struct wh_str *cursor)
{
    char close = open == '[' ? ']' : '}';

    if (v.len < 2 || v.ptr[0] != open || v.ptr[v.len - 1] != close)
        return false;
    *cursor = (struct wh_str){v.ptr + 1, v.len - 2};
    return true;
}

bool
wh_audit_toml_item_next(struct wh_str *cursor, struct wh_str *item)
{
    const char *s = cursor->ptr;
    size_t n = cursor->len, i = 0, start;
    int depth = 0;
    char q = 0;

    while (i < n && (s[i] == ' ' || s[i] == ','))
        i++;
    if (i >= n)
        return false;
    for (start = i; i < n; i++) {
        if (q != 0) {
            if (q == '"' && s[i] == '\\')
                i++;
            else if (s[i] == q)
                q = 0;
        } else if (s[i] == '"' || s[i] == '\'') {
            q = s[i];
        } else if (s[i] == '[' || s[i] == '{') {
            depth++;
        } else if (s[i] == ']' || s[i] == '}') {
            depth--;
        } else if (s[i] == ',' && depth == 0) {
            break;
        }
    }
    if (i > n)
        i = n;
    *item = wh_str_trim_blanks((struct wh_str){s + start, i - start});
    *cursor = (struct wh_str){s + i, n - i};
    return true;
}

bool
wh_audit_toml_inline_get(struct wh_str v, const char *key, struct wh_str *out)
{
    struct wh_str cur, item;
    size_t k = strlen(key);

    if (!wh_audit_toml_items(v, '{', &cur))
        return false;
    while (wh_audit_toml_item_next(&cur, &item)) {
        struct wh_str name = item;
        size_t i = 0;
        bool quoted = item.len > 0 && (item.ptr[0] == '"' || item.ptr[0] == '\'');
        if (quoted)
            name = (struct wh_str){item.ptr + 1, item.len - 1};
        if (name.len < k || memcmp(name.ptr, key, k) != 0)
            continue;
        i = (size_t)(name.ptr - item.ptr) + k + (quoted ? 1 : 0);
        if (quoted && (i > item.len || item.ptr[i - 1] != item.ptr[0]))
            continue;
        while (i < item.len && (item.ptr[i] == ' ' || item.ptr[i] == '\t'))
            i++;
        if (i < item.len && item.ptr[i] == '=') {
            *out = wh_str_trim_blanks((struct wh_str){item.ptr + i + 1, item.len - i - 1});
            return true;
        }
    }
    return false;
}
