/* Strict policy loading: the shipped policy's model, every class of load error with its
 * file:line:col, first-match image rules, generations and reference counting. */
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/regex.h"
#include "image/ref.h"
#include "policy/policy.h"
#include "policy/snapshot.h"
#include "unit/harness.h"
#include "verify/keys.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

static bool
re_matches(const struct wh_policy_regex *r, const char *s)
{
    struct wh_error err;
    bool m = false;

    return wh_regex_match(r->re, wh_str_c(s), &m, &err) == WH_OK && m;
}

#define R100                                                                                       \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaa"
#define R600 R100 R100 R100 R100 R100 R100
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
    snprintf(prefix, sizeof(prefix), "%d:%d", err.line, err.col);
    ok(strcmp(prefix, pos) == 0, "%s: err.line:err.col %s (got %s)", name, pos, prefix);
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
    ok(re_matches(s->keyless->subject_re,
                  "https://github.com/acme/payments/.github/workflows/b.yml@refs/heads/main"),
       "subject regex matches the main-branch workflow");
    ok(!re_matches(s->keyless->subject_re, "https://github.com/acme/x@refs/heads/main.evil"),
       "subject regex is anchored at the end");
    ok(!re_matches(s->keyless->subject_re, "evil/https://github.com/acme/x@refs/heads/main"),
       "subject regex is anchored at the start");
    ok(s->keyless->subject_re->line == 8 && s->keyless->subject_re->col == 24 &&
           strcmp(s->keyless->subject_re->where, "signer gh: keyless.subjectRegExp") == 0 &&
           wh_policy_regexes(p) == s->keyless->subject_re && s->keyless->subject_re->next == NULL,
       "the regex is listed with its position for lint (%d:%d %s)", s->keyless->subject_re->line,
       s->keyless->subject_re->col, s->keyless->subject_re->where);
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

/* keys_checked_only_unsafe (driftgate diff): a key OpenSSL would refuse for its point (here one
 * bit flipped, off the curve) loads as a checked key that verifies nothing; broken base64 and a
 * missing file are refused either way; the default load still refuses the off-curve key. */
static void
test_keys_checked_only(void)
{
    static const char off_curve[] =
        HEAD "  signers:\n"
             "    k:\n"
             "      key:\n"
             "        pem: |\n"
             "          -----BEGIN PUBLIC KEY-----\n"
             "          MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMtrI43VOsE3mcsrEtVi+2w1YXcEL\n"
             "          dVe1LG3Qd2n700QeLcK/6AKUSmm8qVGomePyQBqz/zraluU5d9BbzRe89g==\n"
             "          -----END PUBLIC KEY-----\n";
    static const char *const refused[] = {
        HEAD "  signers: {k: {key: {pem: \"-----BEGIN PUBLIC KEY-----\\nMFkw=1\\n-----END PUBLIC "
             "KEY-----\\n\"}}}\n",
        HEAD "  signers: {k: {key: {file: keys/none.pub}}}\n",
        HEAD "  signers: {k: {key: {pem: \"hello\"}}}\n",
    };
    struct wh_policy_load_options checked = {.limits = &lim, .keys_checked_only_unsafe = true};
    struct wh_policy_load_options full = {.limits = &lim};
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    const struct wh_policy_signer *s;
    struct wh_bytes yaml = {(const unsigned char *)off_curve, strlen(off_curve)};

    ok(wh_policy_parse_with(yaml, "t.yaml", "policy", &full, &p, &err) == WH_E_INVALID &&
           strstr(err.msg, "t.yaml:7:") == err.msg &&
           strstr(err.msg, "signer k: key: malformed PEM public key") != NULL,
       "default load refuses an off-curve key at its line: %s", err.msg);
    if (ok(wh_policy_parse_with(yaml, "t.yaml", "policy", &checked, &p, &err) == WH_OK,
           "keys checked only: the off-curve key loads (%s)", err.msg)) {
        s = wh_policy_signer_find(p, "k");
        ok(s != NULL && s->key != NULL && s->keyless == NULL &&
               strcmp(wh_verify_key_type(s->key), "ecdsa-p256") == 0,
           "keys checked only: a key signer (never keyless), type ecdsa-p256");
        ok(s != NULL && s->key != NULL &&
               wh_verify_key_signature(s->key, (struct wh_bytes){(const unsigned char *)"m", 1},
                                       (struct wh_bytes){(const unsigned char *)"\x30\x06\x02\x01"
                                                                                "\x01\x02\x01\x01",
                                                         8},
                                       &err) == WH_E_INTERNAL,
           "keys checked only: the key verifies nothing: %s", err.msg);
        wh_policy_unref(p);
    }
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        yaml = (struct wh_bytes){(const unsigned char *)refused[i], strlen(refused[i])};
        ok(wh_policy_parse_with(yaml, "t.yaml", "policy", &checked, &p, &err) == WH_E_INVALID &&
               strstr(err.msg, "t.yaml:4:") == err.msg && strstr(err.msg, "signer k: key") != NULL,
           "keys checked only: still refused: %s", err.msg);
    }
}

/* A policy file that cannot be read is named once: "policy PATH: why". */
static void
test_unreadable_policy_names_path_once(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};

    ok(wh_policy_load("policy/none.yaml", &lim, &p, &err) == WH_E_NOT_FOUND &&
           strcmp(err.msg, "policy policy/none.yaml: No such file or directory") == 0,
       "missing policy: the path once (%s)", err.msg);
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
    expect_error("lookahead is not RE2",
                 HEAD "  signers:\n    s: {keyless: {issuerRegExp: \"a(?=b)\", subject: s}}\n",
                 WH_E_INVALID, "5:33", "(lookahead is not RE2 syntax) at offset 1");
    expect_error("unbalanced regex cannot reopen the anchors",
                 HEAD "  signers:\n    s: {keyless: {issuer: i, subjectRegExp: \"A)|(B\"}}\n",
                 WH_E_INVALID, "5:45", "unexpected \")\" at offset 1");
    expect_error("regex past the policy bound",
                 HEAD "  signers:\n    s: {keyless: {issuer: i, subjectRegExp: \"" R600 "\"}}\n",
                 WH_E_INVALID, "5:45", "longer than 512 characters");
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

/* Loads `yaml` written to dir/policy.yaml with `o` (limits filled in); rc and err as the load's. */
static enum wh_err
load_in(const char *dir, const char *yaml, struct wh_policy_load_options o, struct wh_error *err)
{
    char path[512];
    struct wh_policy *p = NULL;
    enum wh_err rc;
    FILE *f;

    snprintf(path, sizeof(path), "%s/policy.yaml", dir);
    f = fopen(path, "w");
    if (f == NULL)
        return WH_E_INTERNAL;
    fputs(yaml, f);
    fclose(f);
    o.limits = &lim;
    rc = wh_policy_load_with(path, &o, &p, err);
    wh_policy_unref(p);
    return rc;
}

/* dir/name with the contents of policy/keys/ci.pub. */
static bool
copy_key(const char *dir, const char *name)
{
    char path[512], buf[4096];
    FILE *in = fopen("policy/keys/ci.pub", "rb"), *out;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    out = fopen(path, "wb");
    if (in == NULL || out == NULL) {
        if (in != NULL)
            fclose(in);
        if (out != NULL)
            fclose(out);
        return false;
    }
    n = fread(buf, 1, sizeof(buf), in);
    fwrite(buf, 1, n, out);
    fclose(in);
    return fclose(out) == 0 && n > 0;
}

#define KEY_POLICY(file) HEAD "  signers: {k: {key: {file: " file "}}}\n"

/* policy/ holds the policy, sub/ci.pub, a FIFO and symlinks: in.pub → sub/ci.pub (stays),
 * out.pub → ../keys/ci.pub and outdir → ../keys (leave); keys/ and other/ lie beside it. */
static bool
key_fixture(const char *root)
{
    char p[8][600];

    snprintf(p[0], sizeof(p[0]), "%s/policy", root);
    snprintf(p[1], sizeof(p[1]), "%s/policy/sub", root);
    snprintf(p[2], sizeof(p[2]), "%s/keys", root);
    snprintf(p[3], sizeof(p[3]), "%s/other", root);
    snprintf(p[4], sizeof(p[4]), "%s/policy/in.pub", root);
    snprintf(p[5], sizeof(p[5]), "%s/policy/out.pub", root);
    snprintf(p[6], sizeof(p[6]), "%s/policy/outdir", root);
    snprintf(p[7], sizeof(p[7]), "%s/policy/sub/fifo.pub", root);
    return mkdir(p[0], 0700) == 0 && mkdir(p[1], 0700) == 0 && mkdir(p[2], 0700) == 0 &&
           mkdir(p[3], 0700) == 0 && copy_key(p[1], "ci.pub") && copy_key(p[2], "ci.pub") &&
           copy_key(p[3], "ci.pub") && symlink("sub/ci.pub", p[4]) == 0 &&
           symlink("../keys/ci.pub", p[5]) == 0 && symlink("../keys", p[6]) == 0 &&
           mkfifo(p[7], 0600) == 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void
test_key_files_only_from_allowed_dirs(void)
{
    char root[] = "/tmp/dg-keydirs-XXXXXX", pol[600], keys[600], yaml[1024];
    struct wh_policy_load_options o = {0};
    const char *dirs[1];
    struct wh_error err = {0};
    enum wh_err rc;

    if (!ok(mkdtemp(root) != NULL && key_fixture(root), "key directory fixture"))
        return;
    snprintf(pol, sizeof(pol), "%s/policy", root);
    snprintf(keys, sizeof(keys), "%s/keys", root);
    ok(load_in(pol, KEY_POLICY("sub/ci.pub"), o, &err) == WH_OK,
       "a key in a subdirectory of the policy's directory loads (%s)", err.msg);
    ok(load_in(pol, KEY_POLICY("in.pub"), o, &err) == WH_OK,
       "a symlink that stays in the policy's directory loads (%s)", err.msg);
    rc = load_in(pol, KEY_POLICY("../keys/ci.pub"), o, &err);
    ok(rc == WH_E_INVALID &&
           strstr(err.msg, "outside the directories key files may be read from") &&
           strstr(err.msg, "--key-dir"),
       "a '..' escape is refused and says how to allow it (%s)", err.msg);
    rc = load_in(pol, KEY_POLICY("out.pub"), o, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "/keys/ci.pub, outside"),
       "a symlink leaving the directory is refused, naming where it leads (%s)", err.msg);
    rc = load_in(pol, KEY_POLICY("outdir/ci.pub"), o, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "outside"),
       "a symlinked directory leaving it too (%s)", err.msg);
    snprintf(yaml, sizeof(yaml), HEAD "  signers: {k: {key: {file: %s/other/ci.pub}}}\n", root);
    rc = load_in(pol, yaml, o, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "outside"),
       "an absolute path elsewhere is refused (%s)", err.msg);
    rc = load_in(pol, KEY_POLICY("/proc/self/environ"), o, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "outside"), "/proc/self/environ is refused (%s)",
       err.msg);
    rc = load_in(pol, KEY_POLICY("sub/fifo.pub"), o, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "not a regular file"),
       "a FIFO is refused without blocking (%s)", err.msg);
    /* Allowed directories replace the default: keys/ yes, the policy's own no longer. */
    dirs[0] = keys;
    o.key_dirs = dirs;
    o.n_key_dirs = 1;
    ok(load_in(pol, KEY_POLICY("../keys/ci.pub"), o, &err) == WH_OK,
       "with keys/ allowed, ../keys/ci.pub loads (%s)", err.msg);
    ok(load_in(pol, KEY_POLICY("out.pub"), o, &err) == WH_OK,
       "and so does the symlink into keys/ (%s)", err.msg);
    rc = load_in(pol, KEY_POLICY("sub/ci.pub"), o, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, keys) != NULL,
       "the policy's directory is no longer allowed; the message lists keys/ (%s)", err.msg);
    nftw(root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void
test_max_exemption_days_counts_from_now(void)
{
    const char *yaml = HEAD "  defaults: {maxExemptionDays: 30}\n"
                            "  tiers:\n    t:\n      - {tier: block, when: {devOnly: true}}\n"
                            "  exemptions:\n"
                            "    - {images: [\"a.example/x\"], rule: \"t[0]\", expires: "
                            "\"2026-01-31\", reason: r}\n";
    struct wh_policy_load_options o = {.limits = &lim};
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    struct wh_bytes b = {(const unsigned char *)yaml, strlen(yaml)};
    enum wh_err rc;

    o.now = 1767225600 + 12 * 3600; /* 2026-01-01T12:00:00Z: the 31st is 30 days later */
    rc = wh_policy_parse_with(b, "t.yaml", NULL, &o, &p, &err);
    ok(rc == WH_OK, "an exemption 30 days out loads with maxExemptionDays 30 (%s)", err.msg);
    ok(rc != WH_OK || wh_policy_defaults(p)->max_exemption_days == 30, "the model keeps 30");
    wh_policy_unref(p);
    p = NULL;
    o.now = 1767225600 - 3600; /* 2025-12-31T23:00:00Z: 31 days before */
    rc = wh_policy_parse_with(b, "t.yaml", NULL, &o, &p, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "t.yaml:9:56: spec.exemptions[0].expires: 2026-01-31 "
                                             "is more than spec.defaults.maxExemptionDays (30)"),
       "31 days out is refused at the expires value (%s)", err.msg);
    wh_policy_unref(rc == WH_OK ? p : NULL);
    o.now = 1800000000; /* 2027: an expired exemption is not too far out */
    p = NULL;
    rc = wh_policy_parse_with(b, "t.yaml", NULL, &o, &p, &err);
    ok(rc == WH_OK, "an already expired exemption loads (%s)", err.msg);
    wh_policy_unref(p);
    expect_error("maxExemptionDays 0", HEAD "  defaults: {maxExemptionDays: 0}\n", WH_E_INVALID,
                 "4:32", "out of range 1..3650");
}

static void
test_exemption_any_tag_means_the_repository(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    const char *yaml = HEAD
        "  tiers:\n    t:\n      - {tier: block, when: {devOnly: true}}\n"
        "  exemptions:\n"
        "    - {images: [\"registry.example.com/payments/legacy:*\", \"127.0.0.1:5000/a/**:*\","
        " \"127.0.0.1:5000/b\"], rule: \"t[0]\", expires: \"2026-12-31\", reason: r}\n";

    if (!ok(parse(yaml, &p, &err) == WH_OK, "legacy:* loads (%s)", err.msg))
        return;
    ok(strcmp(p->exemptions[0].images[0], "registry.example.com/payments/legacy") == 0,
       "legacy:* is kept as the repository glob (got %s)", p->exemptions[0].images[0]);
    ok(strcmp(p->exemptions[0].images[1], "127.0.0.1:5000/a/**") == 0 &&
           strcmp(p->exemptions[0].images[2], "127.0.0.1:5000/b") == 0,
       "a registry port is not a tag");
    wh_policy_unref(p);
    expect_error("tag in an exemption",
                 HEAD "  tiers:\n    t:\n      - {tier: block, when: {devOnly: true}}\n"
                      "  exemptions:\n    - {images: [\"a.example/x:v1\"], rule: \"t[0]\", "
                      "expires: \"2026-12-31\", reason: r}\n",
                 WH_E_INVALID, "8:17", "names a tag; exemptions match repositories");
}

static void
test_dev_reference_allow_cli_override(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    const char *yaml =
        HEAD "  signers: {k: {key: {file: keys/ci.pub}}}\n  images:\n"
             "    - name: a\n      match: [\"a.example/**\"]\n"
             "      attestations: {sbom: {predicateType: \"https://cyclonedx.org/bom\", signedBy: "
             "[k]}}\n"
             "      devReference: {image: \"a.example/dev:{{tag}}\", allowCliOverride: true}\n"
             "      tiers: t\n    - name: b\n      match: [\"b.example/**\"]\n"
             "      attestations: {sbom: {predicateType: \"https://cyclonedx.org/bom\", signedBy: "
             "[k]}}\n"
             "      devReference: {image: \"b.example/dev:{{tag}}\"}\n      tiers: t\n"
             "  tiers:\n    t:\n      - {tier: ignore, when: {}}\n";

    if (!ok(parse(yaml, &p, &err) == WH_OK, "allowCliOverride loads (%s)", err.msg))
        return;
    ok(wh_policy_image_get(p, 0)->dev_reference.allow_cli_override &&
           !wh_policy_image_get(p, 0)->dev_reference.allow_pod_annotation,
       "allowCliOverride: true is kept, apart from allowPodAnnotation");
    ok(!wh_policy_image_get(p, 1)->dev_reference.allow_cli_override, "it defaults to false");
    wh_policy_unref(p);
}

#define DEV_RULE(dev)                                                                              \
    HEAD "  signers:\n"                                                                            \
         "    ci-key: {key: {file: keys/ci.pub}}\n"                                                \
         "    other: {keyless: {issuer: \"https://i\", subject: \"s\"}}\n"                         \
         "  images:\n"                                                                             \
         "    - name: r\n"                                                                         \
         "      match: [\"x/*\"]\n"                                                                \
         "      attestations: {sbom: {predicateType: cyclonedx, signedBy: [ci-key]}}\n"            \
         "      devReference: " dev "\n"                                                           \
         "      tiers: t\n"                                                                        \
         "  tiers: {t: [{tier: ignore, when: {}}]}\n"

/* devReference.from: tag (the template) or attestation (a signed dev-environment attestation,
 * so that neither a pushed tag nor a pod annotation chooses the dev image). */
static void
test_dev_reference_from(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    const struct wh_policy_image *img;

    if (ok(parse(DEV_RULE("{from: attestation}"), &p, &err) == WH_OK, "from: attestation loads: %s",
           err.msg)) {
        img = wh_policy_image_get(p, 0);
        ok(img->dev_reference.from == WH_POLICY_DEV_FROM_ATTESTATION &&
               img->dev_reference.image == NULL && img->dev_reference.n_signed_by == 1 &&
               strcmp(img->dev_reference.signed_by[0]->name, "ci-key") == 0,
           "from: attestation, signedBy defaults to the SBOM's signers");
        ok(strcmp(img->sbom.predicate_type, "https://cyclonedx.org/bom") == 0,
           "the SBOM's predicateType is kept as the URI statements carry (%s)",
           img->sbom.predicate_type);
        wh_policy_unref(p);
    }
    if (ok(parse(DEV_RULE("{from: attestation, signedBy: [other]}"), &p, &err) == WH_OK,
           "from: attestation with signedBy loads: %s", err.msg)) {
        img = wh_policy_image_get(p, 0);
        ok(img->dev_reference.n_signed_by == 1 &&
               strcmp(img->dev_reference.signed_by[0]->name, "other") == 0,
           "its own signedBy");
        wh_policy_unref(p);
    }
    if (ok(parse(DEV_RULE("{from: tag, image: \"x/dev:{{tag}}\"}"), &p, &err) == WH_OK,
           "from: tag loads: %s", err.msg)) {
        img = wh_policy_image_get(p, 0);
        ok(img->dev_reference.from == WH_POLICY_DEV_FROM_TAG &&
               strcmp(img->dev_reference.image, "x/dev:{{tag}}") == 0,
           "from: tag keeps the template");
        wh_policy_unref(p);
    }
    expect_error("from: attestation with image",
                 DEV_RULE("{from: attestation, image: \"x/dev:{{tag}}\"}"), WH_E_INVALID, "11:48",
                 "from: attestation takes the dev image from the attestation");
    expect_error("from: attestation with allowPodAnnotation",
                 DEV_RULE("{from: attestation, allowPodAnnotation: true}"), WH_E_INVALID, "11:61",
                 "lets only a signed attestation name the dev image");
    expect_error("signedBy without from: attestation",
                 DEV_RULE("{image: \"x/dev:{{tag}}\", signedBy: [ci-key]}"), WH_E_INVALID, "11:56",
                 "only with from: attestation");
    expect_error("from: tag without image", DEV_RULE("{from: tag}"), WH_E_INVALID, "11:21",
                 "missing required key \"image\"");
    expect_error("unknown from", DEV_RULE("{from: pod}"), WH_E_INVALID, "11:28",
                 "devReference.from");
    expect_error("from: attestation, unknown signer",
                 DEV_RULE("{from: attestation, signedBy: [x]}"), WH_E_INVALID, "11:52",
                 "unknown signer \"x\"");
}

#define AGENT_RULE(agent)                                                                          \
    HEAD "  signers: {ci-key: {key: {file: keys/ci.pub}}}\n"                                       \
         "  images:\n"                                                                             \
         "    - name: r\n"                                                                         \
         "      match: [\"x/*\"]\n"                                                                \
         "      attestations:\n"                                                                   \
         "        sbom: {predicateType: cyclonedx, signedBy: [ci-key]}\n"                          \
         "        agent: " agent "\n"

static void
test_agent_required_and_absent_tier(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    const struct wh_policy_agent *ag;

    if (ok(parse(AGENT_RULE("{raiseDrift: true}"), &p, &err) == WH_OK, "agent loads: %s",
           err.msg)) {
        ag = &wh_policy_image_get(p, 0)->agent;
        ok(ag->required && !ag->must_attest, "agent without required: absence is no finding");
        wh_policy_unref(p);
    }
    if (ok(parse(AGENT_RULE("{required: true}"), &p, &err) == WH_OK, "required loads: %s",
           err.msg)) {
        ag = &wh_policy_image_get(p, 0)->agent;
        ok(ag->must_attest && ag->absent_tier == WH_TIER_BLOCK, "required: absence blocks");
        wh_policy_unref(p);
    }
    if (ok(parse(AGENT_RULE("{required: true, absentTier: warn}"), &p, &err) == WH_OK,
           "absentTier loads: %s", err.msg)) {
        ag = &wh_policy_image_get(p, 0)->agent;
        ok(ag->must_attest && ag->absent_tier == WH_TIER_WARN, "absentTier warn");
        wh_policy_unref(p);
    }
    expect_error("absentTier without required", AGENT_RULE("{absentTier: warn}"), WH_E_INVALID,
                 "10:29", "only with required: true");
    expect_error("absentTier ignore", AGENT_RULE("{required: true, absentTier: ignore}"),
                 WH_E_INVALID, "10:45", "absentTier");
    expect_error("required not a boolean", AGENT_RULE("{required: yes}"), WH_E_INVALID, "10:27",
                 "expected true or false");
}

/* count: N counts distinct signers: two names for one key would let one key count twice. */
static void
test_count_needs_distinct_keys(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    const char *two_names_one_key =
        HEAD "  signers:\n"
             "    a: {key: {file: keys/ci.pub}}\n"
             "    b: {key: {file: keys/ci.pub}}\n"
             "  images: [{name: r, match: [\"x/*\"], signatures: {signedBy: [a, b], count: 2}}]\n";

    expect_error("count 2 over one key under two names", two_names_one_key, WH_E_INVALID, "7:65",
                 "signers a and b hold the same public key");
    ok(parse(HEAD "  signers:\n"
                  "    a: {key: {file: keys/ci.pub}}\n"
                  "    b: {key: {file: keys/ci.pub}}\n"
                  "  images: [{name: r, match: [\"x/*\"], signatures: {signedBy: [a, b]}}]\n",
             &p, &err) == WH_OK,
       "count 1: either name is enough, the same key is fine: %s", err.msg);
    wh_policy_unref(p);
    p = NULL;
    if (ok(parse(HEAD "  signers:\n"
                      "    a: {key: {file: keys/ci.pub}}\n"
                      "    k: {keyless: {issuer: \"https://i\", subject: \"s\"}}\n"
                      "  images: [{name: r, match: [\"x/*\"], signatures: {signedBy: [a, k], "
                      "count: 2}}]\n",
                 &p, &err) == WH_OK,
           "count 2 over a key and a keyless signer loads: %s", err.msg))
        ok(wh_policy_image_get(p, 0)->signatures.count == 2, "count is 2");
    wh_policy_unref(p);
}

/* Issue 12 item 4: every spelling of a registry reaches the rule written for it, whichever
 * spelling the rule's glob used, and never falls through to a later lenient rule. */
static void
test_rules_match_canonical_names(void)
{
    static const char *const local[] = {"localhost:5000/app:v1", "LOCALHOST:5000/app:v1",
                                        "Localhost:5000/app", "localhost:05000/app"};
    static const char *const hub[] = {"nginx",
                                      "docker.io/library/nginx:1",
                                      "registry-1.docker.io/library/nginx",
                                      "index.docker.io/nginx",
                                      "registry.hub.docker.com/library/nginx",
                                      "DOCKER.IO:443/library/nginx"};
    static const char *const host[] = {"reg.example.com/a", "REG.example.com/a",
                                       "reg.example.com:443/a", "Reg.Example.Com:0443/a"};
    const char *yaml = HEAD "  images:\n"
                            "    - {name: local, match: [\"LOCALHOST:5000/**\"]}\n"
                            "    - {name: hub, match: [\"registry-1.docker.io/library/*\"]}\n"
                            "    - {name: host, match: [\"reg.example.com:443/*\"],\n"
                            "       exclude: [\"REG.EXAMPLE.COM/debug\"]}\n"
                            "    - {name: lenient, match: [\"**\"], mode: warn}\n";
    struct wh_policy *p;
    struct wh_error err = {0};
    struct wh_arena a;
    size_t i;

    if (!ok(parse(yaml, &p, &err) == WH_OK, "policy with respelled hosts loads: %s", err.msg))
        return;
    wh_arena_init(&a);
    for (i = 0; i < sizeof(local) / sizeof(local[0]) + sizeof(hub) / sizeof(hub[0]) +
                        sizeof(host) / sizeof(host[0]);
         i++) {
        size_t nl = sizeof(local) / sizeof(local[0]), nh = sizeof(hub) / sizeof(hub[0]);
        const char *in = i < nl ? local[i] : i < nl + nh ? hub[i - nl] : host[i - nl - nh];
        const char *want = i < nl ? "local" : i < nl + nh ? "hub" : "host";
        const struct wh_policy_image *rule = NULL;
        struct wh_image_ref ref;

        if (wh_image_ref_parse(wh_str_c(in), &a, &ref, &err) == WH_OK)
            rule = wh_policy_image_find(p, wh_image_ref_name(&ref, &a));
        ok(rule != NULL && strcmp(rule->name, want) == 0, "%s -> rule %s (got %s)", in, want,
           rule != NULL ? rule->name : "none");
    }
    ok(strcmp(wh_policy_image_find(p, "reg.example.com/debug")->name, "lenient") == 0,
       "an exclude glob's host is canonical too");
    wh_arena_fini(&a);
    wh_policy_unref(p);
}

/* Issue 18: the built-in seed-default, extends with before/after, cycles. */
static void
test_reusable_tiers(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    const struct wh_policy_tiers *t, *seed_tiers;
    enum wh_err rc;

    rc = parse(HEAD "  images:\n    - {name: a, match: [\"**\"], tiers: strict}\n"
                    "  tiers:\n    strict:\n      extends: seed-default\n"
                    "      before: [{tier: block, when: {names: [openssl]}}]\n"
                    "      after: [{tier: warn, when: {devOnly: true}}]\n",
               &p, &err);
    ok(rc == WH_OK, "a list extends the built-in seed-default without copying it: %s", err.msg);
    if (rc != WH_OK)
        return;
    t = wh_policy_tiers_find(p, "strict");
    seed_tiers = wh_policy_tiers_find(p, "seed-default");
    ok(seed_tiers != NULL && seed_tiers->is_builtin && seed_tiers->n_rules == 10,
       "seed-default is built in, with policy/default.yaml's 10 rules");
    ok(t != NULL && t->base == seed_tiers && t->n_rules == 12 &&
           strcmp(t->rules[0].id, "strict.before[0]") == 0 &&
           strcmp(t->rules[1].id, "seed-default[0]") == 0 && t->rules[1].is_builtin &&
           strcmp(t->rules[11].id, "strict.after[0]") == 0,
       "effective list: before, the base's rules with their ids, after");
    wh_policy_unref(p);

    expect_error("extends cycle", HEAD "  tiers:\n    a: {extends: b}\n    b: {extends: a}\n",
                 WH_E_INVALID, "5:18", "a cycle: a extends b, which leads back to a");
    expect_error("extends itself", HEAD "  tiers:\n    a: {extends: a}\n", WH_E_INVALID, "5:18",
                 "a cycle: a extends a");
    expect_error("extends unknown", HEAD "  tiers:\n    a: {extends: nope}\n", WH_E_INVALID, "5:18",
                 "unknown tier list \"nope\"");
    expect_error("extends, unknown key",
                 HEAD "  tiers:\n    a: {extends: seed-default, middle: []}\n", WH_E_INVALID,
                 "5:32", "unknown key \"middle\"");
    expect_error("exemption of a built-in rule needs it to block",
                 HEAD "  exemptions:\n    - {images: [\"**\"], rule: \"seed-default[0]\", "
                      "expires: 2026-01-01, reason: r}\n",
                 WH_E_INVALID, "5:30", "seed-default[0] is not a block rule");
}

/* Issue 18: an image exemption's shape; fail closed on anything malformed. */
static void
test_image_exemption_shape(void)
{
    expect_error("scope image with a rule",
                 HEAD "  exemptions:\n    - {images: [\"a/b\"], scope: image, rule: "
                      "\"seed-default[1]\", expires: 2026-01-01, reason: r}\n",
                 WH_E_INVALID, "5:45", "scope: image lifts the image's signature");
    expect_error("scope image without a reason",
                 HEAD "  exemptions:\n    - {images: [\"a/b\"], scope: image, expires: "
                      "2026-01-01}\n",
                 WH_E_INVALID, "5:7", "missing required key \"reason\"");
    expect_error("scope image without an expiry",
                 HEAD "  exemptions:\n    - {images: [\"a/b\"], scope: image, reason: r}\n",
                 WH_E_INVALID, "5:7", "missing required key \"expires\"");
    expect_error("unknown scope",
                 HEAD "  exemptions:\n    - {images: [\"a/b\"], scope: all, expires: "
                      "2026-01-01, reason: r}\n",
                 WH_E_INVALID, "5:32", "expected one of finding|image");
    expect_error("a digest cannot narrow an exemption",
                 HEAD "  exemptions:\n    - {images: [\"r.io/a/b@sha256:00\"], scope: image, "
                      "expires: 2026-01-01, reason: r}\n",
                 WH_E_INVALID, "5:17", "names a digest");
    expect_error("a tag cannot narrow an exemption",
                 HEAD "  exemptions:\n    - {images: [\"r.io/a/b:v1\"], scope: image, "
                      "expires: 2026-01-01, reason: r}\n",
                 WH_E_INVALID, "5:17", "names a tag");
    expect_error("finding scope still needs its rule",
                 HEAD "  exemptions:\n    - {images: [\"a/b\"], expires: 2026-01-01, "
                      "reason: r}\n",
                 WH_E_INVALID, "5:7", "missing required key \"rule\"");
}

/* Issue 18 item 4: GitHub claims take a regex form; pattern characters in exact fields are
 * refused with the regex to write. */
static void
test_exact_claims_refuse_patterns(void)
{
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    const struct wh_policy_signer *s;
    enum wh_err rc;

    expect_error("glob in github.ref",
                 HEAD "  signers:\n    gh: {keyless: {issuer: i, subject: s, github: {ref: "
                      "\"refs/tags/v*\"}}}\n",
                 WH_E_INVALID, "5:57",
                 "write refRegExp: \"refs/tags/v.*\" (RE2, whole value) instead");
    expect_error("glob in subject",
                 HEAD "  signers:\n    gh: {keyless: {issuer: i, subject: \"https://x/*.yml\"}}\n",
                 WH_E_INVALID, "5:40", "write subjectRegExp: \"https://x/.*\\.yml\"");
    expect_error("bracket in an extension value",
                 HEAD "  signers:\n    gh: {keyless: {issuer: i, subject: s, extensions: "
                      "{buildTrigger: \"[push]\"}}}\n",
                 WH_E_INVALID, "5:70", "pattern characters (*, ?, [) are refused here");
    expect_error("ref and refRegExp",
                 HEAD "  signers:\n    gh: {keyless: {issuer: i, subject: s, github: {ref: r, "
                      "refRegExp: \"r.*\"}}}\n",
                 WH_E_INVALID, "5:71", "give one of ref or refRegExp, not both");
    rc = parse(HEAD "  signers:\n    gh: {keyless: {issuer: i, subject: s, github: "
                    "{refRegExp: \"refs/tags/v.*\", repositoryRegExp: \"acme/.*\"}}}\n",
               &p, &err);
    ok(rc == WH_OK, "refRegExp and repositoryRegExp load: %s", err.msg);
    if (rc != WH_OK)
        return;
    s = wh_policy_signer_find(p, "gh");
    ok(s != NULL && s->keyless->github.ref == NULL && s->keyless->github.ref_re != NULL &&
           re_matches(s->keyless->github.ref_re, "refs/tags/v1.2") &&
           !re_matches(s->keyless->github.ref_re, "refs/heads/refs/tags/v1"),
       "refRegExp is matched against the whole ref");
    wh_policy_unref(p);
}

struct seen {
    size_t n;
    char first[600], last[600];
};

static void
collect(void *arg, const struct wh_error *e)
{
    struct seen *s = arg;

    if (s->n++ == 0)
        snprintf(s->first, sizeof(s->first), "%s", e->msg);
    snprintf(s->last, sizeof(s->last), "%s", e->msg);
}

/* Issue 18 item 4: one load reports every entry's error, and returns the first. */
static void
test_every_error_in_one_run(void)
{
    static const char yaml[] =
        HEAD "  signers:\n    bad: {keyless: {issuer: i}}\n"
             "  images:\n    - {name: a, match: [\"**\"], signatures: {signedBy: [bad]}}\n"
             "    - {name: b, match: [\"x/**\"], tiers: nope}\n"
             "  exemptions:\n    - {images: [\"**\"], rule: \"t[0]\", expires: 2026-01-01, "
             "reason: r}\n";
    struct seen seen = {0};
    struct wh_policy_load_options o = {.limits = &lim, .on_error = collect, .on_error_arg = &seen};
    struct wh_policy *p = NULL;
    struct wh_error err = {0};
    enum wh_err rc;

    rc = wh_policy_parse_with((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)},
                              "t.yaml", "policy", &o, &p, &err);
    ok(rc == WH_E_INVALID && seen.n == 3, "three broken entries, three errors (got %zu)", seen.n);
    ok(strstr(seen.first, "t.yaml:5:20: signer bad: keyless: give exactly one of subject") ==
           seen.first,
       "the signer's first: %s", seen.first);
    ok(strstr(seen.last, "t.yaml:10:30: spec.exemptions[0].rule: unknown tier rule") == seen.last,
       "the exemption's last: %s", seen.last);
    ok(strcmp(err.msg, seen.first) == 0, "the load fails with the first: %s", err.msg);
    if (rc == WH_OK)
        wh_policy_unref(p);
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
    test_key_files_only_from_allowed_dirs();
    test_max_exemption_days_counts_from_now();
    test_exemption_any_tag_means_the_repository();
    test_dev_reference_allow_cli_override();
    test_dev_reference_from();
    test_agent_required_and_absent_tier();
    test_count_needs_distinct_keys();
    test_rules_match_canonical_names();
    test_reusable_tiers();
    test_image_exemption_shape();
    test_exact_claims_refuse_patterns();
    test_every_error_in_one_run();
    test_keys_checked_only();
    test_unreadable_policy_names_path_once();
    return done_testing();
}
