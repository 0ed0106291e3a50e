#ifndef WH_PIPELINE_RESOLVE_H
#define WH_PIPELINE_RESOLVE_H

#include "image/ref.h"
#include "pipeline/types.h"

/*
 * Step 3 (DESIGN §1): tag → digest, and what the digest's manifest is (an image, or an index
 * whose image entries are walked depth first through nested indexes), through the cache.
 */

/* Image entries of an index (nested indexes included) considered; more → WH_E_LIMIT. */
#define WH_PIPELINE_MAX_PLATFORMS 64

/*
 * Tag → digest (ref->digest at once when the reference names one), through the tag cache. NULL
 * with *error and *code on failure. *info_out is what the GET that resolved the tag said about
 * the digest (so no second request), or NULL when the cache answered: ask
 * wh_pipeline_resolve_manifest then. Results live in the review's arena.
 */
const char *wh_pipeline_resolve_digest(const struct wh_image_check_ctx *ctx,
                                       const struct wh_image_ref *ref, const char **error,
                                       enum wh_err *code,
                                       const struct wh_pipeline_manifest **info_out);

/* What the manifest of `digest` is (index with platforms, or an image), through the cache. Never
 * NULL: a failure is in ->error with ->code. */
const struct wh_pipeline_manifest *
wh_pipeline_resolve_manifest(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                             const char *digest);

#endif
