/*
 * Policy evaluation: verified facts and the SBOM drift of one image → denials, warnings and audit
 * annotations, with messages that name the image, its path, its digest, the rule and the fix.
 * Pure: the clock comes in as `now`; only this file calls wh_decision_allow().
 */
#include "policy/policy.h"

#include <stdio.h>
#include <string.h>

#include "image/ref.h"
#include "policy/provenance.h"
#include "policy/snapshot.h"
#include "policy/vulns.h"
#include "sbom/diff.h"
#include "sbom/purl.h"
#include "verify/predicates.h"

#define MESSAGES_PER_IMAGE 5 /* more blocked packages than this are summarised, not listed */
/* Characters of an SBOM value (package name, version) or of a registry's error quoted in a
 * message: the fix that follows must survive the renderer's cut (admission/response.h). */
#define QUOTE_MAX 128
#define DETAIL_MAX 300
/* Of why an image or its dev image could not be checked: the chain of causes is the message (a
 * denial is cut at 1 KiB with the path, image and digest before it). */
#define FAILURE_MAX 600

/* ---- tiers ---- */

static bool
drift_matches(enum wh_policy_drift_match want, const struct wh_sbom_finding *f)
{
    if (want == WH_POLICY_DRIFT_UNSET)
        return true;
    if (f->kind != WH_DRIFT_VERSION)
        return false;
    switch (want) {
    case WH_POLICY_DRIFT_ANY:
        return true;
    case WH_POLICY_DRIFT_MAJOR: /* an unparsable version could be any distance: fail closed */
        return f->size == WH_DRIFT_MAJOR || f->size == WH_DRIFT_OTHER;
    case WH_POLICY_DRIFT_MINOR:
        return f->size == WH_DRIFT_MINOR;
    case WH_POLICY_DRIFT_PATCH:
        return f->size == WH_DRIFT_PATCH;
    case WH_POLICY_DRIFT_BUILD:
        return f->size == WH_DRIFT_BUILD;
    case WH_POLICY_DRIFT_UNSET:
        break;
    }
    return false;
}

static bool
in_names(const struct wh_policy_tier_rule *r, const char *type, const char *ident)
{
    for (size_t i = 0; i < r->n_names; i++)
        if (wh_sbom_ident_equal(type, ident, r->names[i]))
            return true;
    return false;
}

static bool
has_name_part(const struct wh_policy_tier_rule *r, const char *type, const char *ident)
{
    for (size_t i = 0; i < r->n_name_contains; i++)
        if (wh_sbom_ident_contains(type, ident, r->name_contains[i]))
            return true;
    return false;
}

static bool
in_types(const struct wh_policy_tier_rule *r, const char *type)
{
    for (size_t i = 0; i < r->n_purl_types; i++)
        if (wh_sbom_purl_type_equal(r->purl_types[i], type))
            return true;
    return false;
}

/* names and nameContains see the package's identity (sbom/purl.h), not the SBOM's free-text
 * name: "pkg:pypi/pyOpenSSL" is pyopenssl and meets `ssl`; a component named "vim" whose purl is
 * libssl3 is libssl3. */
static bool
rule_matches(const struct wh_policy_tier_rule *r, const struct wh_sbom_finding *f)
{
    const char *type = f->purl_type != NULL ? f->purl_type : "";
    const char *ident = f->ident != NULL ? f->ident : f->name != NULL ? f->name : "";

    if (r->dev_only >= 0 && (f->kind == WH_DRIFT_DEV_ONLY) != (r->dev_only == 1))
        return false;
    if (r->prod_only >= 0 && (f->kind == WH_DRIFT_PROD_ONLY) != (r->prod_only == 1))
        return false;
    if (!drift_matches(r->version_drift, f))
        return false;
    if (r->n_names > 0 && !in_names(r, type, ident))
        return false;
    if (r->n_purl_types > 0 && !in_types(r, type))
        return false;
    if (r->n_name_contains > 0 && !has_name_part(r, type, ident))
        return false;
    return true;
}

static bool
exemption_names_image(const struct wh_policy_exemption *x, const char *image_name)
{
    for (size_t j = 0; image_name != NULL && j < x->n_images; j++)
        if (wh_image_glob_match(wh_str_c(x->images[j]), wh_str_c(image_name)))
            return true;
    return false;
}

const struct wh_policy_exemption *
wh_policy_image_exemption(const struct wh_policy *p, const char *name, time_t now)
{
    for (size_t i = 0; name != NULL && i < p->n_exemptions; i++) {
        const struct wh_policy_exemption *x = &p->exemptions[i];
        /* Fail closed: only a loaded image exemption whose last day has not ended lifts. */
        if (x->whole_image && now < x->expires && exemption_names_image(x, name))
            return x;
    }
    return NULL;
}

long long
wh_policy_exemption_days_left(const struct wh_policy_exemption *x, time_t now)
{
    time_t last_day = x->expires - 86400, today = now - (now % 86400 + 86400) % 86400;

    return (long long)((last_day - today) / 86400);
}

static const struct wh_policy_exemption *
find_exemption(const struct wh_policy *p, const struct wh_policy_tier_rule *rule,
               const char *image_name, time_t now)
{
    size_t i, j;

    if (image_name == NULL)
        return NULL;
    for (i = 0; i < p->n_exemptions; i++) {
        const struct wh_policy_exemption *x = &p->exemptions[i];
        /* By id: a rule inherited through extends is a copy of the one the exemption names. */
        if (x->whole_image || now >= x->expires || strcmp(x->rule->id, rule->id) != 0)
            continue;
        for (j = 0; j < x->n_images; j++)
            if (wh_image_glob_match(wh_str_c(x->images[j]), wh_str_c(image_name)))
                return x;
    }
    return NULL;
}

void
wh_policy_classify_tiers(const struct wh_policy *p, const struct wh_policy_tiers *tiers,
                         const char *image_name, const struct wh_sbom_diff *diff, time_t now,
                         struct wh_arena *a, struct wh_tiered_finding **out)
{
    struct wh_tiered_finding *t;
    size_t i, j;
    const char *unmatched =
        wh_arena_sprintf(a, "%s[none]", tiers != NULL ? tiers->name : "no-tiers");

    t = wh_arena_calloc(a, diff->n_findings == 0 ? 1 : diff->n_findings, sizeof(*t));
    for (i = 0; i < diff->n_findings; i++) {
        const struct wh_policy_tier_rule *r = NULL;
        t[i].finding = &diff->findings[i];
        for (j = 0; tiers != NULL && j < tiers->n_rules; j++) {
            if (rule_matches(&tiers->rules[j], &diff->findings[i])) {
                r = &tiers->rules[j];
                break;
            }
        }
        if (r == NULL) {
            /* Fail closed: drift nobody wrote a rule for is not silently accepted. */
            t[i].tier = WH_TIER_BLOCK;
            t[i].rule = unmatched;
            continue;
        }
        t[i].tier = r->tier;
        t[i].rule = r->id;
        if (r->tier == WH_TIER_BLOCK) {
            const struct wh_policy_exemption *x = find_exemption(p, r, image_name, now);
            if (x != NULL) {
                t[i].tier = WH_TIER_IGNORE;
                t[i].exemption_reason = x->reason;
                t[i].exemption_expires = x->expires_text;
            }
        }
    }
    *out = t;
}

void
wh_policy_classify(const struct wh_policy *p, const struct wh_policy_image *rule,
                   const char *image_name, const struct wh_sbom_diff *diff, time_t now,
                   struct wh_arena *a, struct wh_tiered_finding **out)
{
    wh_policy_classify_tiers(p, rule != NULL ? rule->tiers : NULL, image_name, diff, now, a, out);
}

/* ---- one image ---- */

/* Collects what one image's evaluation found before the mode decides where it goes. */
struct verdict {
    struct wh_decision *d;
    const struct wh_image_eval *in;
    /* "spec.containers[1].image reg/x:v2 (sha256:…), image rule payments": denials name the
     * JSON path, the image, its digest and the rule; warnings (which the decision prefixes with
     * the object) the path, the image and the rule, so no two containers' warnings read alike;
     * `wshort` leaves the image out, for a warning that would otherwise be cut (record_warning). */
    const char *prefix;
    const char *wprefix, *wshort;
    enum wh_policy_mode mode;
    size_t denials, warnings;
    char *audit; /* mode audit: the would-be denials, joined */
};

/* The prefixes of `v`, made at its first denial or warning: most images have none, and these
 * were four printfs an image. */
static void
make_prefixes(struct verdict *v)
{
    struct wh_arena *a = v->d->arena;
    const struct wh_image_eval *in = v->in;
    const char *rule;

    if (v->prefix != NULL)
        return;
    rule = in->rule != NULL ? wh_arena_sprintf(a, ", image rule %s", in->rule->name) : "";
    if (in->digest != NULL && in->platform != NULL)
        v->prefix = wh_arena_sprintf(a, "%s %s (index %s, platform %s %s)%s", in->path, in->image,
                                     in->index_digest, in->platform, in->digest, rule);
    else if (in->digest != NULL)
        v->prefix = wh_arena_sprintf(a, "%s %s (%s)%s", in->path, in->image, in->digest, rule);
    else
        v->prefix = wh_arena_sprintf(a, "%s %s%s", in->path, in->image, rule);
    v->wprefix = wh_arena_sprintf(a, "%s %s%s", in->path, in->image, rule);
    v->wshort = wh_arena_sprintf(a, "%s%s", in->path, rule);
}

/* "<n>-<what>", the key of image n's audit annotation what, copied together (six or more an
 * image, each a printf before). */
static const char *
annotation_key(struct wh_arena *a, int n, const char *what)
{
    char num[16], *p = num + sizeof(num);
    unsigned u = (unsigned)n;
    size_t len = strlen(what), k;
    char *out;

    if (n < 0)
        return wh_arena_sprintf(a, "%d-%s", n, what);
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    k = (size_t)(num + sizeof(num) - p);
    out = wh_arena_alloc(a, k + 1 + len + 1);
    memcpy(out, p, k);
    out[k] = '-';
    memcpy(out + k + 1, what, len + 1);
    return out;
}

/* Records "<object>: <marker><path> <image>, image rule R: <text>", or without the image when
 * that would pass WH_WARNING_MAX: the finding and its fix at the end are never what is cut. */
static void
record_warning(struct verdict *v, const char *marker, const char *text)
{
    const char *subject = v->d->subject;
    size_t n;

    make_prefixes(v);
    n = (subject != NULL ? strlen(subject) + 2 : 0) + strlen(marker) + strlen(v->wprefix) + 2 +
        strlen(text);

    wh_decision_warn(v->d, "%s%s: %s", marker, n <= WH_WARNING_MAX ? v->wprefix : v->wshort, text);
}

static void
deny(struct verdict *v, const char *text)
{
    v->denials++;
    switch (v->mode) {
    case WH_POLICY_MODE_ENFORCE:
        make_prefixes(v);
        wh_decision_deny(v->d, "%s: %s", v->prefix, text);
        break;
    case WH_POLICY_MODE_WARN:
        record_warning(v, "not enforced (mode warn): ", text);
        break;
    case WH_POLICY_MODE_AUDIT:
        v->audit = v->audit == NULL ? wh_arena_strdup(v->d->arena, text)
                                    : wh_arena_sprintf(v->d->arena, "%s; %s", v->audit, text);
        break;
    }
}

static void
warn(struct verdict *v, const char *text)
{
    v->warnings++;
    record_warning(v, "", text);
}

/* How to produce what is missing, for the first signer of the list. */
static const char *
cosign_how(const struct wh_policy_signer *s, const char *verb, const char *extra,
           const struct wh_image_eval *in, struct wh_arena *a)
{
    const char *subject =
        in->digest != NULL ? wh_arena_sprintf(a, "%s@%s", in->name, in->digest) : in->image;

    if (s->keyless != NULL)
        return wh_arena_sprintf(a, "%s it in CI with cosign %s%s --yes %s (keyless, as signer %s)",
                                verb, verb, extra, subject, s->name);
    if (s->key_file != NULL)
        return wh_arena_sprintf(a, "%s it with cosign %s%s --key <private key of %s> %s", verb,
                                verb, extra, s->key_file, subject);
    return wh_arena_sprintf(a, "%s it with cosign %s%s --key <private key of signer %s> %s", verb,
                            verb, extra, s->name, subject);
}

/* "a, b" of the distinct signers whose signatures verified, or NULL. */
static const char *
found_signers(const struct wh_facts *facts, struct wh_arena *a)
{
    const char *out = NULL;

    for (size_t i = 0; facts != NULL && i < facts->n_signature_signers; i++)
        out = out == NULL ? facts->signature_signers[i]
                          : wh_arena_sprintf(a, "%s, %s", out, facts->signature_signers[i]);
    return out;
}

/* The first signer of the rule whose signature was not found (for the fix), else the first. */
static const struct wh_policy_signer *
missing_signer(const struct wh_policy_image *rule, const struct wh_facts *facts)
{
    for (size_t i = 0; i < rule->signatures.n_signed_by; i++) {
        const char *name = rule->signatures.signed_by[i]->name;
        bool found = false;
        for (size_t j = 0; facts != NULL && j < facts->n_signature_signers && !found; j++)
            found = facts->signature_signers[j] != NULL && name != NULL &&
                    strcmp(facts->signature_signers[j], name) == 0;
        if (!found)
            return rule->signatures.signed_by[i];
    }
    return rule->signatures.signed_by[0];
}

/* signatures.count: distinct signers (facts.signature_signers, which the pipeline fills with
 * signers of the rule only), not layers: one key signing twice is one signer. */
static void
check_signature(struct verdict *v, const struct wh_policy_image *rule)
{
    const struct wh_image_eval *in = v->in;
    struct wh_arena *a = v->d->arena;
    const char *who = in->facts != NULL ? in->facts->signature_signer : NULL;
    size_t verified = in->facts != NULL ? in->facts->n_signature_signers : 0;
    const char *found;

    if (verified == 0)
        verified =
            wh_policy_signer_listed(rule->signatures.signed_by, rule->signatures.n_signed_by, who);
    if (verified >= rule->signatures.count)
        return;
    if (rule->signatures.count > 1) {
        found = found_signers(in->facts, a);
        deny(v,
             wh_arena_sprintf(a, "%zu distinct signers required (of %s), found %zu%s%s%s%s%s: %s",
                              rule->signatures.count,
                              wh_policy_signer_names(rule->signatures.signed_by,
                                                     rule->signatures.n_signed_by, a),
                              verified, found != NULL ? ": " : "", found != NULL ? found : "",
                              in->signature_detail != NULL ? " (" : "",
                              in->signature_detail != NULL ? in->signature_detail : "",
                              in->signature_detail != NULL ? ")" : "",
                              cosign_how(missing_signer(rule, in->facts), "sign", "", in, a)));
        return;
    }
    deny(v, wh_arena_sprintf(
                a, "no %s signature by %s%s%s%s: %s",
                rule->signatures.count > 1 ? "sufficient" : "verified",
                wh_policy_signer_names(rule->signatures.signed_by, rule->signatures.n_signed_by, a),
                in->signature_detail != NULL ? " (" : "",
                in->signature_detail != NULL
                    ? wh_decision_text_clip(a, in->signature_detail, DETAIL_MAX)
                    : "",
                in->signature_detail != NULL ? ")" : "",
                cosign_how(rule->signatures.signed_by[0], "sign", "", in, a)));
}

static const char *
cosign_type(const char *predicate_type)
{
    if (strcmp(predicate_type, "https://cyclonedx.org/bom") == 0)
        return "cyclonedx";
    if (strcmp(predicate_type, "https://spdx.dev/Document") == 0)
        return "spdxjson";
    return predicate_type;
}

/* The verified SBOM attestation the rule asks for, or NULL. */
static const struct wh_attestation *
sbom_attestation(const struct wh_policy_image *rule, const struct wh_facts *facts)
{
    size_t i;

    if (facts == NULL)
        return NULL;
    for (i = 0; i < facts->n_attestations; i++) {
        const struct wh_attestation *at = &facts->attestations[i];
        if (at->predicate_type != NULL &&
            strcmp(at->predicate_type, rule->sbom.predicate_type) == 0 &&
            wh_policy_signer_listed(rule->sbom.signed_by, rule->sbom.n_signed_by, at->signer))
            return at;
    }
    return NULL;
}

static bool
check_sbom(struct verdict *v, const struct wh_policy_image *rule)
{
    const struct wh_image_eval *in = v->in;
    struct wh_arena *a = v->d->arena;
    const char *extra;

    if (sbom_attestation(rule, in->facts) != NULL)
        return true;
    extra = wh_arena_sprintf(a, " --type %s --predicate sbom.json",
                             cosign_type(rule->sbom.predicate_type));
    deny(v, wh_arena_sprintf(
                a, "no verified SBOM attestation (%s) by %s%s%s%s: %s", rule->sbom.predicate_type,
                wh_policy_signer_names(rule->sbom.signed_by, rule->sbom.n_signed_by, a),
                in->verify_detail != NULL ? " (" : "",
                in->verify_detail != NULL ? wh_decision_text_clip(a, in->verify_detail, DETAIL_MAX)
                                          : "",
                in->verify_detail != NULL ? ")" : "",
                cosign_how(rule->sbom.signed_by[0], "attest", extra, in, a)));
    return false;
}

/* The size as a denial's prose says it ("incomparable drift of ...", "equivalent drift of ..."):
 * sbom/diff.h's names, but for the two whose name reads badly in a sentence. */
static const char *
size_name(enum wh_drift_size s)
{
    if (s == WH_DRIFT_OTHER)
        return "incomparable";
    return s == WH_DRIFT_SIZE_NONE ? "equivalent" : wh_sbom_drift_size_name(s);
}

/* An SBOM value as a message quotes it: clean and at most QUOTE_MAX characters. */
static const char *
quote(const char *s, struct wh_arena *a)
{
    return wh_decision_text_clip(a, s != NULL ? s : "?", QUOTE_MAX);
}

/* "dev-only package libssl-dev 3.0.11" / "version drift of libssl3: dev 3.0.13, prod 3.0.11
 * (patch)" */
static const char *
describe(const struct wh_sbom_finding *f, struct wh_arena *a)
{
    switch (f->kind) {
    case WH_DRIFT_DEV_ONLY:
        return wh_arena_sprintf(a, "dev-only package %s %s", quote(f->name, a),
                                quote(f->dev_version, a));
    case WH_DRIFT_PROD_ONLY:
        return wh_arena_sprintf(a, "prod-only package %s %s", quote(f->name, a),
                                quote(f->prod_version, a));
    case WH_DRIFT_VERSION:
        break;
    }
    return wh_arena_sprintf(a, "%s drift of %s: dev %s, prod %s", size_name(f->size),
                            quote(f->name, a), quote(f->dev_version, a), quote(f->prod_version, a));
}

static const char *
fix_for(const struct wh_sbom_finding *f)
{
    switch (f->kind) {
    case WH_DRIFT_DEV_ONLY:
        return "remove it from the dev image or add it to the production image";
    case WH_DRIFT_PROD_ONLY:
        return "add it to the dev image or remove it from the production image";
    case WH_DRIFT_VERSION:
        break;
    }
    return "build the production image with the version tested in dev, or align the dev image";
}

/* Exemptions warn, every admission, in the 7 days before they lapse (the requirement applies
 * again at 00:00 UTC after the expiry day): from the day "7 day(s) left" on, the last day "1". */
#define EXEMPTION_NOTICE_DAYS 7

/* One warning per exemption of this image that lifted a block but lapses within 7 days, and per
 * expired one whose rule blocks again now, so nobody learns of the expiry from a failed deploy. */
static void
warn_exemption_expiry(struct verdict *v, const struct wh_policy *p,
                      const struct wh_tiered_finding *t, size_t n, time_t now)
{
    struct wh_arena *a = v->d->arena;

    for (size_t k = 0; k < p->n_exemptions; k++) {
        const struct wh_policy_exemption *x = &p->exemptions[k];
        bool applied = false, enforced = false;
        if (x->whole_image || !exemption_names_image(x, v->in->name))
            continue;
        for (size_t i = 0; i < n; i++) {
            applied |= t[i].exemption_expires == x->expires_text;
            enforced |= t[i].tier == WH_TIER_BLOCK && strcmp(t[i].rule, x->rule->id) == 0;
        }
        if (now >= x->expires && enforced)
            warn(v, wh_arena_sprintf(a,
                                     "exemption spec.exemptions[%zu] for %s expired on %s: the "
                                     "finding is enforced again (%s)",
                                     k, x->rule->id, x->expires_text, x->reason));
        else if (now < x->expires && applied &&
                 wh_policy_exemption_days_left(x, now) + 1 <= EXEMPTION_NOTICE_DAYS)
            warn(v, wh_arena_sprintf(a,
                                     "exemption spec.exemptions[%zu] for %s expires on %s (%lld "
                                     "day(s) left): fix the finding before then (%s)",
                                     k, x->rule->id, x->expires_text,
                                     wh_policy_exemption_days_left(x, now) + 1, x->reason));
    }
}

/* Tiers every finding; returns the drift annotation "block=1 warn=2 ignore=30". */
static const char *
check_drift(struct verdict *v, const struct wh_policy *p, const struct wh_policy_image *rule,
            time_t now)
{
    const struct wh_image_eval *in = v->in;
    struct wh_arena *a = v->d->arena;
    struct wh_tiered_finding *t;
    size_t i, n[3] = {0, 0, 0}, shown[3] = {0, 0, 0};
    const char *exempted = NULL;

    wh_policy_classify(p, rule, in->name, in->diff, now, a, &t);
    if (wh_policy_agent_raises(rule, in->facts != NULL ? in->facts->predicates : NULL,
                               in->dev_predicates))
        wh_policy_agent_raise(t, in->diff->n_findings, a);
    for (i = 0; i < in->diff->n_findings; i++) {
        const struct wh_sbom_finding *f = t[i].finding;
        n[t[i].tier]++;
        if (t[i].exemption_reason != NULL)
            exempted = wh_arena_sprintf(a, "%s%s%s by %s until %s: %s", exempted ? exempted : "",
                                        exempted ? "; " : "", quote(f->name, a), t[i].rule,
                                        t[i].exemption_expires, t[i].exemption_reason);
        if (t[i].tier == WH_TIER_IGNORE || shown[t[i].tier]++ >= MESSAGES_PER_IMAGE)
            continue;
        if (t[i].tier == WH_TIER_BLOCK)
            deny(v, wh_arena_sprintf(a, "blocked by %s (%s, against dev image %s): %s", t[i].rule,
                                     describe(f, a), in->dev_image != NULL ? in->dev_image : "?",
                                     fix_for(f)));
        else
            warn(v, wh_arena_sprintf(a, "%s (%s)", describe(f, a), t[i].rule));
    }
    if (n[WH_TIER_BLOCK] > MESSAGES_PER_IMAGE)
        deny(v, wh_arena_sprintf(a, "and %zu more blocked packages (see the drift report)",
                                 n[WH_TIER_BLOCK] - MESSAGES_PER_IMAGE));
    if (n[WH_TIER_WARN] > MESSAGES_PER_IMAGE)
        warn(v, wh_arena_sprintf(a, "and %zu more drift warnings",
                                 n[WH_TIER_WARN] - MESSAGES_PER_IMAGE));
    if (exempted != NULL)
        wh_decision_annotate(v->d, annotation_key(a, in->index, "exempted"), "%s", exempted);
    warn_exemption_expiry(v, p, t, in->diff->n_findings, now);
    return wh_arena_sprintf(a, "block=%zu warn=%zu ignore=%zu", n[WH_TIER_BLOCK], n[WH_TIER_WARN],
                            n[WH_TIER_IGNORE]);
}

static void
apply_action(struct verdict *v, enum wh_policy_action action, const char *text)
{
    switch (action) {
    case WH_POLICY_ACTION_DENY:
        deny(v, text);
        break;
    case WH_POLICY_ACTION_WARN:
        warn(v, text);
        break;
    case WH_POLICY_ACTION_ALLOW:
        break;
    }
}

static const char *
action_name(enum wh_policy_action action)
{
    return action == WH_POLICY_ACTION_DENY   ? "deny"
           : action == WH_POLICY_ACTION_WARN ? "warn"
                                             : "allow";
}

/* Provenance, vulnerability and agent-provenance rules (policy/provenance.c, vulns.c). */
static void
check_predicates(struct verdict *v, const struct wh_policy_image *rule, time_t now)
{
    const struct wh_image_eval *in = v->in;
    const struct wh_predicates *pred = in->facts != NULL ? in->facts->predicates : NULL;
    struct wh_arena *a = v->d->arena;
    struct wh_policy_messages m;
    /* The banner is one warning per image so neither commit list is cut at 256 characters. */
    const char *prod_banner = wh_policy_agent_warning(pred, false, a);
    const char *dev_banner = wh_policy_agent_warning(in->dev_predicates, true, a);
    size_t i;

    memset(&m, 0, sizeof(m));
    wh_policy_provenance_check(rule, pred, in->image, in->verify_detail, a, &m);
    wh_policy_vulns_check(rule, pred, in->image, in->verify_detail, now, a, &m);
    for (i = 0; i < m.n_deny; i++)
        deny(v, m.deny[i]);
    for (i = 0; i < m.n_warn; i++)
        warn(v, m.warn[i]);
    if (dev_banner != NULL)
        warn(v, dev_banner);
    if (prod_banner != NULL)
        warn(v, prod_banner);
}

bool
wh_policy_on_error_applies(enum wh_err code)
{
    return code == WH_E_UNAVAILABLE || code == WH_E_TIMEOUT;
}

/* A failure with its code: infrastructure goes to onError; evidence (missing, malformed, over a
 * limit, not verifying) is a failed verification, denied under the rule's mode. */
static void
check_failure(struct verdict *v, const struct wh_policy_image *rule, const char *what,
              const char *text, enum wh_err code)
{
    struct wh_arena *a = v->d->arena;

    /* onError before the cause: a warning is cut at 256 bytes, and the cause is the long part. */
    text = wh_decision_text_clip(a, text, FAILURE_MAX);
    if (wh_policy_on_error_applies(code))
        apply_action(v, rule->on_error,
                     wh_arena_sprintf(a, "could not %s (onError: %s): %s", what,
                                      action_name(rule->on_error), text));
    else
        deny(v, wh_arena_sprintf(a, "could not %s: %s", what, text));
}

static bool
has_commits(const struct wh_predicates *p, const struct wh_policy_agent *r)
{
    return p != NULL && p->agent != NULL && p->agent->n_commits > 0 &&
           wh_policy_signer_listed(r->signed_by, r->n_signed_by, p->agent_signer);
}

/* agent.required: the image, and the dev image it was compared against, each carry a verified
 * agent-provenance attestation listing commits; a missing (or stripped, or empty) one is a
 * finding of agent.absentTier, so raiseDrift cannot be switched off by deleting a layer. */
static void
check_agent_required(struct verdict *v, const struct wh_policy_image *rule)
{
    const struct wh_image_eval *in = v->in;
    const struct wh_policy_agent *r = &rule->agent;
    struct wh_arena *a = v->d->arena;
    const struct wh_predicates *have[2] = {in->facts != NULL ? in->facts->predicates : NULL,
                                           in->dev_predicates};
    const char *whose[2] = {"the image", in->dev_image != NULL ? in->dev_image : "?"};

    if (!r->must_attest)
        return;
    for (int i = 0; i < (in->diff != NULL ? 2 : 1); i++) {
        const char *text;
        if (has_commits(have[i], r))
            continue;
        /* The tier and the image first: a warning is cut at 256 characters. */
        text = wh_arena_sprintf(
            a,
            "agent.required (absentTier %s): %s carries no verified agent-provenance attestation "
            "by %s%s: attest the agent's commits with cosign attest --type %s",
            r->absent_tier == WH_TIER_BLOCK ? "block" : "warn",
            i == 0 ? whose[0] : wh_arena_sprintf(a, "dev image %s", whose[1]),
            wh_policy_signer_names(r->signed_by, r->n_signed_by, a),
            have[i] != NULL && have[i]->agent != NULL &&
                    wh_policy_signer_listed(r->signed_by, r->n_signed_by, have[i]->agent_signer)
                ? " listing commits (its agent_commits is empty)"
                : "",
            WH_PREDICATE_AGENT);
        if (r->absent_tier == WH_TIER_BLOCK)
            deny(v, text);
        else
            warn(v, text);
    }
}

/* attestations.fsManifest: a verified fs-manifest attestation by one of its signers whose root the
 * pipeline recomputed from the image's layers. One that verified but did not prove out denies
 * whatever `required` says (a signer attested another filesystem); a missing one denies, or with
 * required: false warns. */
static void
check_fs_manifest(struct verdict *v, const struct wh_policy_image *rule)
{
    const struct wh_image_eval *in = v->in;
    const struct wh_policy_fs_manifest *r = &rule->fs_manifest;
    const struct wh_facts *f = in->facts;
    struct wh_arena *a = v->d->arena;
    const char *how, *subject, *text;

    if (!r->required ||
        (f != NULL && f->fs_manifest_root != NULL &&
         wh_policy_signer_listed(r->signed_by, r->n_signed_by, f->fs_manifest_signer)))
        return;
    if (f != NULL && f->fs_manifest_detail != NULL) {
        deny(v, wh_arena_sprintf(a,
                                 "attestations.fsManifest: the verified fs-manifest attestation "
                                 "does not prove the image's filesystem: %s",
                                 f->fs_manifest_detail));
        return;
    }
    subject = in->digest != NULL ? wh_arena_sprintf(a, "%s@%s", in->name, in->digest) : in->image;
    how = cosign_how(r->signed_by[0], "attest",
                     " --type " WH_POLICY_FS_MANIFEST_PREDICATE " --predicate fsm.json", in, a);
    text = wh_arena_sprintf(
        a,
        "attestations.fsManifest%s: no verified fs-manifest attestation (%s) by %s%s%s%s: "
        "compute it with driftgate fsm attest %s | jq .predicate > fsm.json, then %s",
        r->must_attest ? "" : " (required: false)", WH_POLICY_FS_MANIFEST_PREDICATE,
        wh_policy_signer_names(r->signed_by, r->n_signed_by, a),
        in->verify_detail != NULL ? " (" : "", in->verify_detail != NULL ? in->verify_detail : "",
        in->verify_detail != NULL ? ")" : "", subject, how);
    if (r->must_attest)
        deny(v, text);
    else
        warn(v, text);
}

/* An image exemption: one warning (its expiry and days left from a week before), the `-exempted`
 * annotation; an expired one naming the image warns that its requirements apply again. */
static bool
check_image_exemption(struct verdict *v, const struct wh_policy *p, time_t now)
{
    struct wh_arena *a = v->d->arena;
    const struct wh_policy_exemption *x = wh_policy_image_exemption(p, v->in->name, now);
    long long left;
    size_t k;

    if (x == NULL) {
        for (k = 0; k < p->n_exemptions; k++) {
            const struct wh_policy_exemption *old = &p->exemptions[k];
            if (old->whole_image && exemption_names_image(old, v->in->name))
                warn(v, wh_arena_sprintf(a,
                                         "image exemption spec.exemptions[%zu] expired on %s: "
                                         "signatures and attestations are required again (%s)",
                                         k, old->expires_text, old->reason));
        }
        return false;
    }
    k = (size_t)(x - p->exemptions);
    left = wh_policy_exemption_days_left(x, now);
    wh_decision_annotate(v->d, annotation_key(a, v->in->index, "exempted"),
                         "signatures and attestations by spec.exemptions[%zu] until %s: %s", k,
                         x->expires_text, x->reason);
    if (left + 1 > EXEMPTION_NOTICE_DAYS)
        warn(v, wh_arena_sprintf(a,
                                 "not verified: signatures and attestations exempt by "
                                 "spec.exemptions[%zu] until %s (%s)",
                                 k, x->expires_text, x->reason));
    else
        warn(v, wh_arena_sprintf(a,
                                 "not verified: image exemption spec.exemptions[%zu] expires on %s "
                                 "(%lld day(s) left): sign and attest the image before then (%s)",
                                 k, x->expires_text, left + 1, x->reason));
    return true;
}

static bool
has_dev_reference(const struct wh_policy_image *rule)
{
    return rule->dev_reference.image != NULL ||
           rule->dev_reference.from == WH_POLICY_DEV_FROM_ATTESTATION;
}

static const char *
evaluate_rule(struct verdict *v, const struct wh_policy *p, const struct wh_policy_image *rule,
              time_t now)
{
    const struct wh_image_eval *in = v->in;
    bool have_sbom = true;

    if (in->error != NULL) {
        check_failure(v, rule, "be checked", in->error, in->error_code);
        return "error";
    }
    if (check_image_exemption(v, p, now))
        return "exempt";
    if (rule->signatures.n_signed_by > 0)
        check_signature(v, rule);
    if (rule->sbom.required)
        have_sbom = check_sbom(v, rule);
    check_predicates(v, rule, now);
    check_agent_required(v, rule);
    check_fs_manifest(v, rule);
    if (in->diff != NULL)
        return check_drift(v, p, rule, now);
    if (in->dev_error != NULL) {
        /* Only the drift part is unknown: the checks above stand either way. */
        check_failure(v, rule, "check drift against the dev image", in->dev_error,
                      in->dev_error_code);
        return "error";
    }
    if (has_dev_reference(rule) && have_sbom) {
        /* Only a pipeline bug gets here: the SBOM verified but no diff and no error came back. */
        deny(v, "no drift result against the dev reference");
        return "error";
    }
    return "none";
}

/* TODO(#14): split the tier loop body out; policy/eval.c is being changed now (cognitive complexity
 * 26 > 25, STYLE §8). */
void /* NOLINTNEXTLINE(readability-function-cognitive-complexity) */
wh_policy_evaluate_image(const struct wh_policy *p, const struct wh_image_eval *in, time_t now,
                         struct wh_decision *d)
{
    struct wh_arena *a = d->arena;
    struct verdict v;
    const char *drift, *signer = NULL, *verdict;
    int n = in->index;

    memset(&v, 0, sizeof(v));
    v.d = d;
    v.in = in;
    if (in->rule == NULL) {
        v.mode = p->defaults.mode;
        apply_action(&v, p->defaults.no_match,
                     wh_arena_sprintf(a,
                                      "no image rule matches %s (noMatch: %s): add a rule "
                                      "matching it to the policy's spec.images",
                                      in->name != NULL ? in->name : in->image,
                                      action_name(p->defaults.no_match)));
        drift = "none";
    } else {
        v.mode = in->rule->mode;
        drift = evaluate_rule(&v, p, in->rule, now);
        wh_decision_annotate(d, annotation_key(a, n, "rule"), "%s", in->rule->name);
    }
    if (in->facts != NULL && in->facts->n_signature_signers > 1)
        signer = found_signers(in->facts, a);
    else if (in->facts != NULL && in->facts->signature_signer != NULL)
        signer = in->facts->signature_signer;
    else if (in->facts != NULL && in->facts->n_attestations > 0)
        signer = in->facts->attestations[0].signer;
    if (v.denials > 0 && v.mode == WH_POLICY_MODE_ENFORCE)
        verdict = "deny";
    else if (v.denials > 0 || v.warnings > 0)
        verdict = v.mode == WH_POLICY_MODE_AUDIT && v.warnings == 0 ? "allow" : "warn";
    else
        verdict = "allow";
    wh_decision_annotate(d, annotation_key(a, n, "digest"), "%s",
                         in->index_digest != NULL ? in->index_digest
                         : in->digest != NULL     ? in->digest
                                                  : "unresolved");
    if (in->platform != NULL)
        wh_decision_annotate(d, annotation_key(a, n, "platform"), "%s %s", in->platform,
                             in->digest);
    wh_decision_annotate(d, annotation_key(a, n, "verdict"), "%s", verdict);
    wh_decision_annotate(d, annotation_key(a, n, "signer"), "%s", signer != NULL ? signer : "none");
    wh_decision_annotate(d, annotation_key(a, n, "drift"), "%s", drift);
    /* The dev image the drift was judged against, by digest, however it was named. */
    if (in->dev_image != NULL && in->dev_digest != NULL)
        wh_decision_annotate(d, annotation_key(a, n, "dev-image"), "%s%s%s", in->dev_image,
                             strchr(in->dev_image, '@') != NULL ? "" : "@",
                             strchr(in->dev_image, '@') != NULL ? "" : in->dev_digest);
    if (v.audit != NULL)
        wh_decision_annotate(d, annotation_key(a, n, "audit"), "would deny: %s", v.audit);
}

void
wh_policy_finish(struct wh_decision *d)
{
    if (d->n_denials == 0)
        wh_decision_allow(d);
}
