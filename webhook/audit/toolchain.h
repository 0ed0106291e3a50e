#ifndef WH_AUDIT_TOOLCHAIN_H
#define WH_AUDIT_TOOLCHAIN_H

#include <stdbool.h>

#include "audit/repo.h"

/*
 * The language versions a repository pins: `.tool-versions` (asdf/mise: "tool version..." lines,
 * the first version counts), `.python-version` and `.nvmrc` (the first line that is not a
 * comment), go.mod (`toolchain goX.Y.Z`; the `go` line is a minimum), rust-toolchain.toml
 * (`[toolchain] channel = "..."`) and the legacy one-line rust-toolchain. Each pin lands in
 * r->tools; an alias that moves ("lts/iron", "stable", "nightly") is a warn finding instead. A file
 * with a malformed version or line is WH_E_INVALID "line:col: message"; more than
 * WH_REPO_MAX_TOOLS pins WH_E_LIMIT. Pure: only `text` is read.
 */
bool wh_audit_toolchain_file(const char *base);
WH_MUST_CHECK enum wh_err wh_audit_toolchain_parse(struct wh_repo *r, const char *file,
                                                   struct wh_bytes text, struct wh_error *err);

#endif
