#ifndef WH_PIPELINE_MEMO_H
#define WH_PIPELINE_MEMO_H

#include <stdbool.h>
#include <stdint.h>

#include "cache/cache.h"
#include "image/ref.h"
#include "pipeline/types.h"

/*
 * The cache memo of the per-image steps (step 4, DESIGN §1): keys carry the review's credential
 * scope, lookups join one flight per key (cache singleflight), failures are kept briefly and never
 * as verified facts; and the verified facts of one digest under one rule, computed once.
 */

/* Cache keys of a review that reads with its pod's pull secrets are its own: a failure (a 401)
 * seen without the secret must not answer a review that has one, nor the other way round. ""
 * or "creds=<key>|", in the review's arena. */
const char *wh_pipeline_memo_creds_scope(const struct wh_image_check_ctx *ctx);

/*
 * Cache keys, in the review's arena, built by copying their parts (a cached review builds several
 * per image; a printf each was a twentieth of its CPU). Each starts with the review's credential
 * scope. tag: "<scope>tag|REGISTRY/REPOSITORY:TAG"; manifest: "<scope>manifest|REGISTRY/
 * REPOSITORY@DIGEST"; facts: "<scope>facts|<policy generation>|t<trust generation>|<rule index>|
 * <0 or 1: want_signature>|REGISTRY/REPOSITORY@DIGEST"; drift: "drift|PROD_SBOM|DEV_SBOM".
 */
const char *wh_pipeline_memo_tag_key(const struct wh_image_check_ctx *ctx,
                                     const struct wh_image_ref *ref);
const char *wh_pipeline_memo_manifest_key(const struct wh_image_check_ctx *ctx,
                                          const struct wh_image_ref *ref, const char *digest);
const char *wh_pipeline_memo_facts_key(const struct wh_image_check_ctx *ctx,
                                       const struct wh_image_ref *ref, const char *digest,
                                       size_t rule_index, bool want_signature);
const char *wh_pipeline_memo_drift_key(const struct wh_image_check_ctx *ctx, const char *prod_sbom,
                                       const char *dev_sbom);

/* How long a failure (a registry error) is shared with other reviews: min(negative TTL, 2 s). */
int64_t wh_pipeline_memo_failure_ttl(const struct wh_image_check_ctx *ctx);

/*
 * Looks `key` up; on a miss makes this review the key's leader (*entry, *flight set: build the
 * value in the entry's arena, then wh_pipeline_memo_publish). Waiting for another review's flight
 * ends at the deadline: *timed_out. Without a cache every lookup is a miss with no entry. A hit
 * stays valid until the review's arena is finished.
 */
const void *wh_pipeline_memo_lookup(const struct wh_image_check_ctx *ctx, const char *key,
                                    struct wh_cache_entry **entry, struct wh_cache_flight **flight,
                                    bool *timed_out);

/* Publishes the leader's value for `ttl_ms` (0: not kept), keeping a reference for this review,
 * and ends the flight. `entry` NULL (no cache): only ends the flight. */
void wh_pipeline_memo_publish(const struct wh_image_check_ctx *ctx, struct wh_cache_entry *entry,
                              struct wh_cache_flight *flight, const void *value, int64_t ttl_ms);

/* True when `f` holds everything `rule` asks for (the signature only when `want_signature`). */
bool wh_pipeline_memo_facts_complete(const struct wh_pipeline_facts *f,
                                     const struct wh_policy_image *rule, bool want_signature);

/* True when `f` holds a verified SBOM (this review's, or named by key in the cached value). */
bool wh_pipeline_memo_has_sbom(const struct wh_pipeline_facts *f);

/*
 * Parses a verified SBOM predicate. With an SBOM cache the parse lives there (one per distinct
 * predicate bytes, reused when already there) and this review holds a reference until its arena
 * ends; without one it lives in `keep`. *key is "sha256:<hex>" of the bytes, in `keep`. Outputs
 * valid only on WH_OK; a malformed SBOM is err (WH_E_INVALID, WH_E_LIMIT).
 */
WH_MUST_CHECK enum wh_err wh_pipeline_memo_sbom_keep(const struct wh_image_check_ctx *ctx,
                                                     struct wh_bytes predicate,
                                                     struct wh_arena *keep,
                                                     const struct wh_sbom **sbom, const char **key,
                                                     struct wh_error *err);

/*
 * The verified SBOM that facts `f` (of an image of ref's repository, under `rule`) name, and
 * *key its hash: f->sbom when set, else the SBOM cache's, else, evicted, its attestations
 * verified again (registry requests, counted as any). NULL when `f` names none (*error NULL),
 * or with *error and *code when verifying again failed. Valid until the review's arena ends.
 */
const struct wh_sbom *wh_pipeline_memo_sbom(const struct wh_image_check_ctx *ctx,
                                            const struct wh_image_ref *ref,
                                            const struct wh_policy_image *rule,
                                            const struct wh_pipeline_facts *f, const char **key,
                                            const char **error, enum wh_err *code);

/*
 * Fetches and verifies (or finds in the cache) the facts of `digest` under `rule`: the classic
 * .sig (when `want_signature`), the .att, then the sigstore bundle referrers when those left the
 * facts incomplete. Never NULL; failures in ->error with ->error_code. Lives until the review's
 * arena is finished.
 */
const struct wh_pipeline_facts *
wh_pipeline_memo_facts(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                       const char *digest, const struct wh_policy_image *rule, bool want_signature);

#endif
