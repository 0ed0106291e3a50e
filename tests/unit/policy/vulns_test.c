/* policy/vulns.c: maxSeverity, onlyFixable, the allow-list with expiry, maxAge, signer and
 * predicate type; the loader's errors for attestations.vulns. */
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/vulns.h"
#include "unit/harness.h"
#include "unit/policy/predicate_policy.h"

#define DAY 86400
#define NOW ((time_t)1767225600) /* 2026-01-01T00:00:00Z */

static struct wh_policy *
policy_from(const char *vulns, struct wh_error *err)
{
    char spec[2048];

    snprintf(spec, sizeof(spec),
             "  images:\n    - name: app\n      match: [\"reg/app\"]\n"
             "      attestations:\n        vulns: %s\n",
             vulns);
    return policy_with_signers(spec, err);
}

/* The policy around `vulns`, checked to load. */
static struct wh_policy *
loaded(const char *vulns)
{
    struct wh_error err = {0};
    struct wh_policy *p = policy_from(vulns, &err);

    ok(p != NULL, "loads: %s", err.msg);
    return p;
}

static struct wh_vuln found[4];

static struct wh_vuln_report
report(void)
{
    struct wh_vuln_report r;

    found[0] = (struct wh_vuln){"CVE-2024-0001",
                                "libssl3",
                                "3.0.11",
                                "3.0.13",
                                WH_SEVERITY_CRITICAL,
                                true,
                                "scanner.result.Results[0].Vulnerabilities[0]"};
    found[1] = (struct wh_vuln){"CVE-2024-0002",
                                "bash",
                                "5.2",
                                "",
                                WH_SEVERITY_HIGH,
                                false,
                                "scanner.result.Results[0].Vulnerabilities[1]"};
    found[2] = (struct wh_vuln){"CVE-2024-0003",
                                "zlib1g",
                                "1.2",
                                "1.3",
                                WH_SEVERITY_MEDIUM,
                                true,
                                "scanner.result.Results[0].Vulnerabilities[2]"};
    found[3] = (struct wh_vuln){"CVE-2024-0004",
                                "curl",
                                "8",
                                "",
                                WH_SEVERITY_UNKNOWN,
                                false,
                                "scanner.result.Results[0].Vulnerabilities[3]"};
    memset(&r, 0, sizeof(r));
    r.format = "trivy";
    r.scanner = "trivy 0.50.1";
    r.has_scanned_at = true;
    r.scanned_at = NOW - DAY;
    r.scanned_at_text = "2025-12-31T00:00:00Z";
    r.scanned_at_field = "metadata.scanFinishedOn";
    r.vulns = found;
    r.n_vulns = 4;
    return r;
}

static void
run(const struct wh_policy *p, const struct wh_vuln_report *r, const char *signer, time_t now)
{
    struct wh_predicates pred = {0};

    pred.vulns = r;
    pred.vulns_signer = signer;
    wh_policy_vulns_check(wh_policy_image_find(p, "reg/app"), r != NULL ? &pred : NULL,
                          "reg/app:v1", NULL, now, next_check(), &m);
}

static void
test_max_severity_and_unknown(void)
{
    struct wh_policy *p = loaded("{signedBy: [ci-key], maxSeverity: high}");
    struct wh_vuln_report r = report();

    if (p == NULL)
        return;
    run(p, &r, "ci-key", NOW);
    ok(m.n_deny == 2, "critical and unknown deny, high and medium pass (got %zu)", m.n_deny);
    ok(has_in(m.deny, m.n_deny,
              "CVE-2024-0001 (critical) in libssl3 3.0.11 above maxSeverity high "
              "(scanner.result.Results[0].Vulnerabilities[0]): upgrade to 3.0.13"),
       "message names id, package, version, field and the fix");
    ok(has_in(m.deny, m.n_deny, "CVE-2024-0004 (unknown, counted as critical)"),
       "unknown severity counts as critical");
    wh_policy_unref(p);
}

static void
test_only_fixable_and_low_ceiling(void)
{
    struct wh_policy *p = loaded("{signedBy: [ci-key], maxSeverity: low, onlyFixable: true}");
    struct wh_vuln_report r = report();

    if (p == NULL)
        return;
    run(p, &r, "ci-key", NOW);
    ok(m.n_deny == 2 && has_in(m.deny, m.n_deny, "CVE-2024-0001") &&
           has_in(m.deny, m.n_deny, "CVE-2024-0003"),
       "only the fixable findings above low deny");
    wh_policy_unref(p);
}

static void
test_allow_list_expiry(void)
{
    struct wh_policy *p = loaded(
        "{signedBy: [ci-key], maxSeverity: high, allow: [\n"
        "  {id: CVE-2024-0001, expires: \"2026-01-05\", reason: \"INC-1: upgrade scheduled\"},\n"
        "  {id: CVE-2024-0004, expires: \"2025-12-01\", reason: \"INC-2\"}]}");
    struct wh_vuln_report r = report();

    if (p == NULL)
        return;
    run(p, &r, "ci-key", NOW - 40 * DAY);
    ok(m.n_deny == 0 && m.n_warn == 0, "40 days before: both allowed, no warning");
    run(p, &r, "ci-key", NOW);
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny, "CVE-2024-0004"),
       "expired entry no longer allows its CVE");
    ok(has_in(m.warn, m.n_warn, "vulns.allow entry for CVE-2024-0001 expires on 2026-01-05 (INC-1"),
       "entry within 7 days of expiry warns");
    ok(has_in(m.warn, m.n_warn,
              "vulns.allow entry for CVE-2024-0004 expired on 2025-12-01 and is ignored"),
       "expired entry warns that it is ignored");
    run(p, &r, "ci-key", NOW + 5 * DAY);
    ok(m.n_deny == 2, "after the day it names, the first entry lapses too");
    wh_policy_unref(p);
}

static void
test_max_age_signer_and_type(void)
{
    struct wh_policy *p = loaded("{signedBy: [ci-key], maxSeverity: critical, maxAge: 7d}");
    struct wh_policy *cdx =
        loaded("{predicateType: cyclonedx, signedBy: [ci-key], maxSeverity: critical}");
    struct wh_vuln_report r = report();

    if (p == NULL || cdx == NULL)
        return;
    run(p, &r, "ci-key", NOW);
    ok(m.n_deny == 0, "fresh scan, maxSeverity critical: nothing is above it");
    run(p, &r, "ci-key", NOW + 10 * DAY);
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny,
                               "the vulnerability scan is 11d old (metadata.scanFinishedOn "
                               "2025-12-31T00:00:00Z), older than maxAge 7d"),
       "stale scan denies with its age and field");
    r.has_scanned_at = false;
    run(p, &r, "ci-key", NOW);
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny, "does not record when it ran"),
       "maxAge with no scan time denies");
    r = report();
    run(p, &r, "other", NOW);
    ok(m.n_deny == 1 &&
           has_in(
               m.deny, m.n_deny,
               "no verified vulnerability scan (https://cosign.sigstore.dev/attestation/vuln/v1) "
               "by ci-key") &&
           has_in(m.deny, m.n_deny, "cosign attest --type vuln"),
       "scan by another signer does not count");
    run(p, NULL, NULL, NOW);
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny, "no verified vulnerability scan"),
       "no scan denies");
    run(cdx, &r, "ci-key", NOW);
    ok(m.n_deny == 1 && has_in(m.deny, m.n_deny, "(https://cyclonedx.org/bom) by ci-key"),
       "a cosign vuln scan does not satisfy a CycloneDX rule");
    wh_policy_unref(p);
    wh_policy_unref(cdx);
}

static void
test_many_findings_are_summarised(void)
{
    struct wh_policy *p = loaded("{signedBy: [ci-key], maxSeverity: none}");
    struct wh_vuln_report r = report();
    struct wh_vuln many[20];
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < 20; i++)
        many[i] = found[0];
    r.vulns = many;
    r.n_vulns = 20;
    run(p, &r, "ci-key", NOW);
    ok(m.n_deny == WH_POLICY_MESSAGES_MAX && m.n_deny_total == 20 &&
           strcmp(m.deny[WH_POLICY_MESSAGES_MAX - 1], "and 13 more (see the report)") == 0,
       "twenty findings: seven listed, the rest summarised");
    wh_policy_unref(p);
}

static void
test_loader_errors(void)
{
    static const struct refused_case cases[] = {
        {"maxSeverity required", "vulns: {signedBy: [ci-key]}",
         "missing required key \"maxSeverity\""},
        {"bad severity", "vulns: {signedBy: [ci-key], maxSeverity: severe}",
         "maxSeverity: expected one of none|low|medium|high|critical, got \"severe\""},
        {"bad duration", "vulns: {signedBy: [ci-key], maxSeverity: high, maxAge: 1w}",
         "expected a duration such as 7d"},
        {"zero duration", "vulns: {signedBy: [ci-key], maxSeverity: high, maxAge: 0d}",
         "expected a duration"},
        {"allow without expiry",
         "vulns: {signedBy: [ci-key], maxSeverity: high, allow: [{id: X, reason: r}]}",
         "missing required key \"expires\""},
        {"allow without reason",
         "vulns: {signedBy: [ci-key], maxSeverity: high, allow: [{id: X, expires: "
         "\"2026-01-01\"}]}",
         "missing required key \"reason\""},
        {"bad type", "vulns: {predicateType: spdx, signedBy: [ci-key], maxSeverity: high}",
         "predicateType: expected https://cosign.sigstore.dev/attestation/vuln/v1 or"},
        {"onlyFixable type", "vulns: {signedBy: [ci-key], maxSeverity: high, onlyFixable: 1}",
         "onlyFixable: expected true or false"},
    };

    expect_refused(cases, sizeof(cases) / sizeof(cases[0]));
}

int
main(void)
{
    test_max_severity_and_unknown();
    test_only_fixable_and_low_ceiling();
    test_allow_list_expiry();
    test_max_age_signer_and_type();
    test_many_findings_are_summarised();
    test_loader_errors();
    wh_arena_fini(&arena);
    return done_testing();
}
