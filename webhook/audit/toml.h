#ifndef WH_AUDIT_TOML_H
#define WH_AUDIT_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * The part of TOML the dependency audit reads (Cargo.toml, Cargo.lock, pyproject.toml,
 * poetry.lock, uv.lock, pdm.lock, pylock.toml), as a stream of table headers and key/value
 * pairs with line numbers. Keys are unquoted and dotted ("target.cfg(unix).dependencies");
 * a value is its text with comments removed (arrays and inline tables may span lines; the
 * multi-line strings of a description are skipped whole). Input is untrusted: keys longer
 * than WH_AUDIT_TOML_KEY_MAX, nesting past WH_AUDIT_TOML_DEPTH, an unterminated string or
 * bracket, a line that is neither a header nor key = value, or a NUL byte are WH_E_INVALID
 * "line:col: message". It does not check the value grammar beyond that.
 */
#define WH_AUDIT_TOML_KEY_MAX 256
#define WH_AUDIT_TOML_DEPTH 32

struct wh_audit_toml {
    struct wh_bytes text;
    size_t off;
    int line;
    const char *table; /* the current header's key ("" before the first) */
    bool array_table;  /* it was [[...]] */
};

enum wh_audit_toml_ev { WH_AUDIT_TOML_END, WH_AUDIT_TOML_TABLE, WH_AUDIT_TOML_KV };

struct wh_audit_toml_kv {
    int line, col;
    const char *key;     /* dotted, relative to the table */
    struct wh_str value; /* comments out, trimmed; arena */
};

void wh_audit_toml_init(struct wh_audit_toml *t, struct wh_bytes text);
/* The next header (t->table set; kv->line its line) or key/value pair. */
WH_MUST_CHECK enum wh_err wh_audit_toml_next(struct wh_audit_toml *t, struct wh_arena *a,
                                             enum wh_audit_toml_ev *ev, struct wh_audit_toml_kv *kv,
                                             struct wh_error *err);
/* A basic ("...", escapes kept as written) or literal ('...') string value, else NULL. */
const char *wh_audit_toml_string(struct wh_str value, struct wh_arena *a);
/* The value of `key` in an inline table value "{ k = v, ... }"; false when absent or `value`
 * is not an inline table. */
bool wh_audit_toml_inline_get(struct wh_str value, const char *key, struct wh_str *out);
/* The text between the brackets of an array ("[...]") or inline table ("{...}") value; false
 * for another value. Then wh_audit_toml_item_next gives its comma-separated items in order
 * (strings and nested brackets kept whole), false past the last. */
bool wh_audit_toml_items(struct wh_str value, char open, struct wh_str *cursor);
bool wh_audit_toml_item_next(struct wh_str *cursor, struct wh_str *item);

#endif
