#ifndef WH_CLI_COMMANDS_H
#define WH_CLI_COMMANDS_H

/* Subcommands of the driftgate binary. Each returns the process exit status:
 * 0 allow / ok, 1 deny / findings that block / invalid, 2 usage or infrastructure error. */
int wh_cli_review(int argc, char **argv);
int wh_cli_diff(int argc, char **argv);
/* `driftgate check IMAGE [--dev IMAGE] --policy FILE [--format ...]` (cli/check.c). */
int wh_cli_check(int argc, char **argv);
/* `driftgate policy lint [--schema FILE] [--schema-only] FILE...` and `policy schema`
 * (cli/lint.c). */
int wh_cli_policy(int argc, char **argv);
int wh_cli_serve(int argc, char **argv);
/* `driftgate attest-dev IMAGE@D --dev DEV@E [--predicate-only]` (cli/attest_dev.c): the
 * dev-environment in-toto statement (or predicate) on stdout; 0 printed, 2 usage or invalid. */
int wh_cli_attest_dev(int argc, char **argv);
/* `driftgate audit pins [DIR] [--policy FILE] [--format ...]` (cli/audit.c): 0 nothing blocks,
 * 1 a block-tier unpinned reference or a file that could not be audited, 2 usage or I/O error. */
int wh_cli_audit(int argc, char **argv);
/* `driftgate reverify (--once | --interval SECONDS)` (cli/reverify.c): running pods re-verified;
 * --once: 0 no block finding, 1 a block finding, 2 the cluster or registry could not be read. */
int wh_cli_reverify(int argc, char **argv);
/* NULL when `policy` lets the command line name IMAGE's dev image (devReference.allowCliOverride),
 * else why not, starting "--dev: " (cli/check.c). */
struct wh_policy;
struct wh_arena;
const char *wh_cli_check_dev_refused(const struct wh_policy *policy, const char *image,
                                     struct wh_arena *a);
/* 0 verified, 1 not verified, 2 usage or I/O error (the sigstore-conformance protocol). */
int wh_cli_verify_bundle(int argc, char **argv);

/* `driftgate trust update --repo URL --root ROOT.json --out FILE` (cli/trust.c): 0 written or
 * unchanged, 1 the TUF repository was refused, 2 usage, network or file error. */
int wh_cli_trust(int argc, char **argv);

/* `driftgate COMMAND --help` text ("usage: ..." and what it does, newline-terminated), NULL for
 * an unknown command; NULL `command` is the overview of all commands. Static text. */
const char *wh_cli_help(const char *command);

#endif
