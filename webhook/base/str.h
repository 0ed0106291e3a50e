#ifndef WH_BASE_STR_H
#define WH_BASE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/error.h"

/* A borrowed view of text; never assume NUL termination. */
struct wh_str {
    const char *ptr;
    size_t len;
};

/* A borrowed view of binary bytes. */
struct wh_bytes {
    const unsigned char *ptr;
    size_t len;
};

/*
 * Growable output capped at init: appends past `cap` set `overflow` and are dropped, so a writer
 * checks once at the end (wh_buf_check). Owns its heap block; wh_buf_fini frees it.
 */
struct wh_buf {
    char *ptr; /* always NUL-terminated after the first append */
    size_t len;
    size_t alloc;
    size_t cap;
    bool overflow;
};

/*
 * The UTF-8 sequence at s[0..n) (n >= 1), RFC 3629 table 3-7: no overlongs, surrogates or code
 * points past U+10FFFF. Returns its length (1 for ASCII) and sets *cp when cp is not NULL; 0 when
 * the bytes are not one.
 */
size_t wh_utf8_next(const unsigned char *s, size_t n, uint32_t *cp);
/* True for the code points a terminal, a log viewer or a renderer acts on instead of showing:
 * C0 controls, DEL, C1 controls, LRM/RLM, the line and paragraph separators and the
 * bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). */
bool wh_utf8_is_unsafe(uint32_t cp);
/* The largest length <= max at which `s` (len bytes) can be cut without splitting a UTF-8
 * sequence: a text truncated there stays UTF-8 if it was. */
size_t wh_utf8_cut(const char *s, size_t len, size_t max);

#define WH_STR(lit) ((struct wh_str){(lit), sizeof(lit) - 1})

static inline struct wh_str
wh_str_c(const char *s)
{
    return (struct wh_str){s, s == NULL ? 0 : strlen(s)};
}

/* `v` in decimal, NUL-terminated at the end of `buf` (returned): what "%llu" prints, without a
 * format to read. */
const char *wh_str_decimal(char buf[24], unsigned long long v);
bool wh_str_eq(struct wh_str a, struct wh_str b);
bool wh_str_eq_c(struct wh_str a, const char *b);
bool wh_str_has_prefix(struct wh_str s, const char *prefix);
bool wh_str_has_suffix(struct wh_str s, const char *suffix);
/* Byte-wise comparison like strcmp, for sorting views. */
int wh_str_cmp(struct wh_str a, struct wh_str b);

/* `s` without the spaces and tabs at either end. */
struct wh_str wh_str_trim_blanks(struct wh_str s);

/* Reads `text` a physical line at a time: start with {.text = bytes}; `line` is the 1-based
 * number of the line last returned. */
struct wh_str_lines {
    struct wh_bytes text;
    size_t pos;
    int line;
};

/* The next line, without its newline or a CR before it; false at the end of the text. */
bool wh_str_lines_next(struct wh_str_lines *l, struct wh_str *out);

void wh_buf_init(struct wh_buf *b, size_t cap);
void wh_buf_fini(struct wh_buf *b);
/* Room for `n` bytes (at most the cap) allocated now: a writer that knows its typical size grows
 * its block once instead of doubling from 256. Changes nothing else. */
void wh_buf_reserve(struct wh_buf *b, size_t n);
void wh_buf_reset(struct wh_buf *b);
void wh_buf_append(struct wh_buf *b, const void *p, size_t n);
void wh_buf_append_c(struct wh_buf *b, const char *s);
void wh_buf_printf(struct wh_buf *b, const char *fmt, ...) WH_PRINTF(2, 3);
/*
 * Appends `s` as a JSON string literal, quotes included, escaping per RFC 8259. The output is
 * valid UTF-8 JSON whatever `s` holds: a byte that is not part of a UTF-8 sequence becomes
 * \ufffd, and the code points of wh_utf8_is_unsafe are \u-escaped, never copied raw.
 */
void wh_buf_append_json_string(struct wh_buf *b, struct wh_str s);
/* The index of the first byte of `s` from `from` on that is not printable ASCII other than '"'
 * and '\\' (s.len when none): what the JSON writer copies as it is. 16 bytes a step (SSE2). */
size_t wh_str_json_plain_end(struct wh_str s, size_t from);
/* WH_E_LIMIT if any append overflowed the cap. */
WH_MUST_CHECK enum wh_err wh_buf_check(const struct wh_buf *b, const char *what,
                                       struct wh_error *err);

/* strdup(s) that calls wh_oom() instead of returning NULL; the caller frees it. */
char *wh_str_dup(const char *s);
/* The value of one hex digit (either case), or -1 when c is not one. */
int wh_str_hex_value(int c);

/* The n bytes the 2n hex digits (either case) at s spell, into out; false at the first non-hex
 * character (out then holds a prefix). */
bool wh_str_hex_decode(const char *s, size_t n, unsigned char *out);

#endif
