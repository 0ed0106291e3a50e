/* Lint warnings (issue 18 item 4): expired exemptions, exemptions that match nothing, shadowed
 * image and tier rules, unused tier lists. Every check is exact or errs towards silence. */
#include "policy/warnings.h"

#include <string.h>
#include <strings.h>

#include "image/ref.h"
#include "policy/snapshot.h"

struct out {
    struct wh_arena *a;
    const char *f, *sep; /* "file" ":" or "" "" */
    const char **msgs;
    size_t n, cap;
};

static void
add(struct out *o, const char *msg)
{
    if (o->n == o->cap) {
        size_t want = o->cap == 0 ? 8 : o->cap * 2;
        o->msgs = wh_arena_grow(o->a, o->msgs, o->n, want, sizeof(*o->msgs));
        o->cap = want;
    }
    o->msgs[o->n++] = msg;
}

/* ---- exemptions ---- */

static bool
list_has_rule(const struct wh_policy_tiers *t, const char *id)
{
    for (size_t i = 0; t != NULL && i < t->n_rules; i++)
        if (strcmp(t->rules[i].id, id) == 0)
            return true;
    return false;
}

static bool
requires_evidence(const struct wh_policy_image *r)
{
    return r->signatures.n_signed_by > 0 || r->sbom.required || r->provenance.required ||
           r->vulns.required || r->agent.required;
}

/* An image rule the exemption could act on, one of whose globs shares a name with one of its. */
static bool
exemption_acts(const struct wh_policy *p, const struct wh_policy_exemption *x, struct wh_arena *a)
{
    const char *example;

    for (size_t r = 0; r < p->n_images; r++) {
        const struct wh_policy_image *img = &p->images[r];
        if (x->whole_image ? !requires_evidence(img) : !list_has_rule(img->tiers, x->rule->id))
            continue;
        for (size_t i = 0; i < x->n_images; i++)
            for (size_t j = 0; j < img->n_match; j++)
                if (wh_image_glob_overlap(wh_str_c(x->images[i]), wh_str_c(img->match[j]), a,
                                          &example))
                    return true;
    }
    return false;
}

static void
warn_exemptions(struct out *o, const struct wh_policy *p, time_t now)
{
    for (size_t k = 0; k < p->n_exemptions; k++) {
        const struct wh_policy_exemption *x = &p->exemptions[k];
        const char *what = x->whole_image ? "the images' signature and attestation requirements"
                                          : wh_arena_sprintf(o->a, "the blocks of %s", x->rule->id);
        if (now >= x->expires)
            add(o, wh_arena_sprintf(o->a,
                                    "%s%s%d:%d: warning: spec.exemptions[%zu] expired on %s: %s "
                                    "apply again; remove it, or renew it with a new date and "
                                    "reason",
                                    o->f, o->sep, x->line, x->col, k, x->expires_text, what));
        else if (!exemption_acts(p, x, o->a))
            add(o, wh_arena_sprintf(
                       o->a,
                       "%s%s%d:%d: warning: spec.exemptions[%zu] matches nothing: no image rule "
                       "matching its images %s, so it lifts nothing; fix its images (or rule)",
                       o->f, o->sep, x->line, x->col, k,
                       x->whole_image
                           ? "requires a signature or an attestation"
                           : wh_arena_sprintf(o->a, "uses a tier list holding %s", x->rule->id)));
    }
}

/* ---- shadowed image rules ---- */

/* Whether glob `a` matches every name glob `b` matches: the same glob, any name, or a literal
 * prefix followed by a "**" that `b` continues (any depth) or a "*" that `b` continues within one
 * component. */
static bool
glob_covers(const char *a, const char *b)
{
    size_t la = strlen(a), lit = strcspn(a, "*?");
    const char *rest = b + lit;

    if (strcmp(a, b) == 0 || strcmp(a, "**") == 0)
        return true;
    if (lit == 0 || a[lit - 1] != '/' || strncmp(a, b, lit) != 0 || strlen(b) <= lit)
        return false;
    if (la == lit + 2 && strcmp(a + lit, "**") == 0)
        return true;
    return la == lit + 1 && a[lit] == '*' && strchr(rest, '/') == NULL &&
           strstr(rest, "**") == NULL;
}

static bool
rule_covers(const struct wh_policy_image *i, const struct wh_policy_image *j)
{
    if (i->n_exclude > 0)
        return false;
    for (size_t m = 0; m < j->n_match; m++) {
        bool covered = false;
        for (size_t k = 0; k < i->n_match && !covered; k++)
            covered = glob_covers(i->match[k], j->match[m]);
        if (!covered)
            return false;
    }
    return true;
}

static void
warn_shadowed_images(struct out *o, const struct wh_policy *p)
{
    for (size_t j = 1; j < p->n_images; j++)
        for (size_t i = 0; i < j; i++)
            if (rule_covers(&p->images[i], &p->images[j])) {
                add(o, wh_arena_sprintf(o->a,
                                        "%s%s%d:%d: warning: image rule %s is shadowed by image "
                                        "rule %s (%d:%d), whose globs match every name its do: "
                                        "first match wins, so it never applies; move it before "
                                        "%s, or narrow %s",
                                        o->f, o->sep, p->images[j].line, p->images[j].col,
                                        p->images[j].name, p->images[i].name, p->images[i].line,
                                        p->images[i].col, p->images[i].name, p->images[i].name));
                break;
            }
}

/* ---- shadowed tier rules ---- */

static bool
in_list(const char *const *list, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0)
            return true;
    return false;
}

static bool
subset(const char *const *x, size_t nx, const char *const *y, size_t ny)
{
    for (size_t i = 0; i < nx; i++)
        if (!in_list(y, ny, x[i]))
            return false;
    return true;
}

/* Some part of `parts` is in `s`, ASCII case-insensitively; only for text PEP 503 folding (which
 * changes '.', '_' and '-') cannot make differ. */
static bool
contains_a_part(const char *s, const char *const *parts, size_t n)
{
    if (strpbrk(s, "._-") != NULL)
        return false;
    for (size_t i = 0; i < n; i++)
        if (strpbrk(parts[i], "._-") == NULL && strcasestr(s, parts[i]) != NULL)
            return true;
    return false;
}

static bool
names_implied(const struct wh_policy_tier_rule *i, const struct wh_policy_tier_rule *j)
{
    size_t k;

    if (i->n_names > 0 && (j->n_names == 0 || !subset(j->names, j->n_names, i->names, i->n_names)))
        return false;
    if (i->n_purl_types > 0 && (j->n_purl_types == 0 || !subset(j->purl_types, j->n_purl_types,
                                                                i->purl_types, i->n_purl_types)))
        return false;
    if (i->n_name_contains == 0)
        return true;
    if (j->n_name_contains > 0)
        return subset(j->name_contains, j->n_name_contains, i->name_contains, i->n_name_contains);
    for (k = 0; k < j->n_names; k++)
        if (!contains_a_part(j->names[k], i->name_contains, i->n_name_contains))
            return false;
    return j->n_names > 0;
}

/* Rule i matches every finding rule j matches. */
static bool
tier_rule_covers(const struct wh_policy_tier_rule *i, const struct wh_policy_tier_rule *j)
{
    if (i->dev_only >= 0 && i->dev_only != j->dev_only)
        return false;
    if (i->prod_only >= 0 && i->prod_only != j->prod_only)
        return false;
    if (i->version_drift != WH_POLICY_DRIFT_UNSET && i->version_drift != j->version_drift &&
        !(i->version_drift == WH_POLICY_DRIFT_ANY && j->version_drift != WH_POLICY_DRIFT_UNSET))
        return false;
    return names_implied(i, j);
}

/* Whether list t wrote rule r (its id is "<t>[n]", "<t>.before[n]" or "<t>.after[n]"). */
static bool
written_by(const struct wh_policy_tiers *t, const struct wh_policy_tier_rule *r)
{
    size_t n = strlen(t->name);

    return !r->is_builtin && strncmp(r->id, t->name, n) == 0 &&
           (r->id[n] == '[' || strncmp(r->id + n, ".before[", 8) == 0 ||
            strncmp(r->id + n, ".after[", 7) == 0);
}

static void
warn_shadowed_tier_rules(struct out *o, const struct wh_policy *p)
{
    for (size_t t = 0; t < p->n_tiers; t++) {
        const struct wh_policy_tiers *l = &p->tiers[t];
        for (size_t j = 1; j < l->n_rules; j++) {
            const struct wh_policy_tier_rule *r = &l->rules[j];
            if (!written_by(l, r))
                continue;
            for (size_t i = 0; i < j; i++)
                if (tier_rule_covers(&l->rules[i], r)) {
                    add(o, wh_arena_sprintf(
                               o->a,
                               "%s%s%d:1: warning: tier rule %s is shadowed by %s%s in list %s: "
                               "that rule matches every finding this one does, and the first "
                               "match wins, so %s never applies; move it before %s or drop it",
                               o->f, o->sep, r->line, r->id, l->rules[i].id,
                               l->rules[i].is_builtin ? " (built in)" : "", l->name, r->id,
                               l->rules[i].id));
                    break;
                }
        }
    }
}

/* ---- unused tier lists ---- */

static void
warn_unused_tiers(struct out *o, const struct wh_policy *p)
{
    bool *used = wh_arena_calloc(o->a, p->n_tiers + 1, sizeof(*used));

    for (size_t r = 0; r < p->n_images; r++)
        for (const struct wh_policy_tiers *t = p->images[r].tiers; t != NULL; t = t->base)
            used[t - p->tiers] = true;
    for (size_t t = 0; t < p->n_tiers; t++)
        if (!used[t] && !p->tiers[t].is_builtin)
            add(o, wh_arena_sprintf(o->a,
                                    "%s%s%d:%d: warning: tier list %s is used by no image rule "
                                    "(tiers: %s), directly or through extends: it judges nothing",
                                    o->f, o->sep, p->tiers[t].line, p->tiers[t].col,
                                    p->tiers[t].name, p->tiers[t].name));
}

size_t
wh_policy_warnings(const struct wh_policy *p, time_t now, const char *file, struct wh_arena *a,
                   const char ***out)
{
    struct out o = {a, file != NULL ? file : "", file != NULL ? ":" : "", NULL, 0, 0};

    warn_exemptions(&o, p, now);
    warn_shadowed_images(&o, p);
    warn_shadowed_tier_rules(&o, p);
    warn_unused_tiers(&o, p);
    *out = o.msgs;
    return o.n;
}
