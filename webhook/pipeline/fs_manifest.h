#ifndef WH_PIPELINE_FS_MANIFEST_H
#define WH_PIPELINE_FS_MANIFEST_H

#include <stdbool.h>

#include "base/arena.h"
#include "image/ref.h"
#include "pipeline/types.h"
#include "policy/model.h"
#include "verify/facts.h"

/*
 * attestations.fsManifest (docs/fs-manifest.md "Attestation"): proves a verified fs-manifest
 * attestation against the image itself.
 */

/* A verified statement is a candidate: of the fs-manifest predicate type, by a fsManifest
 * signer. attestations.c keeps a candidate's predicate (in the review arena) for the proof. */
bool wh_pipeline_fs_manifest_candidate(const struct wh_policy_image *rule,
                                       const struct wh_attestation *att);

/*
 * For each candidate kept in out->facts (first that proves wins): parses its predicate, takes the
 * manifest text inline or fetches its blob by digest from ref's repository (size and sha256
 * checked), and compares it with the manifest computed from out->facts.digest's own layers
 * (fsm/layer.h; computed once), bounded by fsManifest.maxBytes / maxEntries, the registry budget
 * of the review and its deadline. Sets out->facts.fs_manifest_root / _signer when one proves,
 * else out->facts.fs_manifest_detail (naming the image and what to do); never an infrastructure
 * error: anything that stops the proof fails it closed. The kept predicates are dropped after.
 */
void wh_pipeline_fs_manifest_prove(const struct wh_image_check_ctx *ctx,
                                   const struct wh_image_ref *ref,
                                   const struct wh_policy_image *rule, struct wh_arena *keep,
                                   struct wh_pipeline_facts *out);

#endif
