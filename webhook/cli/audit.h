#ifndef WH_CLI_AUDIT_H
#define WH_CLI_AUDIT_H

#include <stdbool.h>

#include "audit/audit.h"
#include "base/str.h"

/*
 * The pieces of `audit pins`' report (cli/audit.c) that `audit repo` (cli/audit_repo.c) shows
 * as its pipeline layer, so both say the same thing the same way. All output text is escaped as
 * report.h says.
 */
/* Text: one BLOCK/WARN entry per reference needing a decision; ERROR lines for files. */
void wh_cli_audit_pins_lines(const struct wh_audit *au, struct wh_buf *b);
void wh_cli_audit_error_lines(const struct wh_audit *au, struct wh_buf *b);
/* JSON: `"key":"value"` (null for NULL), preceded by a comma when `comma`. */
void wh_cli_audit_json_str(struct wh_buf *b, const char *key, const char *v, bool comma);
/* JSON: the elements of "references":[...] then `],"errors":[...]` (the caller opens the first
 * array and closes the second). */
void wh_cli_audit_json_refs(const struct wh_audit *au, struct wh_buf *b);
/* SARIF: the pins/<kind> and pins/error rule objects (comma-separated, no brackets); one result
 * per block/warn reference and per error. */
void wh_cli_audit_sarif_pin_rules(struct wh_buf *b);
void wh_cli_audit_sarif_pins(const struct wh_audit *au, struct wh_buf *b, bool *first);
void wh_cli_audit_sarif_result(struct wh_buf *b, bool *first, const char *rule, const char *level,
                               const char *text, const char *file, int line, int col);
/* Markdown: one table row | Where | Kind | Reference | Why | Rule |. */
void wh_cli_audit_md_row(struct wh_buf *b, const struct wh_audit_ref *r, struct wh_arena *a);
const char *wh_cli_audit_status_name(enum wh_audit_status s);

/* `driftgate audit repo` (cli/audit_repo.c), exit codes as `check`. */
int wh_cli_audit_repo(int argc, char **argv);

#endif
