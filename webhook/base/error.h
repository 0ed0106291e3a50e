#ifndef WH_BASE_ERROR_H
#define WH_BASE_ERROR_H

#include <stdarg.h>

/* Error codes double as metric labels (wh_error_name). Add one only when a caller branches on it.
 */
enum wh_err {
    WH_OK = 0,
    WH_E_INVALID,     /* malformed input: JSON, YAML, reference, envelope */
    WH_E_LIMIT,       /* input exceeded a configured bound */
    WH_E_NOT_FOUND,   /* manifest, signature or attestation absent */
    WH_E_VERIFY,      /* signature, chain, identity or digest check failed */
    WH_E_UNAVAILABLE, /* registry, network or TLS failure; HTTP 5xx */
    WH_E_TIMEOUT,     /* the review's deadline passed */
    WH_E_INTERNAL,    /* broken invariant: a bug */
};

struct wh_error {
    enum wh_err code;
    char msg[512]; /* "outer context: inner context: cause"; 512 fits image + path + cause */
    /* Where in a text input (policy, config YAML) the cause is, 1-based; 0 when it has none. The
     * message says it too ("file:line:col: cause"), for people; these are for tools. */
    int line, col;
};

#define WH_MUST_CHECK __attribute__((warn_unused_result))
#define WH_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Sets *err and returns `code`: callers write `return wh_error_set(err, WH_E_X, "...")`. */
enum wh_err wh_error_set(struct wh_error *err, enum wh_err code, const char *fmt, ...)
    WH_PRINTF(3, 4);
/* wh_error_set for a cause at a position of `file`: msg "file:line:col: <fmt>", err->line and
 * err->col set. */
enum wh_err wh_error_set_at(struct wh_error *err, enum wh_err code, const char *file, int line,
                            int col, const char *fmt, ...) WH_PRINTF(6, 7);
/* Prepends "<context>: " to err->msg; returns err->code (and the position) unchanged. */
enum wh_err wh_error_wrap(struct wh_error *err, const char *fmt, ...) WH_PRINTF(2, 3);
/* Sets *err from the OpenSSL error queue (drained) prefixed by `what`. */
enum wh_err wh_error_openssl(struct wh_error *err, enum wh_err code, const char *what);
/* "ok", "invalid", "limit", "not_found", "verify", "unavailable", "timeout", "internal". */
const char *wh_error_name(enum wh_err code);

#ifdef __clang_analyzer__
/* For clang-tidy only (make tidy): the analyzer reads one .c at a time and cannot see that these
 * return their `code`, never WH_OK, so it walks "the callee failed, the caller took the WH_OK
 * branch" paths that cannot happen and reports every output an error path leaves unset (outputs
 * are valid only on WH_OK). Spelling the return out here removes those paths. wh_error_wrap is
 * only ever called on a failure, so it returns that failure's code. error.c #undefs these.
 * (Comma expressions, not statement expressions: those would raise cognitive complexity.) */
static inline enum wh_err
wh_error_failed_(enum wh_err code)
{
    __builtin_assume(code != WH_OK);
    return code;
}
#define wh_error_set(err, code, ...) ((void)(wh_error_set)((err), (code), __VA_ARGS__), (code))
#define wh_error_set_at(err, code, ...)                                                            \
    ((void)(wh_error_set_at)((err), (code), __VA_ARGS__), (code))
#define wh_error_openssl(err, code, what) ((void)(wh_error_openssl)((err), (code), (what)), (code))
#define wh_error_wrap(...) wh_error_failed_((wh_error_wrap)(__VA_ARGS__))
#endif

/* Allocation failure: a restartable pod with capped inputs needs no OOM recovery paths. */
_Noreturn void wh_oom(void);
_Noreturn void wh_assert_fail(const char *expr, const char *file, int line);

#define WH_ASSERT(c) ((c) ? (void)0 : wh_assert_fail(#c, __FILE__, __LINE__))
/* Asserts in debug builds; in release evaluates to the condition so the caller takes the safe
 * branch: `if (WH_NEVER(x == NULL)) return wh_error_set(err, WH_E_INTERNAL, ...);` */
#ifdef NDEBUG
#define WH_NEVER(c) (c)
#else
#define WH_NEVER(c) ((c) ? (wh_assert_fail(#c, __FILE__, __LINE__), 1) : 0)
#endif

#endif
