/*
 * Golden driver: loads each policy file strictly and prints one line per file, "ok" or
 * "<code> <line>:<col> <message>" (the "file:" prefix dropped so goldens do not depend on paths).
 * Exit 0 when every file loaded, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include "base/limits.h"
#include "policy/policy.h"

int
main(int argc, char **argv)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    int i, status = 0;

    if (argc < 2) {
        fprintf(stderr, "usage: policy_lint FILE...\n");
        return 2;
    }
    for (i = 1; i < argc; i++) {
        struct wh_policy *p;
        struct wh_error err;
        size_t n = strlen(argv[i]), pos;
        const char *msg;

        if (wh_policy_load(argv[i], &lim, &p, &err) == WH_OK) {
            printf("ok\n");
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
