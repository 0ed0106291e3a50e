#ifndef WH_AUDIT_LOCK_H
#define WH_AUDIT_LOCK_H

#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * Lock files that make a tag reference count as locked:
 * - GitHub's `.github/workflows/actions.lock` (gh-actions-lock): `dependencies:` maps
 *   "owner/repo[/path]@ref" to {ref, commit: "sha1-<40 hex>", ...}; GitHub runs the locked commit.
 * - `devcontainer-lock.json` / `.devcontainer-lock.json` (dev containers spec): `features` maps a
 *   feature reference to {version, resolved: "<ref>@sha256:<64 hex>", integrity: "sha256:<hex>"}.
 * An entry whose commit (or resolved digest and integrity) is not well formed does not lock; the
 * audit says so.
 */
struct wh_audit_lock_entry {
    const char *key;
    const char *digest;  /* the 40-hex commit or sha256:<hex>; NULL when not well formed */
    const char *problem; /* why it does not lock, when digest is NULL */
};

struct wh_audit_lock {
    const char *file;                    /* where it was read, for messages */
    struct wh_audit_lock_entry *entries; /* sorted by key */
    size_t n;
};

#define WH_AUDIT_LOCK_MAX 10000

/* Parse `text` (YAML) as actions.lock into `out` (arena). Errors "line:col: message". */
WH_MUST_CHECK enum wh_err wh_audit_actions_lock_parse(struct wh_bytes text, struct wh_arena *a,
                                                      struct wh_audit_lock *out,
                                                      struct wh_error *err);
/* Parse `text` (JSON, comments allowed) as devcontainer-lock.json. */
WH_MUST_CHECK enum wh_err wh_audit_devcontainer_lock_parse(struct wh_bytes text, struct wh_arena *a,
                                                           struct wh_audit_lock *out,
                                                           struct wh_error *err);
/* The entry for `key`, or NULL (also for a NULL lock). */
const struct wh_audit_lock_entry *wh_audit_lock_find(const struct wh_audit_lock *lock,
                                                     const char *key);

#endif
