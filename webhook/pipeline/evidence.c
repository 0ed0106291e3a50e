/*
 * One digest's cosign evidence with its round trips overlapped (evidence.h): fetched ahead on
 * the fetch helpers into per-task arenas, then checked in the sequential order by the caller,
 * which alone writes the facts (their arena, `keep`, is the caller's or a cache entry's).
 */
#include "pipeline/evidence.h"

#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "pipeline/attestations.h"
#include "pipeline/fanout.h"
#include "pipeline/fs_manifest.h"
#include "pipeline/memo.h"
#include "pipeline/referrers.h"
#include "pipeline/signatures.h"
#include "policy/policy.h"
#include "registry/cosign_refs.h"

/* The steps in their sequential order: a step whose fetch met an infrastructure failure ends
 * the facts there, so the later steps' fetches stop (those already sent are not waited for). */
enum step { STEP_SIG, STEP_ATT, STEP_REFERRERS, STEP_NONE };

/* What the fetch tasks gather for the checks. */
struct ahead {
    const struct wh_image_check_ctx *ctx;
    const struct wh_image_ref *ref;
    const struct wh_policy_image *rule;
    const char *digest;
    bool want_signature;
    struct wh_arena arenas[2];               /* one per task: an arena is one thread's */
    struct wh_pipeline_cosign_fetch tags[2]; /* STEP_SIG, STEP_ATT */
    bool has_tag[2];                         /* its manifest was fetched */
    struct wh_pipeline_referrers_fetch referrers;
    bool has_referrers;
    atomic_bool referrers_claimed; /* one task lists them */
    atomic_int failed;             /* the earliest step that met an infrastructure failure */
};

static bool
stopped_before(struct ahead *x, enum step s)
{
    return atomic_load(&x->failed) < (int)s;
}

/* Step s met an infrastructure failure: the facts end there (signatures.c fetch_failed). */
static void
note_failure(struct ahead *x, enum step s, const struct wh_error *err)
{
    int cur = atomic_load(&x->failed);

    if (!wh_policy_on_error_applies(err->code))
        return;
    while (cur > (int)s && !atomic_compare_exchange_weak(&x->failed, &cur, (int)s))
        ;
}

/* The tag of step s and the blobs its check reads first: every wanted .att layer; the first
 * signatures.count wanted .sig layers (the check reads more only when those do not verify). A
 * layer's failure that ends the check ends the fetching too. */
static void
fetch_tag(struct ahead *x, const struct wh_image_check_ctx *c, enum step s)
{
    struct wh_pipeline_cosign_fetch *t = &x->tags[s];
    bool is_att = s == STEP_ATT;
    size_t max = is_att ? c->limits->blob_bytes : wh_pipeline_signatures_blob_max(c);
    size_t want = is_att ? SIZE_MAX : x->rule->signatures.count, taken = 0;

    if (stopped_before(x, s))
        return;
    t->rc =
        wh_registry_cosign_manifest(c->registry, x->ref, x->digest, is_att ? "att" : "sig", max,
                                    c->deadline_ms, c->arena, &t->layers, &t->n_layers, &t->err);
    x->has_tag[s] = true;
    if (t->rc != WH_OK) {
        note_failure(x, s, &t->err);
        return;
    }
    t->fetched = wh_arena_calloc(c->arena, t->n_layers + 1, sizeof(*t->fetched));
    t->layer_rc = wh_arena_calloc(c->arena, t->n_layers + 1, sizeof(*t->layer_rc));
    t->layer_err = wh_arena_calloc(c->arena, t->n_layers + 1, sizeof(*t->layer_err));
    for (size_t i = 0; i < t->n_layers && taken < want && !stopped_before(x, s); i++) {
        if (!wh_pipeline_signatures_layer_wanted(t->layers, i, is_att))
            continue;
        t->layer_rc[i] = wh_registry_cosign_layer_fetch(c->registry, x->ref, &t->layers[i], max,
                                                        c->deadline_ms, c->arena, &t->layer_err[i]);
        t->fetched[i] = true;
        taken++;
        if (t->layer_rc[i] != WH_OK && wh_policy_on_error_applies(t->layer_err[i].code)) {
            note_failure(x, s, &t->layer_err[i]);
            return;
        }
    }
}

/* Step s's tag is absent: will the facts be incomplete whatever the other tag holds, so that
 * the checks are sure to list the referrers (unless a step fails)? */
static bool
absence_needs_referrers(const struct ahead *x, enum step s)
{
    struct wh_pipeline_facts best;

    if (s == STEP_SIG)
        return x->rule->signatures.count > 0;
    /* No attestation at all, every signature there: still incomplete? */
    memset(&best, 0, sizeof(best));
    best.facts.n_signature_signers = x->rule->signatures.count;
    return !wh_pipeline_memo_facts_complete(&best, x->rule, x->want_signature);
}

static void
fetch_referrers(struct ahead *x, const struct wh_image_check_ctx *c)
{
    struct wh_pipeline_referrers_fetch *r = &x->referrers;
    const struct wh_policy_signer **all;
    size_t n_all;

    if (stopped_before(x, STEP_REFERRERS))
        return;
    n_all = wh_pipeline_attestations_signers(x->rule, x->want_signature, c->arena, &all);
    r->rc = wh_pipeline_referrers_list(c, x->ref, x->digest, all, n_all, c->arena, &r->refs,
                                       &r->n_refs, &r->err);
    x->has_referrers = true;
}

static void
fetch_task(void *arg, size_t i, struct wh_registry_client *registry)
{
    struct ahead *x = arg;
    struct wh_image_check_ctx c = *x->ctx;
    enum step s = i == 0 ? STEP_SIG : STEP_ATT;

    c.registry = registry;
    c.arena = &x->arenas[i];
    c.timing = NULL;
    c.fanout = NULL;
    fetch_tag(x, &c, s);
    if (x->has_tag[s] && x->tags[s].rc == WH_E_NOT_FOUND && absence_needs_referrers(x, s) &&
        !atomic_exchange(&x->referrers_claimed, true))
        fetch_referrers(x, &c);
}

static void
arena_release(void *a)
{
    wh_arena_fini(a);
}

/* The .sig and .att tags (and maybe the referrers) fetched at once; lives with ctx->arena. */
static struct ahead *
fetch_ahead(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
            const struct wh_policy_image *rule, const char *digest, bool want_signature)
{
    struct ahead *x = wh_arena_alloc(ctx->arena, sizeof(*x));

    x->ctx = ctx;
    x->ref = ref;
    x->rule = rule;
    x->digest = digest;
    x->want_signature = want_signature;
    atomic_init(&x->referrers_claimed, false);
    atomic_init(&x->failed, STEP_NONE);
    for (size_t k = 0; k < 2; k++) {
        wh_arena_init(&x->arenas[k]);
        wh_arena_defer(ctx->arena, arena_release, &x->arenas[k]);
    }
    wh_pipeline_fanout_run(ctx->fanout, ctx->registry, 2, fetch_task, x);
    return x;
}

void
wh_pipeline_evidence_check(const struct wh_image_check_ctx *ctx, const struct wh_image_ref *ref,
                           const struct wh_policy_image *rule, bool want_signature,
                           struct wh_arena *keep, struct wh_pipeline_facts *out)
{
    bool sig = want_signature && rule->signatures.n_signed_by > 0;
    bool att = wh_pipeline_attestations_wanted(rule);
    struct ahead *x = NULL;

    if (sig && att && ctx->fanout != NULL && ctx->registry != NULL && ctx->cache_only == NULL)
        x = fetch_ahead(ctx, ref, rule, out->facts.digest, want_signature);
    if (sig)
        wh_pipeline_signatures_check(ctx, ref, rule,
                                     x != NULL && x->has_tag[STEP_SIG] ? &x->tags[STEP_SIG] : NULL,
                                     keep, out);
    if (out->error == NULL && att)
        wh_pipeline_attestations_check_fetched(
            ctx, ref, rule, x != NULL && x->has_tag[STEP_ATT] ? &x->tags[STEP_ATT] : NULL, keep,
            out);
    if (out->error == NULL && !wh_pipeline_memo_facts_complete(out, rule, want_signature))
        wh_pipeline_referrers_check_fetched(ctx, ref, rule, want_signature,
                                            x != NULL && x->has_referrers ? &x->referrers : NULL,
                                            keep, out);
    if (out->error == NULL && rule->fs_manifest.required)
        wh_pipeline_fs_manifest_prove(ctx, ref, rule, keep, out);
}
