/* Lint: lenient image rules that follow, and share names with, stricter ones (issue 12 item 4).
 * The decision is the exact intersection of two anchored globs, never a guess from prefixes. */
#include "policy/overlap.h"

#include "image/ref.h"

static bool
requires_evidence(const struct wh_policy_image *r)
{
    return r->signatures.n_signed_by > 0 || r->sbom.required || r->provenance.required ||
           r->vulns.required;
}

static bool
is_strict(const struct wh_policy_image *r)
{
    return r->mode == WH_POLICY_MODE_ENFORCE && requires_evidence(r);
}

static bool
is_lenient(const struct wh_policy_image *r)
{
    return r->mode != WH_POLICY_MODE_ENFORCE || !requires_evidence(r);
}

/* The first pair of match globs of `s` and `l` that share a name. */
static bool
rules_overlap(const struct wh_policy_image *s, const struct wh_policy_image *l, struct wh_arena *a,
              struct wh_policy_overlap *o)
{
    size_t i, j;

    for (j = 0; j < l->n_match; j++)
        for (i = 0; i < s->n_match; i++)
            if (wh_image_glob_overlap(wh_str_c(s->match[i]), wh_str_c(l->match[j]), a,
                                      &o->example)) {
                o->strict = s;
                o->lenient = l;
                o->strict_glob = s->match[i];
                o->lenient_glob = l->match[j];
                return true;
            }
    return false;
}

size_t
wh_policy_overlaps(const struct wh_policy *p, struct wh_arena *a, struct wh_policy_overlap **out)
{
    size_t n_rules = wh_policy_image_count(p), i, j, n = 0, cap = 0;
    struct wh_policy_overlap o;

    *out = NULL;
    for (j = 0; j < n_rules; j++) {
        const struct wh_policy_image *l = wh_policy_image_get(p, j);

        if (!is_lenient(l))
            continue;
        for (i = 0; i < j; i++) {
            const struct wh_policy_image *s = wh_policy_image_get(p, i);

            if (!is_strict(s) || !rules_overlap(s, l, a, &o))
                continue;
            if (n == cap) {
                size_t want = cap == 0 ? 4 : cap * 2;
                *out = wh_arena_grow(a, *out, n, want, sizeof(**out));
                cap = want;
            }
            (*out)[n++] = o;
        }
    }
    return n;
}

static const char *
lenient_why(const struct wh_policy_image *r)
{
    if (r->mode == WH_POLICY_MODE_WARN)
        return "mode warn";
    if (r->mode == WH_POLICY_MODE_AUDIT)
        return "mode audit";
    return "requires no signature or attestation";
}

static const char *
strict_what(const struct wh_policy_image *r, struct wh_arena *a)
{
    if (r->signatures.n_signed_by > 0)
        return wh_arena_sprintf(
            a, "enforce, signatures by %s",
            wh_policy_signer_names(r->signatures.signed_by, r->signatures.n_signed_by, a));
    return "enforce, attestations required";
}

const char *
wh_policy_overlap_message(const struct wh_policy_overlap *o, const char *file, struct wh_arena *a)
{
    const char *f = file != NULL ? file : "", *sep = file != NULL ? ":" : "";

    return wh_arena_sprintf(
        a,
        "%s%s%d:%d: warning: image rule %s (%s) shares names with the stricter image rule %s "
        "before it (%s%s%d:%d, %s): \"%s\" and \"%s\" both match %s; what %s does not match "
        "(beside its globs, or excluded) falls through to %s: narrow the match of %s or require "
        "what %s requires",
        f, sep, o->lenient->line, o->lenient->col, o->lenient->name, lenient_why(o->lenient),
        o->strict->name, f, sep, o->strict->line, o->strict->col, strict_what(o->strict, a),
        o->lenient_glob, o->strict_glob, o->example, o->strict->name, o->lenient->name,
        o->lenient->name, o->strict->name);
}
