#ifndef WH_AUDIT_WALK_H
#define WH_AUDIT_WALK_H

#include "audit/audit.h"

/*
 * The I/O shell of `audit pins`: walks the repository at `dir` (not following symlinks, skipping
 * .git and node_modules, at most 32 levels and 200000 entries) and audits, in path order:
 * .github/workflows/NAME.yml or .yaml (with .github/workflows/actions.lock), action.yml|yaml
 * anywhere, Dockerfile/Containerfile (also Dockerfile.x, x.Dockerfile, any case),
 * .devcontainer.json and .devcontainer/[x/]devcontainer.json (with devcontainer-lock.json beside
 * it, and the Dockerfile its build.dockerfile names). Only regular files are read, each capped at
 * WH_AUDIT_FILE_MAX. A file that cannot be read or parsed is an error in `au` (the audit fails);
 * WH_E_NOT_FOUND or WH_E_LIMIT is returned only when `dir` itself cannot be walked.
 */
WH_MUST_CHECK enum wh_err wh_audit_walk(struct wh_audit *au, const char *dir, struct wh_error *err);

/* Reads the regular file `root/rel` (no symlink, FIFO or device) capped at WH_AUDIT_FILE_MAX
 * into the audit's arena, NUL-terminated. WH_E_NOT_FOUND when absent; *out valid on WH_OK. */
WH_MUST_CHECK enum wh_err wh_audit_read(struct wh_audit *au, const char *root, const char *rel,
                                        struct wh_bytes *out, struct wh_error *err);
/* Records `e` (a parser's "line:col: message", or a message without position) for `file`. */
void wh_audit_file_error(struct wh_audit *au, const char *file, const struct wh_error *e);

/* What kind of file `path` (repository-relative) is for the audit. */
enum wh_audit_file {
    WH_AUDIT_FILE_NONE,
    WH_AUDIT_FILE_WORKFLOW,
    WH_AUDIT_FILE_ACTION,
    WH_AUDIT_FILE_DOCKERFILE,
    WH_AUDIT_FILE_DEVCONTAINER,
};
enum wh_audit_file wh_audit_file_kind(const char *path);

#endif
