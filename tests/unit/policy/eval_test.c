/* Policy evaluation: every seed tier rule, exemptions around their expiry, and the denials,
 * warnings and annotations one image produces in each mode. */
#include <stdio.h>
#include <string.h>

#include "image/ref.h"
#include "policy/policy.h"
#include "policy/snapshot.h"
#include "unit/harness.h"
#include "verify/predicates.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;
static struct wh_policy *seed;   /* policy/default.yaml */
static struct wh_policy *exempt; /* policy/examples/exemptions.yaml */

#define DIGEST "sha256:9f3a000000000000000000000000000000000000000000000000000000000000"

static struct wh_sbom_finding
dev_only(const char *name, const char *version)
{
    return (struct wh_sbom_finding){
        WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, name, "deb", name, version, NULL, NULL};
}

static struct wh_sbom_finding
prod_only(const char *name, const char *version)
{
    return (struct wh_sbom_finding){
        WH_DRIFT_PROD_ONLY, WH_DRIFT_SIZE_NONE, name, "deb", name, NULL, version, NULL};
}

static struct wh_sbom_finding
drift(const char *name, enum wh_drift_size size, const char *dev, const char *prod)
{
    return (struct wh_sbom_finding){WH_DRIFT_VERSION, size, name, "deb", name, dev, prod, NULL};
}

static const char *
tier_name(enum wh_tier t)
{
    return t == WH_TIER_BLOCK ? "block" : t == WH_TIER_WARN ? "warn" : "ignore";
}

static void
expect_tier(const char *what, struct wh_sbom_finding f, enum wh_tier tier, const char *rule)
{
    struct wh_arena a;
    struct wh_sbom_diff diff = {&f, 1, 0, 0, 0, 0};
    struct wh_tiered_finding *t;
    const struct wh_policy_image *img = wh_policy_image_get(seed, 0);

    wh_arena_init(&a);
    wh_policy_classify(seed, img, "registry.example.com/payments/api", &diff, 0, &a, &t);
    ok(t[0].finding == &f && t[0].tier == tier && strcmp(t[0].rule, rule) == 0,
       "%s → %s by %s (got %s by %s)", what, tier_name(tier), rule, tier_name(t[0].tier),
       t[0].rule);
    wh_arena_fini(&a);
}

static void
test_every_seed_rule_classifies(void)
{
    expect_tier("dev-only vim", dev_only("vim", "9.0"), WH_TIER_IGNORE, "seed-default[0]");
    expect_tier("dev-only curl (allowlisted)", dev_only("curl", "7.88"), WH_TIER_IGNORE,
                "seed-default[0]");
    expect_tier("dev-only libssl-dev", dev_only("libssl-dev", "3.0.11"), WH_TIER_BLOCK,
                "seed-default[1]");
    expect_tier("dev-only ca-certificates-java (cert)", dev_only("ca-certificates-java", "1"),
                WH_TIER_BLOCK, "seed-default[1]");
    expect_tier("dev-only gnutls-bin (tls)", dev_only("gnutls-bin", "3.7"), WH_TIER_BLOCK,
                "seed-default[1]");
    expect_tier("libssl3 patch drift", drift("libssl3", WH_DRIFT_PATCH, "3.0.13", "3.0.11"),
                WH_TIER_BLOCK, "seed-default[2]");
    expect_tier("libc6 drift", drift("libc6", WH_DRIFT_MINOR, "2.37", "2.36"), WH_TIER_BLOCK,
                "seed-default[2]");
    expect_tier("python3 minor drift", drift("python3", WH_DRIFT_MINOR, "3.12.1", "3.11.2"),
                WH_TIER_WARN, "seed-default[3]");
    expect_tier("nodejs major drift", drift("nodejs", WH_DRIFT_MAJOR, "20.1", "18.19"),
                WH_TIER_BLOCK, "seed-default[4]");
    expect_tier("ruby incomparable versions count as major",
                drift("ruby", WH_DRIFT_OTHER, "3.1~rc", "weird"), WH_TIER_BLOCK, "seed-default[4]");
    expect_tier("python3 patch drift falls to the catch-all",
                drift("python3", WH_DRIFT_PATCH, "3.11.3", "3.11.2"), WH_TIER_IGNORE,
                "seed-default[9]");
    expect_tier("tzdata drift", drift("tzdata", WH_DRIFT_MAJOR, "2024a", "2023c"), WH_TIER_WARN,
                "seed-default[5]");
    expect_tier("dev-only libfoo", dev_only("libyaml-0-2", "0.2.5"), WH_TIER_WARN,
                "seed-default[6]");
    expect_tier("prod-only package", prod_only("libssl3", "3.0.11"), WH_TIER_IGNORE,
                "seed-default[7]");
    expect_tier("build drift of anything else warns", drift("bash", WH_DRIFT_BUILD, "5.2+x", "5.2"),
                WH_TIER_WARN, "seed-default[8]");
    expect_tier("dev-only graphviz", dev_only("graphviz", "2.42"), WH_TIER_IGNORE,
                "seed-default[9]");
    expect_tier("unrelated drift", drift("bash", WH_DRIFT_MAJOR, "5.2", "4.4"), WH_TIER_IGNORE,
                "seed-default[9]");
}

/* A finding as wh_sbom_diff makes it: the SBOM's spelling in `name`, the identity in `ident`. */
static struct wh_sbom_finding
pkg(enum wh_drift_kind kind, enum wh_drift_size size, const char *type, const char *name,
    const char *ident, const char *dev, const char *prod)
{
    return (struct wh_sbom_finding){kind, size, ident, type, name, dev, prod, ident};
}

/* Issue 13 item 3: spellings hid blocked packages. Each ecosystem's spelling now meets the seed's
 * rules, and build-metadata drift has a tier of its own. */
static void
test_seed_rules_see_identities_and_builds(void)
{
    expect_tier("dev-only pypi pyOpenSSL meets `ssl`",
                pkg(WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "pypi", "pyOpenSSL", "pyopenssl",
                    "24.0.0", NULL),
                WH_TIER_BLOCK, "seed-default[1]");
    expect_tier(
        "dev-only pypi M2Crypto meets `crypto`",
        pkg(WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "pypi", "M2Crypto", "m2crypto", "0.40", NULL),
        WH_TIER_BLOCK, "seed-default[1]");
    expect_tier(
        "without an ident the name is matched, case-insensitively",
        pkg(WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "pypi", "PyOpenSSL", NULL, "24.0.0", NULL),
        WH_TIER_BLOCK, "seed-default[1]");
    expect_tier("dev-only npm @Peculiar/WebCrypto meets `crypto`",
                pkg(WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "npm", "@Peculiar/WebCrypto",
                    "@peculiar/webcrypto", "1.4.0", NULL),
                WH_TIER_BLOCK, "seed-default[1]");
    expect_tier(
        "deb LibSSL3 drift meets names: [libssl3]",
        pkg(WH_DRIFT_VERSION, WH_DRIFT_PATCH, "deb", "LibSSL3", "libssl3", "3.0.13-1", "3.0.11-1"),
        WH_TIER_BLOCK, "seed-default[2]");
    expect_tier(
        "maven OpenSSL (case-sensitive ecosystem) still meets `ssl`",
        pkg(WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "maven", "OpenSSL", "OpenSSL", "1", NULL),
        WH_TIER_BLOCK, "seed-default[1]");
    expect_tier(
        "a component named vim whose purl is libssl-dev is libssl-dev",
        pkg(WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "deb", "vim", "libssl-dev", "3.0.13", NULL),
        WH_TIER_BLOCK, "seed-default[1]");
    expect_tier("dev-only Vim (deb, folded) is still allowlisted",
                pkg(WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "deb", "Vim", "vim", "9.0", NULL),
                WH_TIER_IGNORE, "seed-default[0]");
    expect_tier("openssl build drift blocks (versionDrift: any)",
                pkg(WH_DRIFT_VERSION, WH_DRIFT_BUILD, "generic", "openssl", "openssl",
                    "3.0.13+quic", "3.0.13"),
                WH_TIER_BLOCK, "seed-default[2]");
    expect_tier("ca-certificates build drift warns (versionDrift: any)",
                pkg(WH_DRIFT_VERSION, WH_DRIFT_BUILD, "deb", "ca-certificates", "ca-certificates",
                    "1+b", "1"),
                WH_TIER_WARN, "seed-default[5]");
    expect_tier(
        "torch build drift warns (versionDrift: build)",
        pkg(WH_DRIFT_VERSION, WH_DRIFT_BUILD, "pypi", "torch", "torch", "2.1.0+cu121", "2.1.0+cpu"),
        WH_TIER_WARN, "seed-default[8]");
    expect_tier("python3 build drift is not minor or major: warns by [8]",
                pkg(WH_DRIFT_VERSION, WH_DRIFT_BUILD, "generic", "python3", "python3", "3.12.1+x",
                    "3.12.1"),
                WH_TIER_WARN, "seed-default[8]");
    expect_tier("pyopenssl2 patch drift: no seed rule names it",
                pkg(WH_DRIFT_VERSION, WH_DRIFT_PATCH, "pypi", "pyopenssl2", "pyopenssl2", "2", "1"),
                WH_TIER_IGNORE, "seed-default[9]");
}

/* names fold like the ecosystem (PEP 503 for pypi), purlTypes take syft's older "alpine" as apk,
 * versionDrift: build matches build drift only. */
static void
test_names_types_and_build_rules(void)
{
    struct wh_policy *p;
    struct wh_error err = {0};
    const char *yaml = "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
                       "  tiers: {t: [\n"
                       "    {tier: block, when: {names: [zope.interface, Django]}},\n"
                       "    {tier: warn, when: {purlTypes: [alpine]}},\n"
                       "    {tier: block, when: {versionDrift: build}},\n"
                       "    {tier: ignore, when: {}}]}\n";
    static const struct {
        const char *what;
        struct wh_sbom_finding f;
        enum wh_tier tier;
        const char *rule;
    } cases[] = {
        {"pypi Zope_Interface is zope.interface",
         {WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "pypi//zope-interface", "pypi", "Zope_Interface",
          "6", NULL, "zope-interface"},
         WH_TIER_BLOCK,
         "t[0]"},
        {"pypi django is Django",
         {WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "pypi//django", "pypi", "django", "5", NULL,
          "django"},
         WH_TIER_BLOCK,
         "t[0]"},
        {"pypi zope-interfaces is not zope.interface",
         {WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "pypi//zope-interfaces", "pypi", "zope-interfaces",
          "6", NULL, "zope-interfaces"},
         WH_TIER_IGNORE,
         "t[3]"},
        {"deb zope_interface is not zope.interface (only pypi folds separators)",
         {WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "deb//zope_interface", "deb", "zope_interface",
          "6", NULL, "zope_interface"},
         WH_TIER_IGNORE,
         "t[3]"},
        {"purlTypes: [alpine] matches apk",
         {WH_DRIFT_DEV_ONLY, WH_DRIFT_SIZE_NONE, "apk//musl", "apk", "musl", "1", NULL, "musl"},
         WH_TIER_WARN,
         "t[1]"},
        {"versionDrift: build matches build drift",
         {WH_DRIFT_VERSION, WH_DRIFT_BUILD, "pypi//torch", "pypi", "torch", "2.1.0+cu121",
          "2.1.0+cpu", "torch"},
         WH_TIER_BLOCK,
         "t[2]"},
        {"versionDrift: build does not match patch drift",
         {WH_DRIFT_VERSION, WH_DRIFT_PATCH, "pypi//torch", "pypi", "torch", "2.1.1", "2.1.0",
          "torch"},
         WH_TIER_IGNORE,
         "t[3]"},
    };
    size_t i;

    if (!ok(wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml",
                            NULL, &lim, &p, &err) == WH_OK,
            "a policy with versionDrift: build loads (%s)", err.msg))
        return;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wh_arena a;
        struct wh_sbom_finding f = cases[i].f;
        struct wh_sbom_diff diff = {&f, 1, 0, 0, 0, 0};
        struct wh_tiered_finding *t;

        wh_arena_init(&a);
        wh_policy_classify_tiers(p, wh_policy_tiers_find(p, "t"), "x/y", &diff, 0, &a, &t);
        ok(t[0].tier == cases[i].tier && strcmp(t[0].rule, cases[i].rule) == 0,
           "%s → %s by %s (got %s by %s)", cases[i].what, tier_name(cases[i].tier), cases[i].rule,
           tier_name(t[0].tier), t[0].rule);
        wh_arena_fini(&a);
    }
    wh_policy_unref(p);
}

static void
test_unmatched_finding_is_blocked(void)
{
    struct wh_policy *p;
    struct wh_error err = {0};
    struct wh_arena a;
    struct wh_sbom_finding f = dev_only("gdb", "13");
    struct wh_sbom_diff diff = {&f, 1, 0, 0, 0, 0};
    struct wh_tiered_finding *t;
    const char *yaml = "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
                       "  tiers: {t: [{tier: warn, when: {versionDrift: any}}]}\n";

    if (!ok(wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml",
                            NULL, &lim, &p, &err) == WH_OK,
            "tiers without a catch-all load"))
        return;
    wh_arena_init(&a);
    wh_policy_classify_tiers(p, wh_policy_tiers_find(p, "t"), "x/y", &diff, 0, &a, &t);
    ok(t[0].tier == WH_TIER_BLOCK && strcmp(t[0].rule, "t[none]") == 0,
       "no rule matches → block by t[none] (got %s)", t[0].rule);
    wh_arena_fini(&a);
    wh_policy_unref(p);
}

static void
test_exemption_lifts_block_until_expiry(void)
{
    struct wh_arena a;
    struct wh_sbom_finding f = drift("libssl3", WH_DRIFT_PATCH, "3.0.13", "3.0.11");
    struct wh_sbom_diff diff = {&f, 1, 0, 0, 0, 0};
    struct wh_tiered_finding *t;
    const struct wh_policy_image *img = wh_policy_image_get(exempt, 0);
    const time_t last_second = 1798761599; /* 2026-12-31T23:59:59Z */

    wh_arena_init(&a);
    wh_policy_classify(exempt, img, "registry.example.com/payments/legacy", &diff, last_second, &a,
                       &t);
    ok(t[0].tier == WH_TIER_IGNORE && strcmp(t[0].rule, "seed-default[2]") == 0 &&
           t[0].exemption_reason != NULL &&
           strcmp(t[0].exemption_reason, "INC-1234: libssl upgrade in progress") == 0,
       "on its last day the exemption turns the block into ignore and says why");
    wh_policy_classify(exempt, img, "registry.example.com/payments/legacy", &diff, last_second + 1,
                       &a, &t);
    ok(t[0].tier == WH_TIER_BLOCK && t[0].exemption_reason == NULL,
       "the second after expiry the block applies again");
    wh_policy_classify(exempt, img, "registry.example.com/payments/api", &diff, last_second, &a,
                       &t);
    ok(t[0].tier == WH_TIER_BLOCK, "an image the exemption does not name stays blocked");
    f = dev_only("libssl-dev", "3.0.11");
    wh_policy_classify(exempt, img, "registry.example.com/payments/legacy", &diff, last_second, &a,
                       &t);
    ok(t[0].tier == WH_TIER_BLOCK && strcmp(t[0].rule, "seed-default[1]") == 0,
       "an exemption lifts only its own rule");
    wh_policy_classify(exempt, img, "registry.example.com/payments/batch-nightly", &diff,
                       1782863999 /* 2026-06-30T23:59:59Z */, &a, &t);
    ok(t[0].tier == WH_TIER_IGNORE, "glob exemption for batch-* applies to seed-default[1]");
    wh_arena_fini(&a);
}

/* ---- evaluate_image ---- */

struct world {
    struct wh_arena a;
    struct wh_decision d;
    struct wh_facts facts;
    struct wh_attestation att;
    struct wh_sbom_finding findings[4];
    struct wh_sbom_diff diff;
    struct wh_image_eval in;
};

static void
world_init(struct world *w, const struct wh_policy *p, const char *image_name)
{
    memset(w, 0, sizeof(*w));
    wh_arena_init(&w->a);
    wh_decision_init(&w->d, &w->a);
    w->att = (struct wh_attestation){"https://cyclonedx.org/bom", "ci-key", {NULL, 0}};
    w->facts =
        (struct wh_facts){DIGEST, NULL, "ci-key", &w->att, 1, NULL, NULL, 0, NULL, NULL, NULL};
    w->findings[0] = dev_only("vim", "9.0");
    w->diff = (struct wh_sbom_diff){w->findings, 1, 1, 0, 0, 10};
    w->in.path = "spec.containers[1].image";
    w->in.image = "registry.example.com/payments/api:v2";
    w->in.digest = DIGEST;
    w->in.name = image_name;
    w->in.rule = wh_policy_image_find(p, image_name);
    w->in.facts = &w->facts;
    /* The pipeline diffs only for rules with a dev reference (which load.c ties to tiers). */
    w->in.diff = w->in.rule != NULL && w->in.rule->tiers != NULL ? &w->diff : NULL;
    w->in.dev_image = "registry.example.com/payments/devcontainer:v2";
    w->in.index = 1;
}

static const char *
annotation(const struct wh_decision *d, const char *key)
{
    size_t i;

    for (i = 0; i < d->n_annotations; i++)
        if (strcmp(d->annotations[i].key, key) == 0)
            return d->annotations[i].value;
    return "";
}

static void
run(struct world *w, const struct wh_policy *p)
{
    wh_policy_evaluate_image(p, &w->in, 0, &w->d);
    wh_policy_finish(&w->d);
}

static void
test_clean_image_is_allowed_with_annotations(void)
{
    struct world w;

    world_init(&w, seed, "registry.example.com/payments/api");
    run(&w, seed);
    ok(w.d.allowed && w.d.n_denials == 0 && w.d.n_warnings == 0,
       "signed, attested, no drift → allowed");
    ok(strcmp(annotation(&w.d, "1-digest"), DIGEST) == 0, "1-digest annotation");
    ok(strcmp(annotation(&w.d, "1-verdict"), "allow") == 0, "1-verdict allow");
    ok(strcmp(annotation(&w.d, "1-signer"), "ci-key") == 0, "1-signer ci-key");
    ok(strcmp(annotation(&w.d, "1-drift"), "block=0 warn=0 ignore=1") == 0,
       "1-drift counts (got %s)", annotation(&w.d, "1-drift"));
    wh_arena_fini(&w.a);
}

static void
test_blocked_drift_denies_naming_path_digest_rule_and_fix(void)
{
    struct world w;
    const char *msg;

    world_init(&w, seed, "registry.example.com/payments/api");
    w.findings[1] = dev_only("libssl-dev", "3.0.11");
    w.diff.n_findings = 2;
    run(&w, seed);
    msg = w.d.n_denials == 1 ? w.d.denials[0] : "";
    ok(!w.d.allowed && w.d.n_denials == 1, "dev-only libssl-dev → denied");
    ok(strstr(msg, "spec.containers[1].image registry.example.com/payments/api:v2 (" DIGEST
                   "), image rule all-images: blocked by seed-default[1] (dev-only package "
                   "libssl-dev 3.0.11") == msg,
       "message names path, image, digest, rule and package: %s", msg);
    ok(strstr(msg, "remove it from the dev image or add it to the production image") != NULL,
       "message gives the fix");
    ok(strcmp(annotation(&w.d, "1-verdict"), "deny") == 0, "1-verdict deny");
    ok(strcmp(annotation(&w.d, "1-drift"), "block=1 warn=0 ignore=1") == 0, "1-drift block=1");
    wh_arena_fini(&w.a);
}

static void
test_warn_tier_allows_with_warning(void)
{
    struct world w;

    world_init(&w, seed, "registry.example.com/payments/api");
    w.findings[0] = drift("python3", WH_DRIFT_MINOR, "3.12.1-1", "3.11.2-1+b1");
    run(&w, seed);
    ok(w.d.allowed && w.d.n_warnings == 1, "python3 minor drift → allowed with one warning");
    ok(w.d.n_warnings == 1 &&
           strstr(w.d.warnings[0], "minor drift of python3: dev 3.12.1-1, prod 3.11.2-1+b1 "
                                   "(seed-default[3])") != NULL,
       "warning names the package, versions and rule: %s", w.d.n_warnings ? w.d.warnings[0] : "");
    ok(strcmp(annotation(&w.d, "1-verdict"), "warn") == 0, "1-verdict warn");
    wh_arena_fini(&w.a);
}

static void
test_missing_signature_denies_with_cosign_fix(void)
{
    struct world w;
    const char *msg;

    world_init(&w, seed, "registry.example.com/payments/api");
    w.facts.signature_signer = NULL;
    w.in.signature_detail = "signature 1 of 1: signature does not match payload";
    run(&w, seed);
    msg = w.d.n_denials == 1 ? w.d.denials[0] : "";
    ok(!w.d.allowed && strstr(msg, "no verified signature by ci-key (signature 1 of 1: signature "
                                   "does not match payload)") != NULL,
       "unsigned → denied naming the signer and why: %s", msg);
    ok(strstr(msg, "cosign sign --key <private key of keys/ci.pub> "
                   "registry.example.com/payments/api@" DIGEST) != NULL,
       "fix says how to sign by digest");
    ok(strcmp(annotation(&w.d, "1-signer"), "ci-key") == 0,
       "signer annotation falls back to the attestation signer");
    wh_arena_fini(&w.a);
}

static void
test_signature_by_other_signer_denies(void)
{
    struct world w;

    world_init(&w, seed, "registry.example.com/payments/api");
    w.facts.signature_signer = "someone-else";
    run(&w, seed);
    ok(!w.d.allowed && w.d.n_denials == 1 &&
           strstr(w.d.denials[0], "no verified signature") != NULL,
       "a signer the rule does not list does not count");
    wh_arena_fini(&w.a);
}

static void
test_missing_or_wrong_type_sbom_denies(void)
{
    struct world w;
    const char *msg;

    world_init(&w, seed, "registry.example.com/payments/api");
    w.att.predicate_type = "https://spdx.dev/Document";
    w.in.diff = NULL;
    run(&w, seed);
    msg = w.d.n_denials == 1 ? w.d.denials[0] : "";
    ok(!w.d.allowed && strstr(msg, "no verified SBOM attestation (https://cyclonedx.org/bom) by "
                                   "ci-key") != NULL,
       "SPDX attestation when CycloneDX is required → denied: %s", msg);
    ok(strstr(msg, "cosign attest --type cyclonedx --predicate sbom.json --key") != NULL,
       "fix says how to attest");
    wh_arena_fini(&w.a);
}

static void
test_many_blocks_are_summarised(void)
{
    struct world w;
    struct wh_sbom_finding many[8];
    char names[8][16];
    size_t i;

    world_init(&w, seed, "registry.example.com/payments/api");
    for (i = 0; i < 8; i++) {
        snprintf(names[i], sizeof(names[i]), "libssl-x%zu", i);
        many[i] = dev_only(names[i], "1");
    }
    w.diff.findings = many;
    w.diff.n_findings = 8;
    run(&w, seed);
    ok(w.d.n_denials == 6 && strstr(w.d.denials[5], "and 3 more blocked packages") != NULL,
       "5 blocks listed, the rest summarised (%zu denials)", w.d.n_denials);
    ok(strcmp(annotation(&w.d, "1-drift"), "block=8 warn=0 ignore=0") == 0, "all counted");
    wh_arena_fini(&w.a);
}

static struct wh_policy *
policy_from(const char *spec)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    char yaml[2048];

    snprintf(yaml, sizeof(yaml),
             "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
             "  signers: {ci-key: {key: {file: keys/ci.pub}}}\n%s",
             spec);
    if (wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml",
                        "policy", &lim, &p, &err) != WH_OK)
        printf("# %s\n", err.msg);
    return p;
}

static void
test_modes_soften_denials(void)
{
    struct wh_policy *p = policy_from(
        "  images:\n"
        "    - {name: w, match: [\"warn/*\"], mode: warn, signatures: {signedBy: [ci-key]}}\n"
        "    - {name: a, match: [\"audit/*\"], mode: audit, signatures: {signedBy: [ci-key]}}\n");
    struct world w;

    if (!ok(p != NULL, "mode policy loads"))
        return;
    world_init(&w, p, "warn/x");
    w.facts.signature_signer = NULL;
    run(&w, p);
    ok(w.d.allowed && w.d.n_denials == 0 && w.d.n_warnings == 1 &&
           strstr(w.d.warnings[0], "not enforced (mode warn): spec.containers[1].image, image "
                                   "rule w: no verified signature by ci-key: sign it with "
                                   "cosign sign") == w.d.warnings[0],
       "mode warn: the denial becomes a warning, without the image that its fix names: %s",
       w.d.n_warnings ? w.d.warnings[0] : "");
    ok(strcmp(annotation(&w.d, "1-verdict"), "warn") == 0, "mode warn verdict warn");
    wh_arena_fini(&w.a);
    world_init(&w, p, "audit/x");
    w.facts.signature_signer = NULL;
    run(&w, p);
    ok(w.d.allowed && w.d.n_denials == 0 && w.d.n_warnings == 0, "mode audit: nothing user-facing");
    ok(strstr(annotation(&w.d, "1-audit"), "would deny: no verified signature by ci-key") ==
           annotation(&w.d, "1-audit"),
       "mode audit: the would-be denial is an annotation: %s", annotation(&w.d, "1-audit"));
    wh_arena_fini(&w.a);
    wh_policy_unref(p);
}

static void
test_no_match_and_on_error_follow_the_policy(void)
{
    struct wh_policy *deny_all = policy_from("  images: [{name: r, match: [\"x/*\"]}]\n");
    struct wh_policy *lenient = policy_from("  defaults: {noMatch: allow, onError: warn}\n"
                                            "  images: [{name: r, match: [\"x/*\"]}]\n");
    struct world w;

    if (!ok(deny_all != NULL && lenient != NULL, "policies load"))
        return;
    world_init(&w, deny_all, "other/y");
    run(&w, deny_all);
    ok(!w.d.allowed && w.d.n_denials == 1 &&
           strstr(w.d.denials[0], "no image rule matches other/y (noMatch: deny)") != NULL,
       "noMatch deny: %s", w.d.n_denials ? w.d.denials[0] : "");
    wh_arena_fini(&w.a);
    world_init(&w, lenient, "other/y");
    run(&w, lenient);
    ok(w.d.allowed && w.d.n_warnings == 0, "noMatch allow");
    wh_arena_fini(&w.a);
    world_init(&w, deny_all, "x/y");
    w.in.error = "resolving the digest: registry 127.0.0.1:5000: HTTP 503";
    w.in.error_code = WH_E_UNAVAILABLE;
    w.in.digest = NULL;
    run(&w, deny_all);
    ok(!w.d.allowed && w.d.n_denials == 1 &&
           strstr(w.d.denials[0],
                  "spec.containers[1].image registry.example.com/payments/api:v2, image rule r: "
                  "could not be checked (onError: deny): resolving the digest") == w.d.denials[0],
       "onError deny: %s", w.d.n_denials ? w.d.denials[0] : "");
    ok(strcmp(annotation(&w.d, "1-digest"), "unresolved") == 0, "digest unresolved");
    wh_arena_fini(&w.a);
    world_init(&w, lenient, "x/y");
    w.in.error = "timed out";
    w.in.error_code = WH_E_TIMEOUT;
    run(&w, lenient);
    ok(w.d.allowed && w.d.n_warnings == 1 && strstr(w.d.warnings[0], "(onError: warn)") != NULL,
       "onError warn → allowed with a warning");
    wh_arena_fini(&w.a);
    wh_policy_unref(deny_all);
    wh_policy_unref(lenient);
}

/* Issue 13: onError decides infrastructure only; evidence a pusher can write (or remove) decides
 * as a failed verification under the rule's mode, whatever onError says. */
static void
test_evidence_is_not_an_error(void)
{
    struct wh_policy *allow =
        policy_from("  defaults: {onError: allow}\n"
                    "  images: [{name: r, match: [\"x/*\"], signatures: {signedBy: [ci-key]}}]\n");
    struct wh_policy *warn_mode =
        policy_from("  defaults: {onError: allow, mode: warn}\n"
                    "  images: [{name: r, match: [\"x/*\"], signatures: {signedBy: [ci-key]}}]\n");
    static const enum wh_err evidence[] = {WH_E_NOT_FOUND, WH_E_INVALID,  WH_E_LIMIT,
                                           WH_E_VERIFY,    WH_E_INTERNAL, WH_OK};
    struct world w;
    size_t i;

    if (!ok(allow != NULL && warn_mode != NULL, "policies load"))
        return;
    ok(wh_policy_on_error_applies(WH_E_UNAVAILABLE) && wh_policy_on_error_applies(WH_E_TIMEOUT),
       "onError decides WH_E_UNAVAILABLE and WH_E_TIMEOUT");
    for (i = 0; i < sizeof(evidence) / sizeof(evidence[0]); i++) {
        ok(!wh_policy_on_error_applies(evidence[i]), "onError does not decide %s",
           wh_error_name(evidence[i]));
        world_init(&w, allow, "x/y");
        w.in.error = "resolving the digest: GET manifest notyet: HTTP 404 (MANIFEST_UNKNOWN)";
        w.in.error_code = evidence[i];
        run(&w, allow);
        ok(!w.d.allowed && w.d.n_denials == 1 &&
               strstr(w.d.denials[0], "image rule r: could not be checked: resolving the digest") !=
                   NULL &&
               strstr(w.d.denials[0], "onError") == NULL,
           "%s with onError: allow → denied: %s", wh_error_name(evidence[i]),
           w.d.n_denials ? w.d.denials[0] : "");
        wh_arena_fini(&w.a);
    }
    world_init(&w, warn_mode, "x/y");
    w.in.error = "resolving the digest: HTTP 404";
    w.in.error_code = WH_E_NOT_FOUND;
    run(&w, warn_mode);
    ok(w.d.allowed && w.d.n_warnings == 1 &&
           strstr(w.d.warnings[0], "not enforced (mode warn)") != NULL,
       "the same under mode warn → a warning, as any failed verification: %s",
       w.d.n_warnings ? w.d.warnings[0] : "");
    wh_arena_fini(&w.a);
    wh_policy_unref(allow);
    wh_policy_unref(warn_mode);
}

/* A failure of the drift part alone leaves the image's own checks standing: onError: allow for a
 * dev registry that is down never waves through a missing signature. */
static void
test_dev_failure_keeps_the_image_checks(void)
{
    struct wh_policy *allow = policy_from(
        "  defaults: {onError: allow}\n"
        "  images:\n"
        "    - name: r\n"
        "      match: [\"registry.example.com/payments/api\"]\n"
        "      signatures: {signedBy: [ci-key]}\n"
        "      attestations: {sbom: {predicateType: cyclonedx, signedBy: [ci-key]}}\n"
        "      devReference: {image: \"registry.example.com/payments/devcontainer:{{tag}}\"}\n"
        "      tiers: t\n"
        "  tiers: {t: [{tier: ignore, when: {}}]}\n");
    struct world w;

    if (!ok(allow != NULL, "policy loads"))
        return;
    world_init(&w, allow, "registry.example.com/payments/api");
    w.in.diff = NULL;
    w.in.dev_error = "dev image registry.example.com/payments/devcontainer:v2: HTTP 503";
    w.in.dev_error_code = WH_E_UNAVAILABLE;
    run(&w, allow);
    ok(w.d.allowed && strcmp(annotation(&w.d, "1-drift"), "error") == 0,
       "dev registry down, onError allow, image signed → allowed, drift error");
    wh_arena_fini(&w.a);
    world_init(&w, allow, "registry.example.com/payments/api");
    w.in.diff = NULL;
    w.facts.signature_signer = NULL;
    w.in.dev_error = "dev image registry.example.com/payments/devcontainer:v2: HTTP 503";
    w.in.dev_error_code = WH_E_UNAVAILABLE;
    run(&w, allow);
    ok(!w.d.allowed && w.d.n_denials == 1 &&
           strstr(w.d.denials[0], "no verified signature by ci-key") != NULL,
       "… but unsigned → still denied for the signature: %s", w.d.n_denials ? w.d.denials[0] : "");
    wh_arena_fini(&w.a);
    world_init(&w, allow, "registry.example.com/payments/api");
    w.in.diff = NULL;
    w.in.dev_error = "dev image registry.example.com/payments/devcontainer:v2 (sha256:…) has no "
                     "verified SBOM attestation";
    w.in.dev_error_code = WH_E_NOT_FOUND;
    run(&w, allow);
    ok(!w.d.allowed && w.d.n_denials == 1 &&
           strstr(w.d.denials[0],
                  "image rule r: could not check drift against the dev image: dev image "
                  "registry.example.com/payments/devcontainer:v2") != NULL,
       "dev image without a verified SBOM, onError allow → denied: %s",
       w.d.n_denials ? w.d.denials[0] : "");
    wh_arena_fini(&w.a);
    world_init(&w, allow, "registry.example.com/payments/api");
    w.in.dev_digest = "sha256:73990922160ec1ac9f32d0fb32f86a40d444253713deaecdb37bcec1c466c9d3";
    run(&w, allow);
    ok(w.d.allowed &&
           strcmp(annotation(&w.d, "1-dev-image"),
                  "registry.example.com/payments/devcontainer:v2@sha256:"
                  "73990922160ec1ac9f32d0fb32f86a40d444253713deaecdb37bcec1c466c9d3") == 0,
       "the dev image judged is annotated by digest: %s", annotation(&w.d, "1-dev-image"));
    wh_arena_fini(&w.a);
    wh_policy_unref(allow);
}

/* signatures.count counts distinct signers, and the denial names the ones found. */
static void
test_signature_count_is_distinct_signers(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    const char *yaml =
        "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
        "  signers:\n"
        "    ci-key: {key: {file: keys/ci.pub}}\n"
        "    release: {keyless: {issuer: \"https://token.actions.githubusercontent.com\", "
        "subjectRegExp: \"https://github.com/acme/.*\"}}\n"
        "  images: [{name: r, match: [\"x/*\"], signatures: {signedBy: [ci-key, release], count: "
        "2}}]\n";
    const char *one[] = {"ci-key"};
    const char *two[] = {"ci-key", "https://github.com/acme/r/.github/workflows/r.yml@refs/heads/"
                                   "main (issuer https://token.actions.githubusercontent.com)"};
    struct world w;

    if (!ok(wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml",
                            "policy", &lim, &p, &err) == WH_OK,
            "count: 2 policy loads: %s", err.msg))
        return;
    world_init(&w, p, "x/y");
    w.facts.signature_signers = one;
    w.facts.n_signature_signers = 1;
    run(&w, p);
    ok(!w.d.allowed && w.d.n_denials == 1 &&
           strstr(w.d.denials[0], "2 distinct signers required (of ci-key or release), found 1: "
                                  "ci-key: sign it in CI with cosign sign --yes") != NULL,
       "one signer of two → denied naming it: %s", w.d.n_denials ? w.d.denials[0] : "");
    wh_arena_fini(&w.a);
    world_init(&w, p, "x/y");
    w.facts.signature_signers = two;
    w.facts.n_signature_signers = 2;
    run(&w, p);
    ok(w.d.allowed && strstr(annotation(&w.d, "1-signer"), "ci-key, https://github.com/acme/r/") ==
                          annotation(&w.d, "1-signer"),
       "two distinct signers → allowed, both annotated: %s", annotation(&w.d, "1-signer"));
    wh_arena_fini(&w.a);
    world_init(&w, p, "x/y");
    w.facts.signature_signer = NULL;
    run(&w, p);
    ok(!w.d.allowed &&
           strstr(w.d.denials[0], "2 distinct signers required (of ci-key or release), found 0:") !=
               NULL,
       "none → found 0: %s", w.d.denials[0]);
    wh_arena_fini(&w.a);
    wh_policy_unref(p);
}

static size_t
count_warnings(const struct wh_decision *d, const char *prefix)
{
    size_t i, n = 0;

    for (i = 0; i < d->n_warnings; i++)
        n += strstr(d->warnings[i], prefix) != NULL;
    return n;
}

/* agent.required: no (or an empty) agent-provenance attestation is a finding of absentTier. */
static void
test_agent_required_makes_absence_a_finding(void)
{
#define AGENT_RULE(extra)                                                                          \
    "  images:\n"                                                                                  \
    "    - name: r\n"                                                                              \
    "      match: [\"registry.example.com/payments/api\"]\n"                                       \
    "      attestations:\n"                                                                        \
    "        sbom: {predicateType: cyclonedx, signedBy: [ci-key]}\n"                               \
    "        agent: {raiseDrift: true, required: true" extra "}\n"                                 \
    "      devReference: {image: \"registry.example.com/payments/devcontainer:{{tag}}\"}\n"        \
    "      tiers: t\n"                                                                             \
    "  tiers: {t: [{tier: ignore, when: {}}]}\n"
    struct wh_policy *block = policy_from(AGENT_RULE(""));
    struct wh_policy *warn_tier = policy_from(AGENT_RULE(", absentTier: warn"));
    struct wh_agent_commit commit = {"a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "pin", NULL, 0};
    struct wh_agent_provenance with = {&commit, 1}, empty = {NULL, 0};
    struct wh_predicates prod, dev;
    struct world w;

    memset(&prod, 0, sizeof(prod));
    memset(&dev, 0, sizeof(dev));
    if (!ok(block != NULL && warn_tier != NULL, "agent.required policies load"))
        return;
    prod.agent = &with;
    prod.agent_signer = "ci-key";
    dev.agent = &with;
    dev.agent_signer = "ci-key";
    world_init(&w, block, "registry.example.com/payments/api");
    w.facts.predicates = &prod;
    w.in.dev_predicates = &dev;
    run(&w, block);
    ok(w.d.allowed, "both images attest agent commits → allowed (%zu denials)", w.d.n_denials);
    wh_arena_fini(&w.a);

    world_init(&w, block, "registry.example.com/payments/api");
    w.facts.predicates = &prod;
    w.in.dev_predicates = NULL; /* the dev image's agent layer was stripped */
    run(&w, block);
    ok(!w.d.allowed && w.d.n_denials == 1 &&
           strstr(w.d.denials[0], "agent.required (absentTier block): dev image "
                                  "registry.example.com/payments/devcontainer:v2 carries no "
                                  "verified agent-provenance attestation by ci-key") != NULL,
       "stripped dev attestation → denied naming the dev image: %s",
       w.d.n_denials ? w.d.denials[0] : "");
    wh_arena_fini(&w.a);

    dev.agent = &empty;
    world_init(&w, block, "registry.example.com/payments/api");
    w.facts.predicates = &prod;
    w.in.dev_predicates = &dev;
    run(&w, block);
    ok(!w.d.allowed && w.d.n_denials == 1 &&
           strstr(w.d.denials[0], "(its agent_commits is empty)") != NULL,
       "an empty commit list is a finding too: %s", w.d.n_denials ? w.d.denials[0] : "");
    wh_arena_fini(&w.a);

    dev.agent = &with;
    dev.agent_signer = "someone-else";
    world_init(&w, warn_tier, "registry.example.com/payments/api");
    w.facts.predicates = NULL;
    w.in.dev_predicates = &dev;
    run(&w, warn_tier);
    ok(w.d.allowed && w.d.n_denials == 0 &&
           count_warnings(&w.d, "agent.required (absentTier warn): the image") == 1 &&
           count_warnings(&w.d, "agent.required (absentTier warn): dev image") == 1,
       "absentTier warn → allowed, warning for the image (none) and the dev image (signed by a "
       "signer the rule does not list)");
    wh_arena_fini(&w.a);
    wh_policy_unref(block);
    wh_policy_unref(warn_tier);
}

static void
test_finish_allows_only_without_denials(void)
{
    struct wh_arena a;
    struct wh_decision d;

    wh_arena_init(&a);
    wh_decision_init(&d, &a);
    wh_policy_finish(&d);
    ok(d.allowed, "no images, no denials → allowed");
    wh_decision_init(&d, &a);
    wh_decision_deny(&d, "x");
    wh_policy_finish(&d);
    ok(!d.allowed, "a denial keeps it denied");
    wh_arena_fini(&a);
}

/* policy/examples/exemptions.yaml: spec.exemptions[0] lifts seed-default[2] for payments/legacy
 * through 2026-12-31, i.e. until 2027-01-01T00:00:00Z. */
#define LEGACY_EXPIRES ((time_t)1798761600)

static const char *
find_warning(const struct wh_decision *d, const char *needle)
{
    for (size_t i = 0; i < d->n_warnings; i++)
        if (strstr(d->warnings[i], needle) != NULL)
            return d->warnings[i];
    return NULL;
}

static void
run_legacy(struct world *w, const char *image_name, time_t now)
{
    world_init(w, exempt, image_name);
    w->findings[0] = drift("libssl3", WH_DRIFT_PATCH, "3.0.13", "3.0.11");
    wh_policy_evaluate_image(exempt, &w->in, now, &w->d);
    wh_policy_finish(&w->d);
}

/* DESIGN's example writes the exemption as "registry.example.com/payments/legacy:*"; images are
 * matched by repository, so it must lift the block for legacy:v1 at runtime (it never matched
 * before: the ':*' was compared with a name that has no tag). */
static void
test_exemption_with_any_tag_lifts_the_block_at_runtime(void)
{
    struct world w;

    ok(strcmp(exempt->exemptions[0].images[0], "registry.example.com/payments/legacy") == 0,
       "legacy:* is loaded as the repository glob");
    run_legacy(&w, "registry.example.com/payments/legacy", LEGACY_EXPIRES - 30 * 86400);
    ok(w.d.allowed && w.d.n_denials == 0,
       "an image of payments/legacy (any tag) is exempted from seed-default[2]");
    wh_arena_fini(&w.a);
    run_legacy(&w, "registry.example.com/payments/legacy-next", LEGACY_EXPIRES - 30 * 86400);
    ok(!w.d.allowed, "payments/legacy-next is not: the glob names one repository");
    wh_arena_fini(&w.a);
}

static void
test_exemption_expiring_within_a_week_warns(void)
{
    struct world w;
    const char *msg;

    run_legacy(&w, "registry.example.com/payments/legacy", LEGACY_EXPIRES - 3 * 86400);
    msg = find_warning(&w.d, "exemption spec.exemptions[0]");
    ok(w.d.allowed && w.d.n_denials == 0,
       "3 days before expiry the exemption still lifts the block");
    ok(msg != NULL && strstr(msg, "exemption spec.exemptions[0] for seed-default[2] expires on "
                                  "2026-12-31 (3 day(s) left): fix the finding before then "
                                  "(INC-1234") != NULL,
       "a warning names the exemption, its rule and expiry: %s", msg != NULL ? msg : "(none)");
    ok(strcmp(annotation(&w.d, "1-verdict"), "warn") == 0, "1-verdict warn (got %s)",
       annotation(&w.d, "1-verdict"));
    wh_arena_fini(&w.a);

    run_legacy(&w, "registry.example.com/payments/legacy", LEGACY_EXPIRES - 1);
    msg = find_warning(&w.d, "exemption spec.exemptions[0]");
    ok(w.d.allowed && msg != NULL && strstr(msg, "(1 day(s) left)") != NULL,
       "on its last second it still applies and warns: %s", msg != NULL ? msg : "(none)");
    wh_arena_fini(&w.a);

    run_legacy(&w, "registry.example.com/payments/legacy", LEGACY_EXPIRES - 7 * 86400 - 1);
    ok(w.d.allowed && w.d.n_warnings == 0,
       "more than 7 days before expiry: allowed without a warning (%zu warnings)", w.d.n_warnings);
    wh_arena_fini(&w.a);

    run_legacy(&w, "registry.example.com/payments/legacy", LEGACY_EXPIRES - 7 * 86400);
    ok(w.d.allowed && find_warning(&w.d, "(7 day(s) left)") != NULL,
       "exactly 7 days before expiry the warning starts");
    wh_arena_fini(&w.a);
}

static void
test_expired_exemption_is_ignored_and_says_so(void)
{
    struct world w;
    const char *msg;

    run_legacy(&w, "registry.example.com/payments/legacy", LEGACY_EXPIRES);
    msg = find_warning(&w.d, "exemption spec.exemptions[0]");
    ok(!w.d.allowed && w.d.n_denials == 1 && strstr(w.d.denials[0], "blocked by seed-default[2]"),
       "after expiry the block applies again: %s", w.d.n_denials ? w.d.denials[0] : "(none)");
    ok(msg != NULL && strstr(msg, "exemption spec.exemptions[0] for seed-default[2] expired on "
                                  "2026-12-31: the finding is enforced again (INC-1234") != NULL,
       "a warning says the exemption expired: %s", msg != NULL ? msg : "(none)");
    ok(strlen(annotation(&w.d, "1-exempted")) == 0, "no 1-exempted annotation once expired");
    wh_arena_fini(&w.a);

    /* Expired, but nothing of its rule is found: nothing to say. */
    world_init(&w, exempt, "registry.example.com/payments/legacy");
    wh_policy_evaluate_image(exempt, &w.in, LEGACY_EXPIRES + 86400, &w.d);
    wh_policy_finish(&w.d);
    ok(w.d.allowed && w.d.n_warnings == 0,
       "an expired exemption with no blocked finding adds no warning (%zu)", w.d.n_warnings);
    wh_arena_fini(&w.a);

    /* An image the exemption does not name gets the plain denial only. */
    run_legacy(&w, "registry.example.com/payments/api", LEGACY_EXPIRES - 86400);
    ok(!w.d.allowed && find_warning(&w.d, "exemption") == NULL,
       "an image outside the exemption's globs hears nothing about it");
    wh_arena_fini(&w.a);
}

/* spec.exemptions[2] (scope: image) lifts payments/vendor-billing's signature and SBOM
 * requirements through 2026-12-31: no evidence at all is allowed, with a warning and an
 * annotation, until the first second of 2027-01-01, when both are required again. */
static void
run_vendor(struct world *w, time_t now)
{
    world_init(w, exempt, "registry.example.com/payments/vendor-billing");
    w->in.image = "registry.example.com/payments/vendor-billing:v7";
    w->in.facts = NULL; /* unsigned, no attestation: the pipeline fetched nothing */
    w->in.diff = NULL;
    wh_policy_evaluate_image(exempt, &w->in, now, &w->d);
    wh_policy_finish(&w->d);
}

static void
test_image_exemption_lifts_signature_and_attestations_through_its_day(void)
{
    struct world w;
    const char *msg;

    run_vendor(&w, LEGACY_EXPIRES - 1);
    msg = find_warning(&w.d, "spec.exemptions[2]");
    ok(w.d.allowed && w.d.n_denials == 0, "on its last second the image exemption lifts both");
    ok(msg != NULL && strstr(msg, "expires on 2026-12-31 (1 day(s) left): sign and attest the "
                                  "image before then (VENDOR-77") != NULL,
       "the last day warns with the days left: %s", msg != NULL ? msg : "(none)");
    ok(strstr(annotation(&w.d, "1-exempted"),
              "signatures and attestations by "
              "spec.exemptions[2] until 2026-12-31: VENDOR-77") == annotation(&w.d, "1-exempted"),
       "1-exempted names the exemption, its day and reason: %s", annotation(&w.d, "1-exempted"));
    ok(strcmp(annotation(&w.d, "1-drift"), "exempt") == 0 &&
           strcmp(annotation(&w.d, "1-verdict"), "warn") == 0,
       "1-drift exempt, 1-verdict warn (got %s, %s)", annotation(&w.d, "1-drift"),
       annotation(&w.d, "1-verdict"));
    wh_arena_fini(&w.a);

    run_vendor(&w, LEGACY_EXPIRES);
    msg = find_warning(&w.d, "spec.exemptions[2]");
    ok(!w.d.allowed && w.d.n_denials == 2 && strstr(w.d.denials[0], "no verified signature") &&
           strstr(w.d.denials[1], "no verified SBOM attestation"),
       "the day after, signature and SBOM are required again (%zu denials)", w.d.n_denials);
    ok(msg != NULL && strstr(msg, "image exemption spec.exemptions[2] expired on 2026-12-31: "
                                  "signatures and attestations are required again") != NULL,
       "and a warning says the exemption expired: %s", msg != NULL ? msg : "(none)");
    ok(strlen(annotation(&w.d, "1-exempted")) == 0, "no 1-exempted annotation once expired");
    wh_arena_fini(&w.a);
}

static void
test_image_exemption_warns_in_its_last_week(void)
{
    struct world w;
    const char *msg;

    run_vendor(&w, LEGACY_EXPIRES - 7 * 86400);
    msg = find_warning(&w.d, "spec.exemptions[2]");
    ok(w.d.allowed && msg != NULL && strstr(msg, "(7 day(s) left)") != NULL,
       "7 days before it lapses the countdown starts: %s", msg != NULL ? msg : "(none)");
    wh_arena_fini(&w.a);
    run_vendor(&w, LEGACY_EXPIRES - 7 * 86400 - 1);
    msg = find_warning(&w.d, "spec.exemptions[2]");
    ok(w.d.allowed && msg != NULL && strstr(msg, "day(s) left") == NULL &&
           strstr(msg, "not verified: signatures and attestations exempt by spec.exemptions[2] "
                       "until 2026-12-31 (VENDOR-77") != NULL,
       "8 days before, the exemption is reported without a countdown: %s",
       msg != NULL ? msg : "(none)");
    wh_arena_fini(&w.a);
}

static bool
exempt_as_written(const char *image, time_t now)
{
    struct wh_arena a;
    struct wh_image_ref ref;
    struct wh_error err;
    bool hit = false;

    wh_arena_init(&a);
    if (wh_image_ref_parse(wh_str_c(image), &a, &ref, &err) == WH_OK)
        hit = wh_policy_image_exemption(exempt, wh_image_ref_name(&ref, &a), now) != NULL;
    wh_arena_fini(&a);
    return hit;
}

/* Matched as image rules match: the canonical registry/repository, whatever the spelling, tag or
 * digest of the admitted reference; nothing beside it, nothing after it lapses. */
static void
test_image_exemption_matches_names_as_rules_do(void)
{
    time_t t = LEGACY_EXPIRES - 30 * 86400;

    ok(exempt_as_written("registry.example.com/payments/vendor-billing:v7", t), "tag form");
    ok(exempt_as_written("REGISTRY.Example.com:443/payments/vendor-billing", t),
       "another spelling of the registry");
    ok(exempt_as_written("registry.example.com/payments/vendor-billing@sha256:"
                         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                         t),
       "digest form");
    ok(!exempt_as_written("registry.example.com/payments/vendor-billing-next:v7", t),
       "a repository sharing its prefix is not exempt");
    ok(!exempt_as_written("registry.example.com/payments/vendor-billing/sub:v7", t),
       "a repository below it is not exempt");
    ok(!exempt_as_written("evil.example.com/payments/vendor-billing:v7", t),
       "the same path on another registry is not exempt");
    ok(!exempt_as_written("registry.example.com/payments/legacy:v1", t),
       "a finding exemption (scope finding) never lifts an image's requirements");
    ok(!exempt_as_written("registry.example.com/payments/vendor-billing:v7", LEGACY_EXPIRES),
       "an expired image exemption lifts nothing");
    ok(wh_policy_image_exemption(exempt, NULL, t) == NULL, "no name, no exemption");
}

/* An image that could not be checked (registry down) still goes to onError, exempt or not. */
static void
test_image_exemption_does_not_hide_failures(void)
{
    struct world w;

    world_init(&w, exempt, "registry.example.com/payments/vendor-billing");
    w.in.facts = NULL;
    w.in.diff = NULL;
    w.in.error = "registry.example.com: connection refused";
    w.in.error_code = WH_E_UNAVAILABLE;
    wh_policy_evaluate_image(exempt, &w.in, LEGACY_EXPIRES - 30 * 86400, &w.d);
    wh_policy_finish(&w.d);
    ok(!w.d.allowed && w.d.n_denials == 1 && strstr(w.d.denials[0], "could not be checked"),
       "an infrastructure failure still denies under onError: deny (%zu denials)", w.d.n_denials);
    wh_arena_fini(&w.a);
}

int
main(void)
{
    struct wh_error err = {0};
    /* The example caps exemptions at maxExemptionDays: load it as on a day within them. */
    struct wh_policy_load_options o = {.limits = &lim, .now = LEGACY_EXPIRES - 30 * 86400};

    if (wh_policy_load("policy/default.yaml", &lim, &seed, &err) != WH_OK ||
        wh_policy_load_with("policy/examples/exemptions.yaml", &o, &exempt, &err) != WH_OK) {
        ok(0, "policies load: %s", err.msg);
        return done_testing();
    }
    test_every_seed_rule_classifies();
    test_seed_rules_see_identities_and_builds();
    test_names_types_and_build_rules();
    test_unmatched_finding_is_blocked();
    test_exemption_lifts_block_until_expiry();
    test_exemption_with_any_tag_lifts_the_block_at_runtime();
    test_clean_image_is_allowed_with_annotations();
    test_blocked_drift_denies_naming_path_digest_rule_and_fix();
    test_warn_tier_allows_with_warning();
    test_missing_signature_denies_with_cosign_fix();
    test_signature_by_other_signer_denies();
    test_missing_or_wrong_type_sbom_denies();
    test_many_blocks_are_summarised();
    test_modes_soften_denials();
    test_no_match_and_on_error_follow_the_policy();
    test_finish_allows_only_without_denials();
    test_evidence_is_not_an_error();
    test_dev_failure_keeps_the_image_checks();
    test_signature_count_is_distinct_signers();
    test_agent_required_makes_absence_a_finding();
    test_exemption_expiring_within_a_week_warns();
    test_expired_exemption_is_ignored_and_says_so();
    test_image_exemption_lifts_signature_and_attestations_through_its_day();
    test_image_exemption_warns_in_its_last_week();
    test_image_exemption_matches_names_as_rules_do();
    test_image_exemption_does_not_hide_failures();
    wh_policy_unref(seed);
    wh_policy_unref(exempt);
    return done_testing();
}
