#ifndef WH_CLI_ARGS_H
#define WH_CLI_ARGS_H

#include <getopt.h>
#include <stdbool.h>

/*
 * One walk over a subcommand's argv with getopt_long(3), in order. Only exact long names are
 * flags: getopt_long's unique-prefix matching is refused ("--pol" is an unknown flag, as it was
 * before the CLI used getopt_long). "--name=value" and "--name value" both give the value, even
 * one that starts with "--"; a bare "--" ends the flags. "-" and every word not starting with
 * "--" are positional arguments. Not thread-safe (getopt's globals); argv[0] is the
 * subcommand's name and is skipped.
 */
struct wh_cli_args {
    int argc;
    char **argv;
    const struct option *flags; /* ends with a {NULL, 0, NULL, 0} entry */
    const char *prog;           /* "driftgate": prefix of the messages; NULL prints nothing */
    bool started, flags_done;
};

#define WH_CLI_ARG_POSITIONAL 1 /* *value is a positional argument */
#define WH_CLI_ARG_BAD '?'      /* an unknown flag or one without its value (said on stderr) */

/* The next flag's `val` (*value = its argument or NULL), WH_CLI_ARG_POSITIONAL, WH_CLI_ARG_BAD,
 * or -1 at the end. Start with a zeroed struct holding argc, argv, flags and prog. */
int wh_cli_args_next(struct wh_cli_args *s, const char **value);

#endif
