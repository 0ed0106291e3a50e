#ifndef WH_CLI_FSM_H
#define WH_CLI_FSM_H

/* `driftgate fsm image|dir|diff|attest` (cli/fsm.c): filesystem manifests of an image and of a
 * live tree, their tiered drift, and the manifest's in-toto statement. Returns the exit status:
 * 0 ok, 1 blocking drift (diff) or a statement that does not match (attest --check), 2 error. */
int wh_cli_fsm(int argc, char **argv);
/* Its --help text. */
extern const char wh_cli_fsm_help[];

#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/* Mount points (and directories above them) one `fsm watch` line carries; more: incomplete. */
#define WH_CLI_FSM_LINE_MOUNTS 256

struct wh_registry_client;
/* The expected manifest text of `image` ("name@digest"; an index resolves to the host's
 * platform) from its layers through `client`. *text (in `a`) valid only on WH_OK. */
WH_MUST_CHECK enum wh_err wh_cli_fsm_expected(struct wh_registry_client *client, const char *image,
                                              int64_t deadline_ms, struct wh_arena *a,
                                              struct wh_str *text, struct wh_error *err);

#endif
