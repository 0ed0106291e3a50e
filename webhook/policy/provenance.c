/*
 * Provenance and agent-provenance rules: parsed SLSA and agent predicates against the image
 * rule, as denial and warning texts that name the predicate field and the fix. Pure.
 */
#include "policy/provenance.h"

#include <fnmatch.h>
#include <string.h>

#include "base/regex.h"

void
wh_policy_messages_deny(struct wh_policy_messages *m, const char *text, struct wh_arena *a)
{
    m->n_deny_total++;
    if (m->n_deny < WH_POLICY_MESSAGES_MAX) {
        m->deny[m->n_deny++] = text;
        return;
    }
    m->deny[WH_POLICY_MESSAGES_MAX - 1] = wh_arena_sprintf(
        a, "and %zu more (see the report)", m->n_deny_total - (WH_POLICY_MESSAGES_MAX - 1));
}

void
wh_policy_messages_warn(struct wh_policy_messages *m, const char *text, struct wh_arena *a)
{
    (void)a;
    if (m->n_warn < WH_POLICY_MESSAGES_MAX)
        m->warn[m->n_warn++] = text;
}

static void
check_dependency(const struct wh_policy_dependency *want, const struct wh_provenance *p,
                 struct wh_arena *a, struct wh_policy_messages *out)
{
    size_t i, j, matched = 0;

    for (i = 0; i < p->n_dependencies; i++) {
        const struct wh_slsa_dependency *d = &p->dependencies[i];
        const char *got = NULL;
        if (fnmatch(want->uri, d->uri, 0) != 0)
            continue;
        matched++;
        for (j = 0; j < d->n_digests; j++)
            if (strcmp(d->digests[j].alg, want->alg) == 0)
                got = d->digests[j].hex;
        if (got == NULL)
            wh_policy_messages_deny(
                out,
                wh_arena_sprintf(a, "provenance %s (%s) has no %s digest; the policy expects %s",
                                 d->field, d->uri, want->alg, want->digest),
                a);
        else if (strcmp(got, want->hex) != 0)
            wh_policy_messages_deny(
                out,
                wh_arena_sprintf(a,
                                 "provenance %s.digest.%s is %s for %s; the policy expects %s: "
                                 "rebuild from the expected base or update the policy",
                                 d->field, want->alg, got, d->uri, want->hex),
                a);
    }
    if (matched == 0)
        wh_policy_messages_deny(
            out,
            wh_arena_sprintf(a,
                             "provenance lists no resolved dependency matching %s (%s, %zu "
                             "listed); the policy expects it at %s",
                             want->uri,
                             strcmp(p->version, "v1") == 0 ? "buildDefinition.resolvedDependencies"
                                                           : "materials",
                             p->n_dependencies, want->digest),
            a);
}

static void
mismatch(struct wh_policy_messages *out, struct wh_arena *a, const char *field, const char *got,
         const char *what, const char *want)
{
    if (got == NULL)
        wh_policy_messages_deny(
            out,
            wh_arena_sprintf(a, "provenance does not record %s; the policy expects %s \"%s\"", what,
                             what, want),
            a);
    else
        wh_policy_messages_deny(out,
                                wh_arena_sprintf(a,
                                                 "provenance %s is \"%s\"; the policy expects %s "
                                                 "\"%s\"",
                                                 field, got, what, want),
                                a);
}

/* builderIdRegExp: the whole builder id must match (RE2, anchored by the engine); a match that
 * exceeds its bounds denies too. */
static void
check_builder_regex(const struct wh_policy_provenance *r, const struct wh_provenance *p,
                    struct wh_policy_messages *out, struct wh_arena *a)
{
    struct wh_error err;
    bool matched = false;

    if (p->builder_id != NULL &&
        wh_regex_match(r->builder_id_re->re, wh_str_c(p->builder_id), &matched, &err) != WH_OK)
        wh_policy_messages_deny(out,
                                wh_arena_sprintf(a,
                                                 "provenance %s \"%s\" could not be matched "
                                                 "against the policy's builderIdRegExp: %s",
                                                 p->builder_id_field, p->builder_id, err.msg),
                                a);
    else if (!matched)
        wh_policy_messages_deny(
            out,
            wh_arena_sprintf(a,
                             "provenance %s is \"%s\", which does not match the policy's "
                             "builderIdRegExp \"%s\" (the whole value must match %s)",
                             p->builder_id_field, p->builder_id ? p->builder_id : "(none)",
                             r->builder_id_re->source, wh_regex_effective(r->builder_id_re->re)),
            a);
}

/* TODO(#14): split the builder, source and parameter checks (cognitive complexity 32 > 25, STYLE
 * §8). */
void /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_policy_provenance_check(const struct wh_policy_image *rule, const struct wh_predicates *pred,
                           const char *image, const char *detail, struct wh_arena *a,
                           struct wh_policy_messages *out)
{
    const struct wh_policy_provenance *r = &rule->provenance;
    const struct wh_provenance *p = pred != NULL ? pred->provenance : NULL;
    const char *type = r->predicate_type != NULL ? r->predicate_type : "SLSA v0.2 or v1";
    size_t i;

    if (!r->required)
        return;
    if (p == NULL ||
        !wh_policy_signer_listed(r->signed_by, r->n_signed_by, pred->provenance_signer) ||
        (r->predicate_type != NULL &&
         strcmp(r->predicate_type, strcmp(p->version, "v1") == 0 ? WH_PREDICATE_SLSA_V1
                                                                 : WH_PREDICATE_SLSA_V02) != 0)) {
        wh_policy_messages_deny(
            out,
            wh_arena_sprintf(a,
                             "no verified provenance attestation (%s) by %s%s%s%s: attest the "
                             "build's provenance with cosign attest --type slsaprovenance1 "
                             "--predicate provenance.json %s (or from the builder, e.g. "
                             "slsa-github-generator)",
                             type, wh_policy_signer_names(r->signed_by, r->n_signed_by, a),
                             detail != NULL ? " (" : "", detail != NULL ? detail : "",
                             detail != NULL ? ")" : "", image),
            a);
        return;
    }
    if (r->builder_id != NULL &&
        (p->builder_id == NULL || strcmp(p->builder_id, r->builder_id) != 0))
        mismatch(out, a, p->builder_id_field, p->builder_id, "builderId", r->builder_id);
    if (r->builder_id_re != NULL)
        check_builder_regex(r, p, out, a);
    if (r->build_type != NULL &&
        (p->build_type == NULL || strcmp(p->build_type, r->build_type) != 0))
        mismatch(out, a, p->build_type_field, p->build_type, "buildType", r->build_type);
    if (r->source_repo != NULL &&
        (p->source_repo == NULL || strcmp(p->source_repo, r->source_repo) != 0))
        mismatch(out, a, p->source_field != NULL ? p->source_field : "source", p->source_repo,
                 "sourceRepo", r->source_repo);
    if (r->source_ref != NULL &&
        (p->source_ref == NULL || strcmp(p->source_ref, r->source_ref) != 0))
        mismatch(out, a,
                 p->source_field != NULL ? wh_arena_sprintf(a, "ref (from %s)", p->source_field)
                                         : "ref",
                 p->source_ref, "sourceRef", r->source_ref);
    for (i = 0; i < r->n_dependencies; i++)
        check_dependency(&r->dependencies[i], p, a, out);
}

/* ---- agent provenance ---- */

static bool
has_commits(const struct wh_predicates *p)
{
    return p != NULL && p->agent != NULL && p->agent->n_commits > 0;
}

static const char *
commit_list(const struct wh_agent_provenance *ag, struct wh_arena *a)
{
    const char *out = "";
    size_t i;

    for (i = 0; i < ag->n_commits && i < 3; i++) {
        const struct wh_agent_commit *c = &ag->commits[i];
        size_t msg_len = strcspn(c->message, "\r\n"); /* the subject line only */
        out = wh_arena_sprintf(a, "%s%s%.12s%s%.*s%s", out, i > 0 ? ", " : "", c->sha,
                               msg_len > 0 ? " (" : "", (int)(msg_len > 60 ? 60 : msg_len),
                               c->message, msg_len > 0 ? ")" : "");
    }
    if (ag->n_commits > 3)
        out = wh_arena_sprintf(a, "%s and %zu more", out, ag->n_commits - 3);
    return out;
}

const char *
wh_policy_agent_banner(const struct wh_predicates *prod, const struct wh_predicates *dev,
                       struct wh_arena *a)
{
    const char *text = NULL;

    if (has_commits(dev))
        text = wh_arena_sprintf(a, "dev image commits %s", commit_list(dev->agent, a));
    if (has_commits(prod))
        text = wh_arena_sprintf(a, "%s%simage commits %s", text != NULL ? text : "",
                                text != NULL ? "; " : "", commit_list(prod->agent, a));
    if (text == NULL)
        return NULL;
    return wh_arena_sprintf(a,
                            "agent-authored (agent-provenance attestation): %s; drift may "
                            "originate in the agent's iteration on the devcontainer",
                            text);
}

const char *
wh_policy_agent_warning(const struct wh_predicates *p, bool is_dev, struct wh_arena *a)
{
    if (!has_commits(p))
        return NULL;
    return wh_arena_sprintf(a,
                            "agent-authored (agent-provenance attestation): %s commits %s; drift "
                            "may originate in the agent's iteration",
                            is_dev ? "dev image" : "image", commit_list(p->agent, a));
}

bool
wh_policy_agent_raises(const struct wh_policy_image *rule, const struct wh_predicates *prod,
                       const struct wh_predicates *dev)
{
    if (rule == NULL || !rule->agent.required || !rule->agent.raise_drift)
        return false;
    return (has_commits(prod) &&
            wh_policy_signer_listed(rule->agent.signed_by, rule->agent.n_signed_by,
                                    prod->agent_signer)) ||
           (has_commits(dev) &&
            wh_policy_signer_listed(rule->agent.signed_by, rule->agent.n_signed_by,
                                    dev->agent_signer));
}

void
wh_policy_agent_raise(struct wh_tiered_finding *t, size_t n, struct wh_arena *a)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (t[i].exemption_reason != NULL || t[i].tier == WH_TIER_BLOCK)
            continue;
        t[i].tier = t[i].tier == WH_TIER_IGNORE ? WH_TIER_WARN : WH_TIER_BLOCK;
        t[i].rule = wh_arena_sprintf(a, "%s+agent", t[i].rule);
    }
}
