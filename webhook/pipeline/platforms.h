#ifndef WH_PIPELINE_PLATFORMS_H
#define WH_PIPELINE_PLATFORMS_H

#include <stdbool.h>

#include "admission/request.h"
#include "image/ref.h"
#include "pipeline/types.h"
#include "policy/model.h"

/*
 * Resolves what is judged for `digest`: the image itself, or for an index every entry a runtime
 * on the pod's platforms could pull (registry/platform.h; `only_platform`, the dev image's case,
 * narrows that to the entries of that normalised name when there are any) under `mode`:
 *   index  the index's own facts, which cover every entry it lists;
 *   any    the index's facts when complete; else every runnable entry, each part (signature,
 *          SBOM) on the entry, on a nested index above it or on the index;
 *   each   every runnable entry's own facts.
 * The first entry that fails is the one judged (so the message names it); otherwise the first.
 * `info` is the digest's manifest when known (else it is fetched). Never fails: problems land in
 * out->error (with its code) or out->invalid; out lives in the review's arena.
 */
void wh_pipeline_platforms_select(
    const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref, const char *digest,
    const struct wh_policy_image *rule, bool want_signature, enum wh_policy_platforms mode,
    const struct wh_admission_platforms *platforms, const char *only_platform,
    const struct wh_pipeline_manifest *info, struct wh_pipeline_selection *out);

#endif
