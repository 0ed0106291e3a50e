#ifndef WH_BASE_DIGEST_H
#define WH_BASE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

#define WH_SHA256_LEN 32
/* "sha256:" + 64 hex + NUL */
#define WH_DIGEST_STR_LEN 72

void wh_digest_sha256(const void *p, size_t n, unsigned char out[WH_SHA256_LEN]);
/* Writes "sha256:<64 lowercase hex>" into out. */
void wh_digest_sha256_str(const void *p, size_t n, char out[WH_DIGEST_STR_LEN]);
void wh_digest_hex(const unsigned char *p, size_t n, char *out /* 2n+1 */);
/* True when `s` is "sha256:" followed by exactly 64 lowercase hex digits. */
bool wh_digest_is_sha256(struct wh_str s);
/* True when sha256(p) equals the digest string `want` ("sha256:<hex>"). */
bool wh_digest_matches(const void *p, size_t n, struct wh_str want);

/* Standard base64 (RFC 4648 §4), padding required, no whitespace. Output in the arena, NUL-ended.
 */
WH_MUST_CHECK enum wh_err wh_digest_base64_decode(struct wh_str in, struct wh_arena *a,
                                                  struct wh_bytes *out, struct wh_error *err);
char *wh_digest_base64_encode(const void *p, size_t n, struct wh_arena *a);

#endif
