#ifndef WH_AUDIT_WORKFLOW_H
#define WH_AUDIT_WORKFLOW_H

#include <stdbool.h>

#include "audit/audit.h"
#include "audit/lock.h"

/*
 * A GitHub workflow (`is_action` false: jobs.*.uses, jobs.*.container, jobs.*.services.*.image,
 * jobs.*.steps[*].uses and run:) or an action metadata file (`is_action` true: runs.steps of a
 * composite action, runs.image of a Docker action). `uses:` is pinned iff a 40-hex commit,
 * docker://image@sha256:<64 hex>, or local (./path); a tag `lock` lists with a well-formed commit
 * is locked. Images need @sha256:. A `${{ matrix.X }}` image is audited once per literal value of
 * the matrix list; any other expression (env is not available to container: in GitHub) cannot be
 * resolved offline and is unpinned. The "# vX" comment after a uses: is kept. Appends to `au`;
 * WH_E_INVALID/WH_E_LIMIT "line:col: message" when the file is not a workflow it can read.
 */
WH_MUST_CHECK enum wh_err wh_audit_workflow(struct wh_audit *au, const char *file,
                                            struct wh_bytes text, bool is_action,
                                            const struct wh_audit_lock *lock, struct wh_error *err);

#endif
