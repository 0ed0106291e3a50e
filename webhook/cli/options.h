#ifndef WH_CLI_OPTIONS_H
#define WH_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "pipeline/review.h"

/* Flags shared by the subcommands. `--config FILE` loads the server config first; the other
 * flags override it. Strings point into argv or into `config`. */
struct wh_cli_options {
    struct wh_config config;
    bool has_config;
    struct wh_review_settings settings;
    const char *plain_http[16];
    const char *trusted_roots[8]; /* --trusted-root FILE (repeatable): replaces trustRoots */
    const char *key_dirs[8];      /* --key-dir DIR (repeatable): replaces policyKeyDirs */
    const char *format;
    const char *image;
    const char *dev;
    const char *dev_from; /* --dev-from devcontainer.json: its image is the --dev (check.c) */
    int64_t review_ms;    /* budget of one review: --timeout SECONDS, default 25 s */
    const char *args[8];
    int n_args;
};

/* false on an unknown flag, a missing value or a config that fails to load (said on stderr). */
bool wh_cli_options_parse(int argc, char **argv, struct wh_cli_options *o);
void wh_cli_options_fini(struct wh_cli_options *o);

#endif
