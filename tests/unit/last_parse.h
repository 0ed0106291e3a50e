#ifndef WH_TESTS_LAST_PARSE_H
#define WH_TESTS_LAST_PARSE_H

/*
 * The state a parser's unit test reads after each parse. The file's parse helper passes
 * last_parse_arena() and &err to the parser: each parse starts on an empty arena with a clear
 * error, and what it gave (the file's own result variable) stays readable until the next parse.
 * expect_rc(parse(...), code, needle, name) checks a parse's code and its error message. main()
 * ends with last_parse_fini().
 */
#include <string.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "unit/harness.h"

static struct wh_arena arena; /* zeroed: an empty arena, as wh_arena_init leaves it */
static struct wh_error err;

static inline struct wh_arena *
last_parse_arena(void)
{
    wh_arena_fini(&arena);
    wh_arena_init(&arena);
    memset(&err, 0, sizeof(err));
    return &arena;
}

static inline void
last_parse_fini(void)
{
    wh_arena_fini(&arena);
}

/* The last parse returned `code` and its error message holds `needle` ("" for any). */
static inline void
expect_rc(enum wh_err rc, enum wh_err code, const char *needle, const char *name)
{
    ok(rc == code && strstr(err.msg, needle) != NULL, "%s: %s (%s)", name,
       rc == WH_OK ? "accepted" : err.msg, wh_error_name(rc));
}

/* A C string as the bytes a parser reads (without the NUL). */
static inline struct wh_bytes
text_bytes(const char *s)
{
    return (struct wh_bytes){(const unsigned char *)s, strlen(s)};
}

#endif
