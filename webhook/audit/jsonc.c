/* A JSONC scanner: comments and trailing commas out, positions kept (jsonc.h). */
#include "audit/jsonc.h"

#include <stdbool.h>
#include <string.h>

static void
position(const unsigned char *s, size_t at, size_t *line, size_t *col)
{
    size_t i;

    *line = 1;
    *col = 1;
    for (i = 0; i < at; i++) {
        if (s[i] == '\n') {
            ++*line;
            *col = 1;
        } else {
            ++*col;
        }
    }
}

/* Index just past the string that opens at s[i] == '"' (or n when it never closes). */
static size_t
skip_string(const unsigned char *s, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (s[i] == '\\')
            i++;
        else if (s[i] == '"' || s[i] == '\n')
            return i + 1; /* a raw newline ends it for us; the JSON parser reports it */
    }
    return n;
}

/* Blanks the comment at s[i] ('/' followed by '/' or '*'); returns the index past it, or n + 1
 * for an unterminated block comment. */
static size_t
blank_comment(unsigned char *s, size_t n, size_t i)
{
    if (s[i + 1] == '/') {
        for (; i < n && s[i] != '\n'; i++)
            s[i] = ' ';
        return i;
    }
    s[i] = s[i + 1] = ' ';
    for (i += 2; i + 1 < n; i++) {
        if (s[i] == '*' && s[i + 1] == '/') {
            s[i] = s[i + 1] = ' ';
            return i + 2;
        }
        if (s[i] != '\n')
            s[i] = ' ';
    }
    return n + 1;
}

static bool
is_space(unsigned char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* Second pass, over comment-free text: a comma whose next non-space is } or ] goes. */
static void
blank_trailing_commas(unsigned char *s, size_t n)
{
    size_t i = 0, j;

    while (i < n) {
        if (s[i] == '"') {
            i = skip_string(s, n, i);
            continue;
        }
        if (s[i] == ',') {
            for (j = i + 1; j < n && is_space(s[j]); j++)
                ;
            if (j < n && (s[j] == '}' || s[j] == ']'))
                s[i] = ' ';
            i = j;
            continue;
        }
        i++;
    }
}

enum wh_err
wh_audit_jsonc_strip(struct wh_bytes in, struct wh_arena *a, struct wh_bytes *out,
                     struct wh_error *err)
{
    unsigned char *s = wh_arena_alloc(a, in.len + 1);
    size_t i = 0, n = in.len, line, col;

    if (n > 0)
        memcpy(s, in.ptr, n);
    s[n] = '\0';
    while (i < n) {
        if (s[i] == '"') {
            i = skip_string(s, n, i);
        } else if (s[i] == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')) {
            size_t start = i;
            i = blank_comment(s, n, i);
            if (i > n) {
                position(in.ptr, start, &line, &col);
                return wh_error_set(err, WH_E_INVALID, "%zu:%zu: unterminated /* comment", line,
                                    col);
            }
        } else {
            i++;
        }
    }
    blank_trailing_commas(s, n);
    out->ptr = s;
    out->len = n;
    return WH_OK;
}
