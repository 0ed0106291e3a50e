/* The subcommands' flag walk: getopt_long(3), with exact flag names and in-order positionals. */
#include "cli/args.h"

#include <stdio.h>
#include <string.h>

static bool
is_flag_word(const char *a)
{
    return a[0] == '-' && a[1] == '-';
}

/* "--name" or "--name=value" spells `name` whole (getopt_long also takes a unique prefix). */
static bool
spells(const char *word, const char *name)
{
    size_t n = strcspn(word + 2, "=");

    return strlen(name) == n && strncmp(word + 2, name, n) == 0;
}

/* "<prog>: unknown flag --x" or "<prog>: --x needs a value", as the hand-written parsers said. */
static int
bad(const struct wh_cli_args *s, const char *word, bool is_missing_value)
{
    if (s->prog != NULL && is_missing_value)
        fprintf(stderr, "%s: %s needs a value\n", s->prog, word);
    else if (s->prog != NULL)
        fprintf(stderr, "%s: unknown flag %s\n", s->prog, word);
    return WH_CLI_ARG_BAD;
}

/* glibc keeps getopt's mode ("+": in order) from the call that saw optind == 0; an empty walk
 * sets it for this one, whatever walk ran before. */
static void
start(void)
{
    static char name[] = "driftgate";
    char *none[] = {name, NULL};

    opterr = 0;
    optind = 0;
    (void)getopt_long(1, none, "+:", NULL, NULL);
    optind = 1;
}

int
wh_cli_args_next(struct wh_cli_args *s, const char **value)
{
    const char *word;
    int at, c, idx = -1;

    *value = NULL;
    if (!s->started) {
        s->started = true;
        start();
    }
    if (optind >= s->argc)
        return -1;
    word = s->argv[optind];
    if (s->flags_done || !is_flag_word(word)) {
        optind++;
        *value = word;
        return WH_CLI_ARG_POSITIONAL;
    }
    at = optind;
    /* "+": stop at a non-flag (none reaches it); ":": a missing value is ':', not '?'. */
    c = getopt_long(s->argc, s->argv, "+:", s->flags, &idx);
    if (c == -1) { /* "--": what follows is positional */
        s->flags_done = true;
        return wh_cli_args_next(s, value);
    }
    if (c == ':')
        return bad(s, word, true);
    if (c == '?' || idx < 0 || !spells(word, s->flags[idx].name)) {
        optind = at + 1;
        return bad(s, word, false);
    }
    *value = optarg;
    return c;
}
