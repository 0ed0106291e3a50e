/* Strict policy loading: the shipped policy's model, every class of load error with its
 * file:line:col, first-match image rules, generations and reference counting. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy.h"
#include "policy/snapshot.h"
#include "unit/harness.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

#define HEAD "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"

static enum wh_err
parse(const char *yaml, struct wh_policy **p, struct wh_error *err)
{
    return wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml",
                           "policy", &lim, p, err);
}

/* Asserts the load fails with `code` and a message starting "t.yaml:<pos>: " containing `sub`. */
static void
expect_error(const char *name, const char *yaml, enum wh_err code, const char *pos, const char *sub)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    char prefix[64];
    enum wh_err rc = parse(yaml, &p, &err);

    snprintf(prefix, sizeof(prefix), "t.yaml:%s: ", pos);
    ok(rc == code, "%s: code %s (got %s)", name, wh_error_name(code), wh_error_name(rc));
    if (rc == WH_OK) {
        wh_policy_unref(p);
        return;
    }
    ok(strncmp(err.msg, prefix, strlen(prefix)) == 0, "%s: at %s (got \"%s\")", name, pos, err.msg);
    ok(strstr(err.msg, sub) != NULL, "%s: says \"%s\" (got \"%s\")", name, sub, err.msg);
}

static void
test_shipped_policy_loads_with_seed_tiers(void)
{
    struct wh_policy *p;
    struct wh_error err = {0};
    const struct wh_policy_image *img;
    const struct wh_policy_tiers *t;

    if (!ok(wh_policy_load("policy/default.yaml", &lim, &p, &err) == WH_OK,
            "default.yaml loads: %s", err.msg))
        return;
    ok(wh_policy_image_count(p) == 1, "one image rule");
    img = wh_policy_image_get(p, 0);
    ok(strcmp(img->name, "all-images") == 0 && img->mode == WH_POLICY_MODE_ENFORCE &&
           img->on_error == WH_POLICY_ACTION_DENY,
       "rule all-images enforces and denies on error");
    ok(img->signatures.n_signed_by == 1 && img->signatures.count == 1 &&
           strcmp(img->signatures.signed_by[0]->name, "ci-key") == 0 &&
           img->signatures.signed_by[0]->key != NULL,
       "signature by ci-key with a parsed key");
    ok(img->sbom.required && strcmp(img->sbom.predicate_type, "https://cyclonedx.org/bom") == 0 &&
           img->sbom.n_signed_by == 1,
       "CycloneDX SBOM attestation required");
    t = wh_policy_tiers_find(p, "seed-default");
    ok(t != NULL && img->tiers == t && t->n_rules == 10,
       "seed-default has the seed's 9 rules and the build-drift warning");
    ok(t != NULL && t->rules[8].version_drift == WH_POLICY_DRIFT_BUILD &&
           t->rules[8].tier == WH_TIER_WARN,
       "seed-default[8] warns on build drift");
    ok(t != NULL && strcmp(t->rules[1].id, "seed-default[1]") == 0 &&
           t->rules[1].tier == WH_TIER_BLOCK && t->rules[1].dev_only == 1 &&
           t->rules[1].n_name_contains == 5,
       "seed-default[1] blocks dev-only crypto names");
    ok(wh_policy_defaults(p)->no_match == WH_POLICY_ACTION_DENY, "noMatch deny");
    ok(wh_policy_image_find(p, "docker.io/library/nginx") == img, "** matches everything");
    wh_policy_unref(p);
}

static void
test_every_example_loads(void)
{
    static const char *const files[] = {
        "policy/examples/key-signed.yaml", "policy/examples/keyless.yaml",
        "policy/examples/exemptions.yaml", "policy/examples/warn-mode.yaml"};
    struct wh_policy *p;
    struct wh_error err = {0};
    size_t i;

    for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        enum wh_err rc = wh_policy_load(files[i], &lim, &p, &err);
        ok(rc == WH_OK, "%s loads (%s)", files[i], rc == WH_OK ? "ok" : err.msg);
        if (rc == WH_OK)
            wh_policy_unref(p);
    }
}

static void
test_keyless_signer_is_kept_with_anchored_regex(void)
{
    struct wh_policy *p;
    struct wh_error err = {0};
    const struct wh_policy_signer *s;

    if (!ok(parse(HEAD "  signers:\n"
                       "    gh:\n"
                       "      keyless:\n"
                       "        issuer: https://token.actions.githubusercontent.com\n"
                       "        subjectRegExp: \"https://github\\\\.com/acme/.+@refs/heads/main\"\n"
                       "        github: {repository: acme/payments}\n",
                  &p, &err) == WH_OK,
            "keyless signer loads: %s", err.msg))
        return;
    s = wh_policy_signer_find(p, "gh");
    ok(s != NULL && s->key == NULL && s->keyless != NULL && s->tlog_required,
       "keyless signer, tlog required");
    ok(strcmp(s->keyless->issuer, "https://token.actions.githubusercontent.com") == 0 &&
           strcmp(s->keyless->github.repository, "acme/payments") == 0,
       "issuer and github repository kept");
    ok(regexec(&s->keyless->subject_re->re,
               "https://github.com/acme/payments/.github/workflows/b.yml@refs/heads/main", 0, NULL,
               0) == 0,
       "subject regex matches the main-branch workflow");
    ok(regexec(&s->keyless->subject_re->re, "https://github.com/acme/x@refs/heads/main.evil", 0,
               NULL, 0) != 0,
       "subject regex is anchored at the end");
    ok(regexec(&s->keyless->subject_re->re, "evil/https://github.com/acme/x@refs/heads/main", 0,
               NULL, 0) != 0,
       "subject regex is anchored at the start");
    wh_policy_unref(p);
}

static void
test_inline_pem_key_is_parsed(void)
{
    struct wh_policy *p;
    struct wh_error err = {0};

    if (!ok(parse(HEAD
                  "  signers:\n"
                  "    k:\n"
                  "      transparencyLog: optional\n"
                  "      key:\n"
                  "        pem: |\n"
                  "          -----BEGIN PUBLIC KEY-----\n"
                  "          MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMtrI43VOsE3mcsrEtVi+2w1YXcEL\n"
                  "          dVe1LG3Qd2n700QeLcK/6AKUSmm8qVGomePyQBqz/zraluU5d9BbzRe89w==\n"
                  "          -----END PUBLIC KEY-----\n",
                  &p, &err) == WH_OK,
            "pem key loads: %s", err.msg))
        return;
    ok(wh_policy_signer_find(p, "k")->key != NULL && !wh_policy_signer_find(p, "k")->tlog_required,
       "key parsed, transparency log optional");
    wh_policy_unref(p);
}

static void
test_load_errors_name_file_line_col(void)
{
    expect_error("unknown key",
                 HEAD "  images:\n    - name: a\n      match: [\"**\"]\n      bogus: 1\n",
                 WH_E_INVALID, "7:7", "unknown key \"bogus\" in spec.images[0]");
    expect_error("duplicate key", HEAD "  defaults: {mode: warn, mode: audit}\n", WH_E_INVALID,
                 "4:26", "duplicate key \"mode\"");
    expect_error("anchor", HEAD "  defaults: &d {mode: warn}\n", WH_E_INVALID, "4:13",
                 "anchors are not allowed");
    expect_error("alias", HEAD "  defaults: *d\n", WH_E_INVALID, "4:13", "aliases are not allowed");
    expect_error("tag", HEAD "  defaults: !!map {mode: warn}\n", WH_E_INVALID, "4:13",
                 "tags are not allowed");
    expect_error("scalar for mapping", HEAD "  defaults: enforce\n", WH_E_INVALID, "4:13",
                 "spec.defaults: expected a mapping, got a scalar");
    expect_error("mapping for sequence", HEAD "  images: {name: a}\n", WH_E_INVALID, "4:11",
                 "spec.images: expected a sequence, got a mapping");
    expect_error("yes is not a bool",
                 HEAD "  images:\n    - {name: a, match: [\"**\"], requireDigest: yes}\n",
                 WH_E_INVALID, "5:47", "requireDigest: expected true or false");
    expect_error("quoted true is not a bool",
                 HEAD "  images:\n    - {name: a, match: [\"**\"], requireDigest: \"true\"}\n",
                 WH_E_INVALID, "5:47", "expected true or false");
    expect_error("quoted count is a string",
                 HEAD "  signers: {k: {key: {file: keys/ci.pub}}}\n  images:\n"
                      "    - {name: a, match: [\"**\"], signatures: {signedBy: [k], "
                      "count: \"1\"}}\n",
                 WH_E_INVALID, "6:67", "signatures.count: expected an integer");
    expect_error("fractional count",
                 HEAD "  signers: {k: {key: {file: keys/ci.pub}}}\n  images:\n"
                      "    - {name: a, match: [\"**\"], signatures: {signedBy: [k], "
                      "count: 1.5}}\n",
                 WH_E_INVALID, "6:67", "signatures.count: expected an integer");
    expect_error("a number where a string goes",
                 HEAD "  images:\n    - {name: 123, match: [\"**\"]}\n", WH_E_INVALID, "5:14",
                 "name: expected a string, got the number 123 (quote it: \"123\")");
    expect_error("a boolean where a string goes",
                 HEAD "  images:\n    - {name: a, match: [True]}\n", WH_E_INVALID, "5:25",
                 "expected a string, got the boolean True");
    expect_error("count above signers",
                 HEAD "  signers: {k: {key: {file: keys/ci.pub}}}\n  images:\n"
                      "    - {name: a, match: [\"**\"], signatures: {signedBy: [k], "
                      "count: 2}}\n",
                 WH_E_INVALID, "6:67", "2 is out of range 1..1");
    expect_error("bad glob", HEAD "  images:\n    - {name: a, match: [\"a/***\"]}\n", WH_E_INVALID,
                 "5:25", "match[0]");
    expect_error("bad exclude glob",
                 HEAD "  images:\n    - {name: a, match: [\"**\"], exclude: [\"\"]}\n",
                 WH_E_INVALID, "5:42", "exclude[0]: expected a non-empty string");
    expect_error("bad regex",
                 HEAD "  signers:\n    s: {keyless: {issuer: i, subjectRegExp: \"a[b\"}}\n",
                 WH_E_INVALID, "5:45", "invalid regular expression \"a[b\"");
    expect_error("perl group",
                 HEAD "  signers:\n    s: {keyless: {issuerRegExp: \"(?:a)\", subject: s}}\n",
                 WH_E_INVALID, "5:33", "Perl/RE2 syntax");
    expect_error("keyless needs an issuer", HEAD "  signers:\n    s: {keyless: {subject: s}}\n",
                 WH_E_INVALID, "5:18", "exactly one of issuer or issuerRegExp");
    expect_error("signer needs key or keyless",
                 HEAD "  signers:\n    s: {transparencyLog: required}\n", WH_E_INVALID, "5:8",
                 "exactly one of key or keyless");
    expect_error("unknown signer",
                 HEAD
                 "  images:\n    - {name: a, match: [\"**\"], signatures: {signedBy: [nope]}}\n",
                 WH_E_INVALID, "5:56", "unknown signer \"nope\"");
    expect_error("unknown tiers", HEAD "  images:\n    - {name: a, match: [\"**\"], tiers: nope}\n",
                 WH_E_INVALID, "5:39", "unknown tier list \"nope\"");
    expect_error("unknown exemption rule",
                 HEAD "  tiers: {t: [{tier: block, when: {}}]}\n  exemptions:\n"
                      "    - {images: [\"**\"], rule: \"t[3]\", expires: 2026-01-01, reason: r}\n",
                 WH_E_INVALID, "6:30", "unknown tier rule \"t[3]\"");
    expect_error("bad date",
                 HEAD "  tiers: {t: [{tier: block, when: {}}]}\n  exemptions:\n"
                      "    - {images: [\"**\"], rule: \"t[0]\", expires: 2026-13-01, reason: r}\n",
                 WH_E_INVALID, "6:47", "no such date \"2026-13-01\"");
    expect_error("not a date",
                 HEAD "  tiers: {t: [{tier: block, when: {}}]}\n  exemptions:\n"
                      "    - {images: [\"**\"], rule: \"t[0]\", expires: tomorrow, reason: r}\n",
                 WH_E_INVALID, "6:47", "expected a date YYYY-MM-DD");
    expect_error("missing reason",
                 HEAD "  tiers: {t: [{tier: block, when: {}}]}\n  exemptions:\n"
                      "    - {images: [\"**\"], rule: \"t[0]\", expires: 2026-01-01}\n",
                 WH_E_INVALID, "6:7", "missing required key \"reason\"");
    expect_error("bad tier", HEAD "  tiers: {t: [{tier: deny, when: {}}]}\n", WH_E_INVALID, "4:22",
                 "expected one of block|warn|ignore, got \"deny\"");
    expect_error("bad drift size",
                 HEAD "  tiers: {t: [{tier: warn, when: {versionDrift: tiny}}]}\n", WH_E_INVALID,
                 "4:49", "versionDrift: expected one of any|major|minor|patch");
    expect_error("missing key file", HEAD "  signers: {k: {key: {file: keys/none.pub}}}\n",
                 WH_E_INVALID, "4:29", "policy/keys/none.pub");
    expect_error("not a public key", HEAD "  signers: {k: {key: {pem: \"hello\"}}}\n", WH_E_INVALID,
                 "4:28", "signer k: key: no PEM block");
    expect_error("wrong apiVersion", "apiVersion: v1\nkind: Policy\nspec: {}\n", WH_E_INVALID,
                 "1:13", "expected driftgate.dev/v1alpha1");
    expect_error("wrong kind", "apiVersion: driftgate.dev/v1alpha1\nkind: Config\nspec: {}\n",
                 WH_E_INVALID, "2:7", "kind: expected Policy");
    expect_error("syntax", HEAD "  images: [\n", WH_E_INVALID, "5:1", "YAML syntax");
    expect_error("two documents", HEAD "  {}\n---\n{}\n", WH_E_INVALID, "5:1",
                 "exactly one YAML document");
    expect_error("complex key", HEAD "  ? [a]\n  : b\n", WH_E_INVALID, "4:5",
                 "mapping keys must be scalars");
    expect_error("nesting",
                 HEAD "  x: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
                 WH_E_LIMIT, "4:36", "nesting deeper than 32 levels");
}

static void
test_oversized_policy_is_limit(void)
{
    struct wh_limits small = WH_LIMITS_DEFAULT;
    struct wh_policy *p;
    struct wh_error err = {0};
    const char *yaml = HEAD "  {}\n";

    small.policy_bytes = 10;
    ok(wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml", NULL,
                       &small, &p, &err) == WH_E_LIMIT &&
           strstr(err.msg, "over the 10 byte limit") != NULL,
       "policy over policy_bytes is WH_E_LIMIT: %s", err.msg);
}

static void
test_relative_key_file_needs_base_dir(void)
{
    struct wh_policy *p;
    struct wh_error err = {0};
    const char *yaml = HEAD "  signers: {k: {key: {file: keys/ci.pub}}}\n";

    ok(wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml", NULL,
                       &lim, &p, &err) == WH_E_INVALID &&
           strstr(err.msg, "t.yaml:4:29: ") == err.msg &&
           strstr(err.msg, "needs the policy's directory") != NULL,
       "relative key file without base_dir: %s", err.msg);
}

static void
test_first_matching_rule_wins_and_exclude_skips(void)
{
    struct wh_policy *p;
    struct wh_error err = {0};

    if (!ok(parse(HEAD "  images:\n"
                       "    - {name: payments, match: [\"reg.io/payments/**\"],"
                       " exclude: [\"reg.io/payments/debug-*\"]}\n"
                       "    - {name: top, match: [\"reg.io/*\"]}\n"
                       "    - {name: rest, match: [\"**\"], mode: audit, onError: allow}\n",
                  &p, &err) == WH_OK,
            "three rules load: %s", err.msg))
        return;
    ok(strcmp(wh_policy_image_find(p, "reg.io/payments/api")->name, "payments") == 0,
       "payments/api → payments");
    ok(strcmp(wh_policy_image_find(p, "reg.io/payments/team/api")->name, "payments") == 0,
       "** crosses '/'");
    ok(strcmp(wh_policy_image_find(p, "reg.io/payments/debug-shell")->name, "rest") == 0,
       "excluded image falls through to a later rule");
    ok(strcmp(wh_policy_image_find(p, "reg.io/web")->name, "top") == 0, "reg.io/web → top");
    ok(strcmp(wh_policy_image_find(p, "reg.io/a/b")->name, "rest") == 0, "* stops at '/'");
    ok(wh_policy_image_find(p, "reg.io/web")->mode == WH_POLICY_MODE_ENFORCE &&
           wh_policy_image_find(p, "x/y")->mode == WH_POLICY_MODE_AUDIT &&
           wh_policy_image_find(p, "x/y")->on_error == WH_POLICY_ACTION_ALLOW,
       "per-rule mode and onError override the defaults");
    wh_policy_unref(p);
    if (!ok(parse(HEAD "  images:\n    - {name: only, match: [\"reg.io/*\"]}\n", &p, &err) == WH_OK,
            "one rule loads"))
        return;
    ok(wh_policy_image_find(p, "other.io/x") == NULL, "no matching rule → NULL (noMatch)");
    wh_policy_unref(p);
}

static void
test_exemption_expiry_is_end_of_day_utc(void)
{
    struct wh_policy *p;
    struct wh_error err = {0};

    if (!ok(parse(HEAD "  tiers: {t: [{tier: block, when: {}}]}\n  exemptions:\n"
                       "    - {images: [\"**\"], rule: \"t[0]\", expires: 2024-02-29, reason: r}\n",
                  &p, &err) == WH_OK,
            "leap day exemption loads: %s", err.msg))
        return;
    /* 2024-03-01T00:00:00Z */
    ok(p->exemptions[0].expires == 1709251200, "expires = first second of the next day");
    ok(p->exemptions[0].rule == &p->tiers[0].rules[0], "exemption points at its rule");
    wh_policy_unref(p);
}

static void
test_generation_increments_per_load(void)
{
    struct wh_policy *a, *b;
    struct wh_error err = {0};

    if (!ok(parse(HEAD "  {}\n", &a, &err) == WH_OK && parse(HEAD "  {}\n", &b, &err) == WH_OK,
            "two loads"))
        return;
    ok(wh_policy_generation(a) > 0 && wh_policy_generation(b) > wh_policy_generation(a),
       "generation increases: %llu then %llu", (unsigned long long)wh_policy_generation(a),
       (unsigned long long)wh_policy_generation(b));
    wh_policy_unref(a);
    wh_policy_unref(b);
}

static void *
churn(void *arg)
{
    struct wh_policy *p = arg;
    int i;

    for (i = 0; i < 10000; i++)
        wh_policy_unref(wh_policy_ref(p));
    return NULL;
}

static void
test_refcount_keeps_snapshot_until_last_unref(void)
{
    struct wh_policy *p, *q;
    struct wh_error err = {0};
    pthread_t th[4];
    int i;

    if (!ok(parse(HEAD "  images: [{name: a, match: [\"**\"]}]\n", &p, &err) == WH_OK, "loads"))
        return;
    ok(atomic_load(&p->refs) == 1, "a fresh snapshot holds one reference");
    q = wh_policy_ref(p);
    ok(q == p && atomic_load(&p->refs) == 2, "ref returns the same snapshot, count 2");
    for (i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, churn, p);
    for (i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ok(atomic_load(&p->refs) == 2, "concurrent ref/unref pairs leave the count at 2");
    wh_policy_unref(p);
    ok(strcmp(wh_policy_image_find(q, "x/y")->name, "a") == 0, "still readable after one unref");
    wh_policy_unref(q); /* frees; ASan reports any leak or double free */
    wh_policy_unref(NULL);
    ok(1, "unref(NULL) is a no-op");
}

int
main(void)
{
    test_shipped_policy_loads_with_seed_tiers();
    test_every_example_loads();
    test_keyless_signer_is_kept_with_anchored_regex();
    test_inline_pem_key_is_parsed();
    test_load_errors_name_file_line_col();
    test_oversized_policy_is_limit();
    test_relative_key_file_needs_base_dir();
    test_first_matching_rule_wins_and_exclude_skips();
    test_exemption_expiry_is_end_of_day_utc();
    test_generation_increments_per_load();
    test_refcount_keeps_snapshot_until_last_unref();
    return done_testing();
}
