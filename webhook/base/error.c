/* Error values: a code plus one human sentence built outside-in by wrapping. */
#include "base/error.h"

#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* This file defines these: not error.h's clang-analyzer spelling of them. */
#undef wh_error_set
#undef wh_error_set_at
#undef wh_error_openssl
#undef wh_error_wrap

enum wh_err
wh_error_set(struct wh_error *err, enum wh_err code, const char *fmt, ...)
{
    va_list ap;

    err->code = code;
    err->line = err->col = 0;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

enum wh_err
wh_error_set_at(struct wh_error *err, enum wh_err code, const char *file, int line, int col,
                const char *fmt, ...)
{
    char cause[sizeof(err->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cause, sizeof(cause), fmt, ap);
    va_end(ap);
    wh_error_set(err, code, "%s:%d:%d: %s", file, line, col, cause);
    err->line = line;
    err->col = col;
    return code;
}

enum wh_err
wh_error_wrap(struct wh_error *err, const char *fmt, ...)
{
    char joined[sizeof(err->msg)];
    size_t n, rest;
    int w;
    va_list ap;

    va_start(ap, fmt);
    w = vsnprintf(joined, sizeof(joined), fmt, ap);
    va_end(ap);
    n = w < 0 ? 0 : (size_t)w;
    if (n > sizeof(joined) - 3)
        n = sizeof(joined) - 3;
    joined[n++] = ':';
    joined[n++] = ' ';
    /* The inner cause is the most specific part; keep as much of it as fits. */
    rest = strnlen(err->msg, sizeof(err->msg));
    if (rest > sizeof(joined) - 1 - n)
        rest = sizeof(joined) - 1 - n;
    memcpy(joined + n, err->msg, rest);
    joined[n + rest] = '\0';
    memcpy(err->msg, joined, sizeof(err->msg));
    return err->code;
}

enum wh_err
wh_error_openssl(struct wh_error *err, enum wh_err code, const char *what)
{
    unsigned long e = ERR_get_error();
    char reason[160] = "no detail";

    if (e != 0)
        ERR_error_string_n(e, reason, sizeof(reason));
    ERR_clear_error();
    return wh_error_set(err, code, "%s: %s", what, reason);
}

const char *
wh_error_name(enum wh_err code)
{
    switch (code) {
    case WH_OK:
        return "ok";
    case WH_E_INVALID:
        return "invalid";
    case WH_E_LIMIT:
        return "limit";
    case WH_E_NOT_FOUND:
        return "not_found";
    case WH_E_VERIFY:
        return "verify";
    case WH_E_UNAVAILABLE:
        return "unavailable";
    case WH_E_TIMEOUT:
        return "timeout";
    case WH_E_INTERNAL:
        return "internal";
    }
    return "internal";
}

void
wh_oom(void)
{
    fputs("driftgate: out of memory\n", stderr);
    abort();
}

void
wh_assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "driftgate: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
