/*
 * Which facts an evaluation judges: the image's own, or for a multi-arch index those of the
 * entries a runtime on the pod's nodes could pull, as the rule's `platforms` says (index, any,
 * each); with `any` an entry's facts are completed from the nested indexes above it and the
 * index (a signature on an index covers every digest it lists).
 */
#include "pipeline/platforms.h"

#include <string.h>

#include "pipeline/failure.h"
#include "pipeline/memo.h"
#include "pipeline/resolve.h"
#include "registry/platform.h"

static const char *
platform_names(const struct wh_pipeline_manifest *info, struct wh_arena *a)
{
    const char *out = "";
    size_t i;

    for (i = 0; i < info->n_platforms; i++)
        out = wh_arena_sprintf(a, "%s%s%s", out, i == 0 ? "" : ", ", info->platforms[i].name);
    return info->n_platforms == 0 ? "none" : out;
}

/*
 * May a runtime on a node the pod can land on pull this entry? An entry without a known os and
 * architecture may be pulled anywhere (containerd normalises a missing os to the node's own and
 * picks an entry without a platform when nothing else matches; skopeo and CRI-O take such an
 * entry too): it always counts. A known one counts when a node of its os and of an architecture
 * that runs it (its own; amd64 for 386, arm64 for arm) can satisfy the pod's constraints.
 */
static bool
runnable(const struct wh_pipeline_platform *p, const struct wh_admission_platforms *pod)
{
    struct wh_registry_platform rp = {.os = p->os, .arch = p->arch, .variant = ""};
    const char *archs[3];
    size_t n, i;

    if (!p->is_known)
        return true;
    n = wh_registry_platform_node_archs(&rp, archs);
    for (i = 0; i < n; i++)
        if (wh_admission_platform_allowed(pod, p->os, archs[i]))
            return true;
    return false;
}

/* `any`: a platform's own facts where they are complete, else the index's; missing parts of one
 * filled from the other. Lives in the review arena. */
static const struct wh_pipeline_facts *
merge_facts(const struct wh_image_check_ctx *ctx, const struct wh_pipeline_facts *own,
            const struct wh_pipeline_facts *index, const struct wh_policy_image *rule,
            bool want_signature)
{
    struct wh_pipeline_facts *m;

    if (wh_pipeline_memo_facts_complete(own, rule, want_signature) || index == NULL)
        return own;
    m = wh_arena_memdup(ctx->arena, own, sizeof(*own));
    if (m->facts.n_signature_signers < index->facts.n_signature_signers) {
        m->facts.signature_signer = index->facts.signature_signer;
        m->facts.signature_signers = index->facts.signature_signers;
        m->facts.n_signature_signers = index->facts.n_signature_signers;
        m->signature_detail = NULL;
    }
    if (m->facts.predicates == NULL && index->facts.predicates != NULL) {
        m->facts.predicates = index->facts.predicates;
        m->dev_env_conflict = index->dev_env_conflict;
    }
    if (!wh_pipeline_memo_has_sbom(m) && wh_pipeline_memo_has_sbom(index)) {
        m->sbom = index->sbom;
        m->sbom_key = index->sbom_key;
        m->sbom_digest = index->sbom_digest;
        m->facts.attestations = index->facts.attestations;
        m->facts.n_attestations = index->facts.n_attestations;
        m->verify_detail = NULL;
    }
    return m;
}

/* `any`: an entry's own facts, completed from the nested indexes above it (innermost first) and
 * then from the image's index: a signature on an index covers every digest it lists. NULL with
 * *error (and *code, its kind) when fetching a nested index's facts failed. */
static const struct wh_pipeline_facts *
covered_facts(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
              const struct wh_pipeline_platform *p, const struct wh_pipeline_facts *own,
              const struct wh_pipeline_facts *index, const struct wh_policy_image *rule,
              bool want_signature, const char **error, enum wh_err *code)
{
    const struct wh_pipeline_facts *f = own;
    size_t k;

    for (k = 0; k < p->n_parents && !wh_pipeline_memo_facts_complete(f, rule, want_signature);
         k++) {
        const struct wh_pipeline_facts *nested =
            wh_pipeline_memo_facts(ctx, ref, p->parents[k], rule, want_signature);

        if (nested->error != NULL) {
            *error =
                wh_arena_sprintf(ctx->arena, "nested index %s: %s", p->parents[k], nested->error);
            *code = nested->error_code;
            return NULL;
        }
        f = merge_facts(ctx, f, nested, rule, want_signature);
    }
    return merge_facts(ctx, f, index, rule, want_signature);
}

/* The entries judged: those named `only_platform` when there are any (the dev image follows
 * the production image's platform), else every entry runnable for the pod. In `a`. */
static size_t
select_entries(const struct wh_pipeline_manifest *info,
               const struct wh_admission_platforms *platforms, const char *only_platform,
               struct wh_arena *a, const struct wh_pipeline_platform ***out)
{
    const struct wh_pipeline_platform **sel =
        wh_arena_calloc(a, info->n_platforms + 1, sizeof(*sel));
    size_t i, n = 0;

    for (i = 0; i < info->n_platforms && only_platform != NULL; i++)
        if (strcmp(info->platforms[i].name, only_platform) == 0)
            sel[n++] = &info->platforms[i];
    if (n == 0)
        for (i = 0; i < info->n_platforms; i++)
            if (runnable(&info->platforms[i], platforms))
                sel[n++] = &info->platforms[i];
    *out = sel;
    return n;
}

/* Every selected entry, in order (`any`: completed from the indexes above it); the first that
 * fails is judged, else the first. */
static void
judge_entries(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
              const struct wh_policy_image *rule, bool want_signature,
              enum wh_policy_platforms mode, const struct wh_pipeline_facts *index,
              const struct wh_pipeline_platform *const *sel, size_t n_sel,
              struct wh_pipeline_selection *out)
{
    struct wh_arena *a = ctx->arena;
    const struct wh_pipeline_facts *f;
    const char *error = NULL;
    enum wh_err code = WH_OK;
    size_t i;

    for (i = 0; i < n_sel; i++) {
        const struct wh_pipeline_platform *p = sel[i];

        f = wh_pipeline_memo_facts(ctx, ref, p->digest, rule, want_signature);
        if (f->error != NULL) {
            error = f->error;
            code = f->error_code;
        } else if (mode == WH_POLICY_PLATFORMS_ANY) {
            f = covered_facts(ctx, ref, p, f, index, rule, want_signature, &error, &code);
        }
        if (error != NULL) {
            wh_pipeline_fail(a, &out->error, &out->error_code, code, "platform %s (%s): %s",
                             p->label, p->digest, error);
            return;
        }
        if (out->facts == NULL ||
            (wh_pipeline_memo_facts_complete(out->facts, rule, want_signature) &&
             !wh_pipeline_memo_facts_complete(f, rule, want_signature))) {
            out->facts = f;
            out->platform = p->label;
            out->platform_key = p->name;
            out->digest = p->digest;
        }
        if (!wh_pipeline_memo_facts_complete(f, rule, want_signature))
            return;
    }
}

/*
 * Resolves what is judged for `digest`: the image itself, or for an index every entry a runtime
 * on the pod's platforms could pull (registry/platform.h; `only_platform`, the dev image's case,
 * narrows that to the entries of that normalised name when there are any) under `mode`:
 *   index  the index's own facts, which cover every entry it lists;
 *   any    the index's facts when complete; else every runnable entry, each part (signature,
 *          SBOM) on the entry, on a nested index above it or on the index;
 *   each   every runnable entry's own facts.
 * The first entry that fails is the one judged (so the message names it); otherwise the first.
 */
void
wh_pipeline_platforms_select(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                             const char *digest, const struct wh_policy_image *rule,
                             bool want_signature, enum wh_policy_platforms mode,
                             const struct wh_admission_platforms *platforms,
                             const char *only_platform, const struct wh_pipeline_manifest *info,
                             struct wh_pipeline_selection *out)
{
    struct wh_arena *a = ctx->arena;
    const struct wh_pipeline_facts *index = NULL;
    const struct wh_pipeline_platform **sel;
    size_t n_sel;

    memset(out, 0, sizeof(*out));
    out->digest = digest;
    if (info == NULL)
        info = wh_pipeline_resolve_manifest(ctx, ref, digest);
    if (info->error != NULL) {
        out->error = wh_arena_strdup(a, info->error);
        out->error_code = info->code;
        return;
    }
    if (!info->is_index) {
        out->facts = wh_pipeline_memo_facts(ctx, ref, digest, rule, want_signature);
        out->error = out->facts->error;
        out->error_code = out->facts->error_code;
        return;
    }
    out->index_digest = digest;
    n_sel = select_entries(info, platforms, only_platform, a, &sel);
    if (n_sel == 0) {
        out->invalid = wh_arena_sprintf(
            a,
            "no platform of the index %s can run this pod (the index has %s; the pod's "
            "nodeSelector/affinity allows none of them)",
            digest, platform_names(info, a));
        return;
    }
    if (mode != WH_POLICY_PLATFORMS_EACH) {
        index = wh_pipeline_memo_facts(ctx, ref, digest, rule, want_signature);
        if (index->error != NULL) {
            wh_pipeline_fail(a, &out->error, &out->error_code, index->error_code, "index %s: %s",
                             digest, index->error);
            return;
        }
        /* `index`, or `any` with everything on the index: the index digest is judged. */
        if (mode == WH_POLICY_PLATFORMS_INDEX ||
            wh_pipeline_memo_facts_complete(index, rule, want_signature)) {
            out->facts = index;
            out->index_digest = NULL;
            return;
        }
    }
    judge_entries(ctx, ref, rule, want_signature, mode, index, sel, n_sel, out);
}
