/*
 * Vulnerability rules: a parsed scan (verify/predicates.h) against attestations.vulns — signer,
 * scan age, severity ceiling, fixable-only, and an allow-list whose entries expire. Pure.
 */
#include "policy/vulns.h"

#include <string.h>

#define ALLOW_WARN_DAYS 7 /* an allow entry starts warning this many days before it expires */

static const char *
age_text(long long s, struct wh_arena *a)
{
    if (s >= 2 * 86400)
        return wh_arena_sprintf(a, "%lldd", s / 86400);
    if (s >= 2 * 3600)
        return wh_arena_sprintf(a, "%lldh", s / 3600);
    return wh_arena_sprintf(a, "%llds", s);
}

/* The allow entry for `id`, or NULL. Expired and soon-expiring entries warn once each. */
static const struct wh_policy_vuln_allow *
allowed(const struct wh_policy_vulns *r, const char *id, time_t now, bool *warned,
        struct wh_arena *a, struct wh_policy_messages *out)
{
    size_t i;

    for (i = 0; i < r->n_allow; i++) {
        const struct wh_policy_vuln_allow *x = &r->allow[i];
        if (strcmp(x->id, id) != 0)
            continue;
        if (now >= x->expires) {
            if (!warned[i])
                wh_policy_messages_warn(
                    out,
                    wh_arena_sprintf(a,
                                     "vulns.allow entry for %s expired on %s and is ignored "
                                     "(%s): fix it or renew the entry",
                                     x->id, x->expires_text, x->reason),
                    a);
            warned[i] = true;
            continue;
        }
        if (now + (time_t)ALLOW_WARN_DAYS * 86400 >= x->expires && !warned[i]) {
            wh_policy_messages_warn(out,
                                    wh_arena_sprintf(a,
                                                     "vulns.allow entry for %s expires on %s (%s)",
                                                     x->id, x->expires_text, x->reason),
                                    a);
            warned[i] = true;
        }
        return x;
    }
    return NULL;
}

static bool
scan_usable(const struct wh_policy_vulns *r, const struct wh_predicates *pred, const char *image,
            const char *detail, time_t now, struct wh_arena *a, struct wh_policy_messages *out)
{
    const struct wh_vuln_report *s = pred != NULL ? pred->vulns : NULL;
    long long age;

    if (s == NULL || !wh_policy_signer_listed(r->signed_by, r->n_signed_by, pred->vulns_signer) ||
        (strcmp(r->predicate_type, WH_PREDICATE_CYCLONEDX) == 0) !=
            (strcmp(s->format, "cyclonedx") == 0)) {
        wh_policy_messages_deny(
            out,
            wh_arena_sprintf(
                a,
                "no verified vulnerability scan (%s) by %s%s%s%s: scan the image "
                "and attest the result with cosign attest --type %s --predicate "
                "scan.json %s",
                r->predicate_type, wh_policy_signer_names(r->signed_by, r->n_signed_by, a),
                detail != NULL ? " (" : "", detail != NULL ? detail : "", detail != NULL ? ")" : "",
                strcmp(r->predicate_type, WH_PREDICATE_CYCLONEDX) == 0 ? "cyclonedx" : "vuln",
                image),
            a);
        return false;
    }
    if (r->max_age_s == 0)
        return true;
    if (!s->has_scanned_at) {
        wh_policy_messages_deny(
            out,
            wh_arena_sprintf(a,
                             "the vulnerability scan does not record when it ran, so maxAge %s "
                             "cannot hold: attest a scan with metadata.scanFinishedOn",
                             r->max_age_text),
            a);
        return false;
    }
    age = (long long)(now - s->scanned_at);
    if (age > r->max_age_s) {
        wh_policy_messages_deny(
            out,
            wh_arena_sprintf(a,
                             "the vulnerability scan is %s old (%s %s), older than maxAge %s: "
                             "rescan the image and attest the new result",
                             age_text(age, a), s->scanned_at_field, s->scanned_at_text,
                             r->max_age_text),
            a);
        return false;
    }
    return true;
}

void
wh_policy_vulns_check(const struct wh_policy_image *rule, const struct wh_predicates *pred,
                      const char *image, const char *detail, time_t now, struct wh_arena *a,
                      struct wh_policy_messages *out)
{
    const struct wh_policy_vulns *r = &rule->vulns;
    const struct wh_vuln_report *s;
    bool *warned;
    size_t i;

    if (!r->required || !scan_usable(r, pred, image, detail, now, a, out))
        return;
    s = pred->vulns;
    warned = wh_arena_calloc(a, r->n_allow + 1, sizeof(*warned));
    for (i = 0; i < s->n_vulns; i++) {
        const struct wh_vuln *v = &s->vulns[i];
        enum wh_vuln_severity sev =
            v->severity == WH_SEVERITY_UNKNOWN ? WH_SEVERITY_CRITICAL : v->severity;
        if ((int)sev <= r->max_severity)
            continue;
        if (r->only_fixable && !v->is_fixable)
            continue;
        if (allowed(r, v->id, now, warned, a, out) != NULL)
            continue;
        wh_policy_messages_deny(
            out,
            wh_arena_sprintf(a, "%s (%s%s) in %s %s above maxSeverity %s (%s): %s", v->id,
                             wh_verify_severity_name(v->severity),
                             v->severity == WH_SEVERITY_UNKNOWN ? ", counted as critical" : "",
                             *v->package != '\0' ? v->package : "?", v->version,
                             wh_verify_severity_name((enum wh_vuln_severity)r->max_severity),
                             v->field,
                             v->is_fixable && *v->fixed_version != '\0'
                                 ? wh_arena_sprintf(a, "upgrade to %s", v->fixed_version)
                             : v->is_fixable ? "apply the scanner's recommended fix"
                                             : "no fix yet: add a vulns.allow entry with an "
                                               "expiry and a reason, or remove the package"),
            a);
    }
}
