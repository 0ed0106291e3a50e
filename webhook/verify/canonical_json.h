#ifndef WH_VERIFY_CANONICAL_JSON_H
#define WH_VERIFY_CANONICAL_JSON_H

#include "base/error.h"
#include "base/str.h"

/*
 * RFC 8785 (JSON Canonicalization Scheme) for the small documents signatures cover here (the Rekor
 * SET payload): object members sorted by their UTF-16 code units, no whitespace, strings escaped as
 * ECMAScript's JSON.stringify does, numbers as integers. Numbers that are not integers of magnitude
 * at most 2^53 are refused (WH_E_INVALID): nothing signed here carries one, and formatting them
 * exactly would need ECMAScript's shortest round-trip algorithm. Duplicate keys and invalid UTF-8
 * are WH_E_INVALID; nesting deeper than WH_CANONICAL_JSON_DEPTH is WH_E_LIMIT. Appends to `out`
 * (its cap bounds the result: WH_E_LIMIT). Pure; thread-safe.
 */
#define WH_CANONICAL_JSON_DEPTH 32

struct wh_buf;

WH_MUST_CHECK enum wh_err wh_verify_canonical_json(struct wh_bytes json, struct wh_buf *out,
                                                   struct wh_error *err);

#endif
