/* Wiring only: dispatches the command line to the subcommands. Asked-for help and the version go
 * to stdout with exit 0; a usage error goes to stderr with exit 2. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/version.h"
#include "cli/commands.h"
#include "cli/fsm.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {
    {"serve", wh_cli_serve},
    {"review", wh_cli_review},
    {"diff", wh_cli_diff},
    {"check", wh_cli_check},
    {"policy", wh_cli_policy},
    {"attest-dev", wh_cli_attest_dev},
    {"verify-bundle", wh_cli_verify_bundle},
    {"fsm", wh_cli_fsm},
    {"trust", wh_cli_trust},
    {"audit", wh_cli_audit},
    {"reverify", wh_cli_reverify},
};

static bool
is_help(const char *arg)
{
    return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}

int
main(int argc, char **argv)
{
    size_t i;
    int j;

    if (argc < 2) {
        fputs(wh_cli_help(NULL), stderr);
        return 2;
    }
    if (is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        const char *text = argc > 2 ? wh_cli_help(argv[2]) : NULL;
        fputs(text != NULL ? text : wh_cli_help(NULL), stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("driftgate %s (commit %s)\n", wh_version(), wh_version_commit());
        return 0;
    }
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        for (j = 2; j < argc; j++) {
            if (is_help(argv[j])) {
                fputs(wh_cli_help(commands[i].name), stdout);
                return 0;
            }
        }
        return commands[i].run(argc - 1, argv + 1);
    }
    fprintf(stderr, "driftgate: unknown command %s\n", argv[1]);
    fputs(wh_cli_help(NULL), stderr);
    return 2;
}
