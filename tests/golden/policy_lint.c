/*
 * Golden driver: loads each policy file strictly and prints one line per file, "ok" or
 * "<code> <line>:<col> <message>" (the "file:" prefix dropped so goldens do not depend on paths).
 * After "ok", one "warning <line>:<col> <message>" line per lint warning (policy/overlap.h) on
 * stderr, so stdout keeps one line per file (tests/golden/schema_test.sh pastes it to the names).
 * Exit 0 when every file loaded, 1 otherwise. `--key-dir DIR` (repeatable, before the files)
 * allows key files there as `driftgate policy lint --key-dir` does; the load's time is now.
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/limits.h"
#include "policy/overlap.h"
#include "policy/policy.h"

/* "12:7: warning: text" → "warning 12:7 text" */
static void
print_warnings(const struct wh_policy *p)
{
    struct wh_policy_overlap *o;
    struct wh_arena a;
    size_t i, n;

    wh_arena_init(&a);
    n = wh_policy_overlaps(p, &a, &o);
    fflush(stdout);
    for (i = 0; i < n; i++) {
        const char *msg = wh_policy_overlap_message(&o[i], NULL, &a);
        size_t pos = strspn(msg, "0123456789:");

        fprintf(stderr, "warning %.*s %s\n", (int)(pos - 1), msg, msg + pos + strlen(" warning: "));
    }
    wh_arena_fini(&a);
}

int
main(int argc, char **argv)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    const char *key_dirs[8];
    struct wh_policy_load_options lo = {
        .limits = &lim, .now = wh_clock_wall(), .key_dirs = key_dirs};
    int i = 1, status = 0;

    for (; i + 1 < argc && strcmp(argv[i], "--key-dir") == 0 && lo.n_key_dirs < 8; i += 2)
        key_dirs[lo.n_key_dirs++] = argv[i + 1];
    if (i >= argc) {
        fprintf(stderr, "usage: policy_lint [--key-dir DIR]... FILE...\n");
        return 2;
    }
    for (; i < argc; i++) {
        struct wh_policy *p;
        struct wh_error err;
        size_t n = strlen(argv[i]), pos;
        const char *msg;

        if (wh_policy_load_with(argv[i], &lo, &p, &err) == WH_OK) {
            printf("ok\n");
            print_warnings(p);
            wh_policy_unref(p);
            continue;
        }
        status = 1;
        msg = err.msg;
        if (strncmp(msg, argv[i], n) == 0 && msg[n] == ':')
            msg += n + 1;
        /* "12:5: text" → "12:5 text" */
        pos = strspn(msg, "0123456789:");
        if (pos > 1 && msg[pos - 1] == ':' && msg[pos] == ' ')
            printf("%s %.*s%s\n", wh_error_name(err.code), (int)(pos - 1), msg, msg + pos);
        else
            printf("%s %s\n", wh_error_name(err.code), msg);
    }
    return status;
}
