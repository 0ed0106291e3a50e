#ifndef WH_AUDIT_JSONC_H
#define WH_AUDIT_JSONC_H

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * JSON with comments (devcontainer.json, VS Code's JSONC) → JSON a strict parser reads: `//` and
 * `/ * * /` comments outside strings and commas before `}` or `]` become spaces, newlines stay, so
 * the JSON parser's line:col still point into the original file. String contents (escapes
 * included) are never touched. An unterminated block comment is WH_E_INVALID "line:col: ...".
 * *out (arena, NUL-terminated) is valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_audit_jsonc_strip(struct wh_bytes in, struct wh_arena *a,
                                               struct wh_bytes *out, struct wh_error *err);

#endif
