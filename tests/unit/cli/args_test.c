/* cli/args.c: the getopt_long walk keeps the hand-written parsers' grammar (exact flag names,
 * "-" and single-dash words positional, a value may start with "--") and adds "--name=value" and
 * "--" as the end of flags. */
#include <string.h>

#include "cli/args.h"
#include "unit/harness.h"

enum { F_POLICY = 256, F_ONLY };

static const struct option flags[] = {
    {"policy", required_argument, NULL, F_POLICY},
    {"only", no_argument, NULL, F_ONLY},
    {NULL, 0, NULL, 0},
};

/* Walks argv (NULL-terminated, argv[0] the command) into "P:x F:policy=v B ..." in `out`. */
static const char *
walk(char **argv, char *out, size_t cap)
{
    struct wh_cli_args s = {.argv = argv, .flags = flags};
    const char *v;
    size_t n = 0;
    int c;

    while (argv[s.argc] != NULL)
        s.argc++;
    out[0] = '\0';
    while ((c = wh_cli_args_next(&s, &v)) != -1 && n < cap) {
        if (c == WH_CLI_ARG_POSITIONAL)
            n += (size_t)snprintf(out + n, cap - n, "P:%s ", v);
        else if (c == WH_CLI_ARG_BAD)
            n += (size_t)snprintf(out + n, cap - n, "B ");
        else
            n += (size_t)snprintf(out + n, cap - n, "F:%s=%s ", c == F_POLICY ? "policy" : "only",
                                  v != NULL ? v : "-");
    }
    return out;
}

int
main(void)
{
    static const struct {
        const char *args[8], *want;
    } cases[] = {
        {{"x", "--policy", "p.yaml", "file", NULL}, "F:policy=p.yaml P:file "},
        {{"x", "file", "--policy=p.yaml", NULL}, "P:file F:policy=p.yaml "},
        {{"x", "--policy", "--only", NULL}, "F:policy=--only "},
        {{"x", "--only", "-", "-x", NULL}, "F:only=- P:- P:-x "},
        {{"x", "--pol", "p.yaml", NULL}, "B P:p.yaml "},
        {{"x", "--polic=p.yaml", "--only", NULL}, "B F:only=- "},
        {{"x", "--bogus", "--only", NULL}, "B F:only=- "},
        {{"x", "--policy", NULL}, "B "},
        {{"x", "--only=1", NULL}, "B "},
        {{"x", "--", "--only", "--policy", NULL}, "P:--only P:--policy "},
        {{"x", NULL}, ""},
    };
    char out[256];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *argv[8];

        memcpy(argv, cases[i].args, sizeof(argv)); /* getopt_long takes char ** */
        ok(strcmp(walk(argv, out, sizeof(out)), cases[i].want) == 0, "case %zu: %s(want %s)", i,
           out, cases[i].want);
    }
    /* A second walk over other words starts afresh (getopt's globals are reset). */
    {
        char *again[] = {(char *)"y", (char *)"a", (char *)"--only", NULL};

        ok(strcmp(walk(again, out, sizeof(out)), "P:a F:only=- ") == 0, "second walk: %s", out);
    }
    return done_testing();
}
