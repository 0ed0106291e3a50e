#ifndef WH_CLI_FSM_H
#define WH_CLI_FSM_H

/* `driftgate fsm image|dir|diff|attest` (cli/fsm.c): filesystem manifests of an image and of a
 * live tree, their tiered drift, and the manifest's in-toto statement. Returns the exit status:
 * 0 ok, 1 blocking drift (diff) or a statement that does not match (attest --check), 2 error. */
int wh_cli_fsm(int argc, char **argv);
/* Its --help text. */
extern const char wh_cli_fsm_help[];

#endif
