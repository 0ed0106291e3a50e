#ifndef WH_JSON_SCAN_H
#define WH_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * A pull scanner over one JSON document (RFC 8259, strict): a caller (sbom/normalize.c,
 * admission/request.c) walks the fields it needs and skips the rest without building a tree.
 * Everything it passes over is validated as jansson's json_loadb would: UTF-8 (no overlongs,
 * surrogates or code points past U+10FFFF), escapes (surrogate pairs paired, no \u0000), no control
 * characters in strings, number grammar with jansson's overflow rules (integers must fit int64_t,
 * reals must not overflow a double), literals, nesting up to `max_depth` (WH_E_LIMIT past it) and
 * nothing but whitespace after the top-level value. Syntax errors are WH_E_INVALID "<label>
 * line:col: what", `label` naming the document for the reader ("SBOM JSON"). Duplicate keys are the
 * caller's business (it knows which keys it reads).
 *
 * Usage: _init, then for the value at the cursor _peek its kind and either read it (_string,
 * _object_enter + _object_next ..., _array_enter + _array_next ...) or _skip it; _finish at the
 * end. After an error the scanner must not be used again. Decoded strings are views into the
 * input when they hold no escapes, else into the arena; both live as long as input and arena.
 */
enum wh_json_scan_kind {
    WH_JSON_SCAN_NONE = 0, /* not a kind the scanner returns: "absent" for callers */
    WH_JSON_SCAN_NULL,
    WH_JSON_SCAN_BOOL,
    WH_JSON_SCAN_NUMBER,
    WH_JSON_SCAN_STRING,
    WH_JSON_SCAN_ARRAY,
    WH_JSON_SCAN_OBJECT,
};

/* jansson's own nesting cap (JSON_PARSER_MAX_DEPTH): deeper is WH_E_INVALID, as it was. */
#define WH_JSON_SCAN_MAX_DEPTH 2048

struct wh_json_scan {
    const unsigned char *start, *p, *end;
    size_t depth, max_depth;
    bool fresh; /* just entered a container: no ',' before its first member */
    struct wh_arena *a;
    const char *label;
    /* bit d set: the container at depth d is an object (for _skip's iterative walk) */
    uint64_t is_object[WH_JSON_SCAN_MAX_DEPTH / 64 + 1];
};

/* `label` (a static string) prefixes every error message. */
void wh_json_scan_init(struct wh_json_scan *s, struct wh_bytes json, size_t max_depth,
                       const char *label, struct wh_arena *a);

/* Skips whitespace and names the kind of the value that starts there (not consumed). */
WH_MUST_CHECK enum wh_err wh_json_scan_peek(struct wh_json_scan *s, enum wh_json_scan_kind *kind,
                                            struct wh_error *err);

/* Reads the string at the cursor (after _peek said STRING), decoded. */
WH_MUST_CHECK enum wh_err wh_json_scan_string(struct wh_json_scan *s, struct wh_str *out,
                                              struct wh_error *err);

/* Reads the literal at the cursor (after _peek said BOOL): true or false. */
WH_MUST_CHECK enum wh_err wh_json_scan_bool(struct wh_json_scan *s, bool *out,
                                            struct wh_error *err);

/* Validates and passes over the value at the cursor, whatever its kind. */
WH_MUST_CHECK enum wh_err wh_json_scan_skip(struct wh_json_scan *s, struct wh_error *err);

/* Enters the object at the cursor; then _object_next until *has_key is false (its '}' read). */
WH_MUST_CHECK enum wh_err wh_json_scan_object_enter(struct wh_json_scan *s, struct wh_error *err);
/* Reads ',' (unless first), the key and ':' and leaves the cursor on the member's value. */
WH_MUST_CHECK enum wh_err wh_json_scan_object_next(struct wh_json_scan *s, struct wh_str *key,
                                                   bool *has_key, struct wh_error *err);

/* Enters the array at the cursor; then _array_next until *has_item is false (its ']' read). */
WH_MUST_CHECK enum wh_err wh_json_scan_array_enter(struct wh_json_scan *s, struct wh_error *err);
WH_MUST_CHECK enum wh_err wh_json_scan_array_next(struct wh_json_scan *s, bool *has_item,
                                                  struct wh_error *err);

/* WH_E_INVALID unless only whitespace is left. */
WH_MUST_CHECK enum wh_err wh_json_scan_finish(struct wh_json_scan *s, struct wh_error *err);

/* WH_E_INVALID "<label> line:col: <what> \"<detail>\"" at the cursor (for the caller's own
 * findings, such as a duplicate key, that are syntax errors to jansson). */
enum wh_err wh_json_scan_fail(const struct wh_json_scan *s, const char *what, struct wh_str detail,
                              struct wh_error *err);

#endif
