#ifndef WH_PIPELINE_EVIDENCE_H
#define WH_PIPELINE_EVIDENCE_H

#include <stdbool.h>

#include "base/arena.h"
#include "image/ref.h"
#include "pipeline/types.h"
#include "policy/model.h"

/*
 * The cosign evidence of one digest under one rule, in the order its facts are built (step 5-6,
 * DESIGN §1): the classic .sig (when `want_signature`), the .att, then the sigstore bundle
 * referrers when those left the facts incomplete, then the fsManifest proof. With the worker's
 * fetch helpers (ctx->fanout) the round trips overlap (issue 15 item 2): the .sig and .att tags,
 * with the blobs their checks read first, are fetched at once, and the referrers listing as
 * soon as a tag's absence makes it certain the checks look there; the checks then run in the
 * order above on what was fetched. So the facts, their messages and the requests made are the
 * sequential ones; only a fetch that an earlier step's infrastructure failure would have
 * skipped may already have been sent. What is kept goes to `keep`; infrastructure failures to
 * out->error (memo.c wh_pipeline_memo_facts shares them briefly).
 */
void wh_pipeline_evidence_check(const struct wh_image_check_ctx *ctx,
                                const struct wh_image_ref *ref, const struct wh_policy_image *rule,
                                bool want_signature, struct wh_arena *keep,
                                struct wh_pipeline_facts *out);

#endif
