#ifndef WH_PIPELINE_IMAGE_CHECK_H
#define WH_PIPELINE_IMAGE_CHECK_H

#include "admission/request.h"
#include "decision/decision.h"
#include "pipeline/types.h"

/*
 * The per-image step order (DESIGN §1 steps 2-8). The context and result types are in
 * pipeline/types.h; each step lives in its own file (resolve.c, platforms.c, memo.c,
 * signatures.c, attestations.c, referrers.c, dev_drift.c).
 */

/* Checks every image of `req` (each distinct image once) and evaluates it into `d`; a
 * multi-arch image on the platforms req->platforms allows, as its rule's `platforms` says. */
void wh_pipeline_image_check_request(const struct wh_image_check_ctx *ctx,
                                     const struct wh_admission_request *req, struct wh_decision *d);

/* Resolves, fetches and verifies one image reference against its rule, on the platforms
 * `platforms` allows (NULL: every linux platform). Never fails: problems land in out->error /
 * out->dev_error (each with its code) / out->invalid / out->verify_detail /
 * out->signature_detail. */
void wh_pipeline_image_check_one(const struct wh_image_check_ctx *ctx, const char *image,
                                 const char *pod_dev_image,
                                 const struct wh_admission_platforms *platforms,
                                 struct wh_image_result *out);

/*
 * wh_pipeline_image_check_one for each of the distinct references images[0..n) into
 * results[0..n) (the same order), at once on ctx->fanout when there are helpers (/mutate pins a
 * pod's images this way). Within one registry budget. With ctx->cache_only, the checks stop at
 * the first miss: the results after it stay zeroed.
 */
void wh_pipeline_image_check_each(const struct wh_image_check_ctx *ctx, const char **images,
                                  size_t n, const char *pod_dev_image,
                                  const struct wh_admission_platforms *platforms,
                                  struct wh_image_result *results);

#endif
