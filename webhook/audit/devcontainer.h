#ifndef WH_AUDIT_DEVCONTAINER_H
#define WH_AUDIT_DEVCONTAINER_H

#include "audit/audit.h"
#include "audit/lock.h"

/*
 * devcontainer.json (JSONC): `image` must carry @sha256:; each `features` key is pinned by
 * @sha256:, locked by `lock` (devcontainer-lock.json: resolved digest and integrity), or local
 * (./path). *dockerfile is set (arena, relative to the devcontainer.json's directory as
 * written) when build.dockerfile (or the legacy dockerFile) names one, else NULL: the caller
 * audits it as a Dockerfile. WH_E_INVALID "line:col: message" for what is not JSONC or not an
 * object.
 */
WH_MUST_CHECK enum wh_err wh_audit_devcontainer(struct wh_audit *au, const char *file,
                                                struct wh_bytes text,
                                                const struct wh_audit_lock *lock,
                                                const char **dockerfile, struct wh_error *err);

/* The 1-based line where the JSON string `"key"` first occurs in `text`, else 1. */
int wh_audit_json_key_line(struct wh_bytes text, const char *key);

#endif
