#ifndef WH_AUDIT_DOCKERFILE_H
#define WH_AUDIT_DOCKERFILE_H

#include "audit/audit.h"

/*
 * A Dockerfile/Containerfile: every FROM (ARG defaults substituted in ${k}, ${k:-d} and $k
 * spellings; `scratch` and earlier stage names are not images), COPY --from= and RUN --mount=from=
 * naming an external image, ADD of a URL (pinned with --checksum=sha256:) and RUN downloads
 * (shell.h). References in the final stage and the stages it is built FROM have stage 0 (they
 * ship), the rest stage 1 (builders). An ARG without a default leaves the image unknown: unpinned.
 * Continuation lines, comments, parser directives (# escape=`) and heredocs are honoured.
 * WH_E_INVALID "line:col: message" when there is no FROM or a FROM names no image.
 */
WH_MUST_CHECK enum wh_err wh_audit_dockerfile(struct wh_audit *au, const char *file,
                                              struct wh_bytes text, struct wh_error *err);

#endif
