/*
 * pipeline/image_check.c against tests/support/fault_registry.c serving a signed registry world
 * from static routes (keys from testsign.c, real curl, real verification): every row of README's
 * "Infrastructure or evidence" table that a registry answer produces, each with the code it must
 * carry and the verdict it must reach under onError: allow (infrastructure: allowed; evidence:
 * denied); signatures.count over distinct signers; the tag of name:TAG@sha256:D bound to D before
 * it chooses the dev image; devReference.from: attestation; agent attestations that list commits
 * winning over empty ones.
 */
#include "pipeline/image_check.h"

#include <stdio.h>

#include "base/clock.h"
#include "base/digest.h"
#include "base/str.h"
#include "pipeline/fanout.h"
#include "pipeline/memo.h"
#include "pipeline/resolve.h"
#include "pipeline/signatures.h"
#include "policy/policy.h"
#include "registry/client.h"
#include "support/fault_registry.h"
#include "support/testsign.h"
#include "unit/harness.h"
#include "verify/predicates.h"

#define OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define CDX_PROD                                                                                   \
    "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\","  \
    "\"name\":\"libssl3\",\"version\":\"3.0.11\",\"purl\":\"pkg:deb/debian/libssl3@3.0.11\"}]}"
#define CDX_DEV_SSL                                                                                \
    "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[{\"type\":\"library\","  \
    "\"name\":\"libssl3\",\"version\":\"3.0.11\",\"purl\":\"pkg:deb/debian/libssl3@3.0.11\"},"     \
    "{\"type\":\"library\",\"name\":\"libssl-dev\",\"version\":\"3.0.11\",\"purl\":"               \
    "\"pkg:deb/debian/libssl-dev@3.0.11\"}]}"

static struct wh_limits lim = WH_LIMITS_DEFAULT;
static EVP_PKEY *ci, *other;
static struct wh_arena keys_arena;

/* One registry world: a fault registry with static routes, a client and a policy for it. */
struct world {
    struct wh_arena a;
    struct fault_registry *f;
    const char *addr;
    struct wh_registry_client *client;
    struct wh_policy *policy;
};

static char *
pem_block(EVP_PKEY *key, struct wh_arena *a)
{
    struct wh_bytes pem = testsign_pubkey_pem(key, a);
    char *out = wh_arena_alloc(a, pem.len * 2 + 64);
    size_t i, k = 0;

    /* indented for a YAML block scalar */
    for (i = 0; i < pem.len; i++) {
        if (i == 0 || pem.ptr[i - 1] == '\n') {
            memcpy(out + k, "          ", 10);
            k += 10;
        }
        out[k++] = (char)pem.ptr[i];
    }
    return out;
}

static void
world_start(struct world *w)
{
    struct wh_registry_options o;
    struct wh_error err = {0};
    const char *hosts[2];

    memset(w, 0, sizeof(*w));
    wh_arena_init(&w->a);
    w->f = fault_registry_start(NULL, 0);
    w->addr = wh_arena_strdup(&w->a, fault_registry_addr(w->f));
    hosts[0] = w->addr;
    hosts[1] = "127.0.0.1:1"; /* nothing listens: connection refused */
    memset(&o, 0, sizeof(o));
    o.plain_http_hosts = hosts;
    o.n_plain_http_hosts = 2;
    o.limits = lim;
    o.retry.max_attempts = 2;
    o.retry.base_ms = 5;
    WH_ASSERT(wh_registry_client_new(&o, &w->client, &err) == WH_OK);
}

static void
world_stop(struct world *w)
{
    wh_policy_unref(w->policy);
    wh_registry_client_free(w->client);
    fault_registry_stop(w->f);
    wh_arena_fini(&w->a);
}

/* The policy for this world: `rule` is the YAML of spec.images[0] after its name and match. */
static bool
world_policy(struct world *w, const char *defaults, const char *rule)
{
    struct wh_error err = {0};
    const char *yaml = wh_arena_sprintf(
        &w->a,
        "apiVersion: driftgate.dev/v1alpha1\nkind: Policy\nspec:\n"
        "  defaults: {%s}\n"
        "  signers:\n"
        "    ci-key:\n      transparencyLog: optional\n      key:\n        pem: |\n%s"
        "    other-key:\n      transparencyLog: optional\n      key:\n        pem: |\n%s"
        "  images:\n"
        "    - name: app\n"
        "      match: [\"%s/demo/app\", \"127.0.0.1:1/demo/app\", \"localhost:*/demo/app\"]\n"
        "%s"
        "  tiers: {t: [{tier: ignore, when: {devOnly: true, names: [vim]}},"
        " {tier: block, when: {devOnly: true, nameContains: [ssl]}}, {tier: ignore, when: {}}]}\n",
        defaults, pem_block(ci, &w->a), pem_block(other, &w->a), w->addr, rule);

    wh_policy_unref(w->policy);
    w->policy = NULL;
    if (wh_policy_parse((struct wh_bytes){(const unsigned char *)yaml, strlen(yaml)}, "t.yaml",
                        NULL, &lim, &w->policy, &err) != WH_OK) {
        printf("# policy: %s\n", err.msg);
        return false;
    }
    return true;
}

#define RULE_TAG                                                                                   \
    "      signatures: {signedBy: [ci-key]}\n"                                                     \
    "      attestations: {sbom: {predicateType: cyclonedx, signedBy: [ci-key]}}\n"                 \
    "      devReference: {image: \"%s/demo/dev:{{tag}}\"}\n"                                       \
    "      tiers: t\n"

static void
route(struct world *w, const char *repo, const char *kind, const char *ref, const char *headers,
      const char *body)
{
    fault_registry_route(w->f, wh_arena_sprintf(&w->a, "/v2/%s/%s/%s", repo, kind, ref), 200,
                         headers, body);
}

static const char *
blob(struct world *w, const char *repo, const char *body)
{
    char d[WH_DIGEST_STR_LEN];

    wh_digest_sha256_str(body, strlen(body), d);
    route(w, repo, "blobs", d, "", body);
    return wh_arena_strdup(&w->a, d);
}

static const char *
digest_of(struct world *w, const char *body)
{
    char d[WH_DIGEST_STR_LEN];

    wh_digest_sha256_str(body, strlen(body), d);
    return wh_arena_strdup(&w->a, d);
}

/* A manifest body under `tag` (if any) and its digest; returns the digest. */
static const char *
manifest(struct world *w, const char *repo, const char *tag, const char *media_type,
         const char *body)
{
    const char *d = digest_of(w, body);
    const char *h = wh_arena_sprintf(&w->a, "Content-Type: %s\r\n", media_type);

    if (tag != NULL)
        route(w, repo, "manifests", tag, h, body);
    route(w, repo, "manifests", d, h, body);
    return d;
}

/* An image manifest whose content is `label` (a distinct digest per label). */
static const char *
image(struct world *w, const char *repo, const char *tag, const char *label)
{
    return manifest(
        w, repo, tag, OCI_MANIFEST,
        wh_arena_sprintf(&w->a,
                         "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{"
                         "\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":"
                         "\"%s\",\"size\":%zu},\"layers\":[]}",
                         digest_of(w, label), strlen(label)));
}

/* A cosign .sig/.att manifest at sha256-<hex>.<suffix> with `layers` ("{...},{...}"). */
static void
cosign_manifest(struct world *w, const char *repo, const char *digest, const char *suffix,
                const char *layers)
{
    route(w, repo, "manifests", wh_arena_sprintf(&w->a, "sha256-%s.%s", digest + 7, suffix),
          "Content-Type: " OCI_MANIFEST "\r\n",
          wh_arena_sprintf(&w->a,
                           "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{"
                           "\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                           "\"digest\":\"sha256:%064d\",\"size\":2},\"layers\":[%s]}",
                           0, layers));
}

/* One .sig layer: a simple-signing payload for `digest` signed by `key`. */
static const char *
sig_layer(struct world *w, const char *repo, const char *digest, EVP_PKEY *key)
{
    const char *payload =
        testsign_simple_signing(wh_arena_sprintf(&w->a, "%s/%s", w->addr, repo), digest, &w->a);
    struct wh_bytes sig = testsign_sign(
        key, NULL, (struct wh_bytes){(const unsigned char *)payload, strlen(payload)}, &w->a);

    return wh_arena_sprintf(
        &w->a,
        "{\"mediaType\":\"application/vnd.dev.cosign.simplesigning.v1+json\",\"digest\":\"%s\","
        "\"size\":%zu,\"annotations\":{\"dev.cosignproject.cosign/signature\":\"%s\"}}",
        blob(w, repo, payload), strlen(payload), wh_digest_base64_encode(sig.ptr, sig.len, &w->a));
}

/* One .att layer: an in-toto statement about `digest` signed by `key` in a DSSE envelope. */
static const char *
att_layer(struct world *w, const char *repo, const char *digest, EVP_PKEY *key, const char *type,
          const char *predicate)
{
    const char *st = testsign_statement(digest, type, predicate, &w->a);
    const char *env =
        testsign_dsse_envelope(key, "application/vnd.in-toto+json",
                               (struct wh_bytes){(const unsigned char *)st, strlen(st)}, &w->a);

    return wh_arena_sprintf(&w->a,
                            "{\"mediaType\":\"application/vnd.dsse.envelope.v1+json\",\"digest\":"
                            "\"%s\",\"size\":%zu,\"annotations\":{\"predicateType\":\"%s\"}}",
                            blob(w, repo, env), strlen(env), type);
}

/* A signed image with a CycloneDX SBOM attestation (and `more` .att layers, "" for none). */
static const char *
signed_image(struct world *w, const char *repo, const char *tag, const char *label,
             const char *sbom, const char *more)
{
    const char *d = image(w, repo, tag, label);

    cosign_manifest(w, repo, d, "sig", sig_layer(w, repo, d, ci));
    cosign_manifest(w, repo, d, "att",
                    wh_arena_sprintf(&w->a, "%s%s%s",
                                     att_layer(w, repo, d, ci, "https://cyclonedx.org/bom", sbom),
                                     *more != '\0' ? "," : "", more));
    return d;
}

/* check() with the worker's fetch helpers: one image's fetches overlap (evidence.c, the dev image
 * beside the production one); every row must come out the same. */
static bool check_at_once;

/* What one image check produced, and the verdict policy evaluation reaches on it. */
struct outcome {
    struct wh_image_result r;
    struct wh_decision d;
    const char *message; /* first denial, else first warning, else "" */
};

static void
check(struct world *w, const char *image_ref, const char *pod_dev, int64_t budget_ms,
      struct outcome *out)
{
    struct wh_image_check_ctx ctx;
    struct wh_image_eval ev;

    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = w->policy;
    ctx.registry = w->client;
    ctx.registry_error = "";
    ctx.limits = &lim;
    ctx.deadline_ms = wh_clock_mono_ms() + budget_ms;
    ctx.now = wh_clock_wall();
    ctx.arena = &w->a;
    ctx.generation = wh_policy_generation(w->policy);
    ctx.fanout = check_at_once ? wh_pipeline_fanout_new(w->client, 4) : NULL;
    wh_pipeline_image_check_one(&ctx, image_ref, pod_dev, NULL, &out->r);
    wh_pipeline_fanout_free(ctx.fanout);
    wh_decision_init(&out->d, &w->a);
    memset(&ev, 0, sizeof(ev));
    ev.path = "spec.containers[0].image";
    ev.image = image_ref;
    ev.digest = out->r.digest;
    ev.name = out->r.name;
    ev.rule = out->r.rule;
    ev.facts = &out->r.facts;
    ev.diff = out->r.diff;
    ev.dev_image = out->r.dev_image;
    ev.dev_digest = out->r.dev_digest;
    ev.error = out->r.error;
    ev.error_code = out->r.error_code;
    ev.dev_error = out->r.dev_error;
    ev.dev_error_code = out->r.dev_error_code;
    ev.verify_detail = out->r.verify_detail;
    ev.signature_detail = out->r.signature_detail;
    ev.dev_predicates = out->r.dev_predicates;
    if (out->r.invalid != NULL)
        wh_decision_deny(&out->d, "%s", out->r.invalid);
    else
        wh_policy_evaluate_image(w->policy, &ev, ctx.now, &out->d);
    wh_policy_finish(&out->d);
    out->message = out->d.n_denials > 0    ? out->d.denials[0]
                   : out->d.n_warnings > 0 ? out->d.warnings[0]
                                           : "";
}

static bool
has(const char *s, const char *sub)
{
    return s != NULL && strstr(s, sub) != NULL;
}

/* A world with app:ok (signed, SBOM) and dev:ok (SBOM) under a rule with a {{tag}} dev reference
 * and onError: allow, so only infrastructure may be waved through. */
static void
standard_world(struct world *w)
{
    world_start(w);
    WH_ASSERT(world_policy(w, "onError: allow", wh_arena_sprintf(&w->a, RULE_TAG, w->addr)));
    signed_image(w, "demo/app", "ok", "app-ok", CDX_PROD, "");
    signed_image(w, "demo/dev", "ok", "dev-ok", CDX_PROD, "");
}

static void
test_clean_world_is_allowed(void)
{
    struct world w;
    struct outcome o;

    standard_world(&w);
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:ok", w.addr), NULL, 5000, &o);
    ok(o.d.allowed && o.r.error == NULL && o.r.dev_error == NULL && o.r.diff != NULL &&
           o.r.dev_digest != NULL,
       "signed app:ok with a dev image → allowed, drift checked: %s", o.message);
    world_stop(&w);
}

/* Infrastructure: onError decides (allow here), and the code says so. */
static void
test_infrastructure_rows(void)
{
    static const struct {
        const char *what, *fault, *match;
        enum wh_err code;
        int64_t budget_ms;
    } rows[] = {
        {"HTTP 503 (after retries)", "503", "/manifests/ok", WH_E_UNAVAILABLE, 5000},
        {"HTTP 429 (after retries)", "429:0", "/manifests/ok", WH_E_UNAVAILABLE, 5000},
        {"connection reset", "reset", "/manifests/ok", WH_E_UNAVAILABLE, 5000},
        {"truncated body", "truncated", "/manifests/ok", WH_E_UNAVAILABLE, 5000},
        {"registry slower than the deadline", "slow:3000", "/manifests/ok", WH_E_TIMEOUT, 600},
        {"HTTP 503 on the .sig", "503", ".sig", WH_E_UNAVAILABLE, 5000},
        {"HTTP 503 on a blob", "503", "/blobs/", WH_E_UNAVAILABLE, 5000},
    };
    struct world w;
    struct outcome o;
    size_t i;

    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        standard_world(&w);
        fault_registry_set(w.f, rows[i].fault, rows[i].match, 0);
        check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:ok", w.addr), NULL, rows[i].budget_ms, &o);
        ok(o.r.error != NULL && o.r.error_code == rows[i].code &&
               wh_policy_on_error_applies(o.r.error_code) && o.d.allowed,
           "infrastructure: %s → %s, onError: allow admits it (%s)", rows[i].what,
           wh_error_name(rows[i].code), o.r.error != NULL ? o.r.error : "no error");
        world_stop(&w);
    }

    standard_world(&w);
    check(&w, "127.0.0.1:1/demo/app:ok", NULL, 5000, &o);
    ok(o.r.error_code == WH_E_UNAVAILABLE && o.d.allowed,
       "infrastructure: registry down (connection refused) → WH_E_UNAVAILABLE (%s)",
       o.r.error != NULL ? o.r.error : "no error");
    /* localhost:PORT is not a plain-http host: TLS to a server that answers HTTP */
    check(&w, wh_arena_sprintf(&w.a, "localhost:%s/demo/app:ok", strchr(w.addr, ':') + 1), NULL,
          5000, &o);
    ok(o.r.error_code == WH_E_UNAVAILABLE && o.d.allowed,
       "infrastructure: TLS handshake fails → WH_E_UNAVAILABLE (%s)",
       o.r.error != NULL ? o.r.error : "no error");
    world_stop(&w);

    world_start(&w);
    WH_ASSERT(world_policy(&w, "onError: allow", wh_arena_sprintf(&w.a, RULE_TAG, w.addr)));
    fault_registry_route(w.f, "/v2/demo/app/manifests/ok", 401, "", "{}");
    fault_registry_route(w.f, "/v2/demo/app/manifests/bad-auth", 401,
                         "WWW-Authenticate: Negotiate\r\n", "{}");
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:ok", w.addr), NULL, 5000, &o);
    ok(o.r.error_code == WH_E_UNAVAILABLE && o.d.allowed,
       "infrastructure: HTTP 401 → WH_E_UNAVAILABLE (%s)", o.r.error);
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:bad-auth", w.addr), NULL, 5000, &o);
    ok(o.r.error_code == WH_E_UNAVAILABLE && o.d.allowed,
       "infrastructure: an unusable WWW-Authenticate challenge → WH_E_UNAVAILABLE (%s)", o.r.error);
    world_stop(&w);

    /* the dev image's registry down: only the drift part goes to onError */
    world_start(&w);
    WH_ASSERT(world_policy(&w, "onError: allow",
                           "      signatures: {signedBy: [ci-key]}\n"
                           "      attestations: {sbom: {predicateType: cyclonedx, signedBy: "
                           "[ci-key]}}\n"
                           "      devReference: {image: \"127.0.0.1:1/demo/dev:{{tag}}\"}\n"
                           "      tiers: t\n"));
    signed_image(&w, "demo/app", "ok", "app-ok", CDX_PROD, "");
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:ok", w.addr), NULL, 5000, &o);
    ok(o.r.error == NULL && o.r.dev_error_code == WH_E_UNAVAILABLE && o.d.allowed,
       "infrastructure: the dev image's registry down → dev_error WH_E_UNAVAILABLE, onError (%s)",
       o.r.dev_error);
    world_stop(&w);
}

/* Evidence: what a pusher can write decides as a failed verification, whatever onError says. */
static void
test_evidence_rows(void)
{
    struct world w;
    struct outcome o;
    const char *d, *app;
    const char *many;
    size_t i;

    standard_world(&w);
    app = wh_arena_sprintf(&w.a, "%s/demo/app", w.addr);
    check(&w, wh_arena_sprintf(&w.a, "%s:notyet", app), NULL, 5000, &o);
    ok(o.r.error_code == WH_E_NOT_FOUND && !o.d.allowed && has(o.message, "HTTP 404"),
       "evidence: tag absent → WH_E_NOT_FOUND, denied: %s", o.message);
    route(&w, "demo/app", "manifests", "garbage", "Content-Type: " OCI_MANIFEST "\r\n",
          "{not json");
    check(&w, wh_arena_sprintf(&w.a, "%s:garbage", app), NULL, 5000, &o);
    ok(o.r.error_code == WH_E_INVALID && !o.d.allowed && has(o.message, "manifest JSON"),
       "evidence: malformed manifest at the tag → WH_E_INVALID, denied: %s", o.message);
    route(&w, "demo/app", "manifests", "helm", "Content-Type: application/vnd.cncf.helm.x\r\n",
          "{\"schemaVersion\":2}");
    check(&w, wh_arena_sprintf(&w.a, "%s:helm", app), NULL, 5000, &o);
    ok(o.r.error_code == WH_E_INVALID && !o.d.allowed,
       "evidence: not an image manifest → WH_E_INVALID, denied: %s", o.message);
    d = digest_of(&w, "another body");
    route(&w, "demo/app", "manifests", d, "Content-Type: " OCI_MANIFEST "\r\n",
          "{\"schemaVersion\":2,\"mediaType\":\"" OCI_MANIFEST "\",\"config\":{\"mediaType\":\"x\","
          "\"digest\":\"sha256:"
          "0000000000000000000000000000000000000000000000000000000000000000"
          "\",\"size\":1},\"layers\":[]}");
    check(&w, wh_arena_sprintf(&w.a, "%s@%s", app, d), NULL, 5000, &o);
    ok(o.r.error_code == WH_E_VERIFY && !o.d.allowed && has(o.message, "digest mismatch"),
       "evidence: manifest that does not hash to its digest → WH_E_VERIFY, denied: %s", o.message);
    /* an index listing more platforms than the pipeline considers */
    many = "";
    for (i = 0; i <= WH_PIPELINE_MAX_PLATFORMS; i++)
        many = wh_arena_sprintf(
            &w.a,
            "%s%s{\"mediaType\":\"" OCI_MANIFEST "\",\"digest\":\"sha256:%064zx\","
            "\"size\":1,\"platform\":{\"os\":\"linux\",\"architecture\":\"a%zu\"}}",
            many, i == 0 ? "" : ",", i, i);
    many = wh_arena_sprintf(
        &w.a, "{\"schemaVersion\":2,\"mediaType\":\"" OCI_INDEX "\",\"manifests\":[%s]}", many);
    manifest(&w, "demo/app", "wide", OCI_INDEX, many);
    check(&w, wh_arena_sprintf(&w.a, "%s:wide", app), NULL, 5000, &o);
    ok(o.r.error_code == WH_E_LIMIT && !o.d.allowed,
       "evidence: an index over %d platforms → WH_E_LIMIT, denied: %s", WH_PIPELINE_MAX_PLATFORMS,
       o.message);
    world_stop(&w);

    standard_world(&w);
    fault_registry_set(w.f, "oversized", "/manifests/ok", 0);
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:ok", w.addr), NULL, 5000, &o);
    ok(o.r.error_code == WH_E_LIMIT && !o.d.allowed,
       "evidence: oversized manifest → WH_E_LIMIT, denied: %s", o.message);
    world_stop(&w);

    /* .sig / .att / referrers a pusher wrote: missing evidence, never onError */
    world_start(&w);
    WH_ASSERT(world_policy(&w, "onError: allow", wh_arena_sprintf(&w.a, RULE_TAG, w.addr)));
    d = image(&w, "demo/app", "idx", "app-idx");
    route(&w, "demo/app", "manifests", wh_arena_sprintf(&w.a, "sha256-%s.sig", d + 7),
          "Content-Type: " OCI_INDEX "\r\n",
          "{\"schemaVersion\":2,\"mediaType\":\"" OCI_INDEX "\",\"manifests\":[]}");
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:idx", w.addr), NULL, 5000, &o);
    ok(o.r.error == NULL && has(o.r.signature_detail, "cosign manifest is an index") &&
           !o.d.allowed && has(o.message, "no verified signature by ci-key"),
       "evidence: an empty index at sha256-<hex>.sig → no signature, denied: %s", o.message);
    d = image(&w, "demo/app", "many", "app-many");
    {
        const char *l = sig_layer(&w, "demo/app", d, ci);
        const char *all = l;
        for (i = 1; i <= lim.signatures; i++)
            all = wh_arena_sprintf(&w.a, "%s,%s", all, l);
        cosign_manifest(&w, "demo/app", d, "sig", all);
    }
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:many", w.addr), NULL, 5000, &o);
    ok(o.r.error == NULL && has(o.r.signature_detail, "layers (limit") && !o.d.allowed,
       "evidence: more .sig layers than limits.signatures → no signature, denied: %s",
       o.r.signature_detail);
    d = image(&w, "demo/app", "alt", "app-alt");
    {
        const char *payload = testsign_simple_signing("x", d, &w.a);
        char bd[WH_DIGEST_STR_LEN];
        wh_digest_sha256_str(payload, strlen(payload), bd);
        route(&w, "demo/app", "blobs", bd, "", "not the payload");
        cosign_manifest(&w, "demo/app", d, "sig",
                        wh_arena_sprintf(&w.a,
                                         "{\"mediaType\":\"x\",\"digest\":\"%s\",\"size\":%zu,"
                                         "\"annotations\":{\"dev.cosignproject.cosign/signature\":"
                                         "\"AA==\"}}",
                                         bd, strlen(payload)));
    }
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:alt", w.addr), NULL, 5000, &o);
    ok(o.r.error == NULL && has(o.r.signature_detail, "blob digest mismatch") && !o.d.allowed,
       "evidence: a .sig blob that does not hash to its digest → no signature, denied: %s",
       o.r.signature_detail);
    d = image(&w, "demo/app", "attidx", "app-attidx");
    cosign_manifest(&w, "demo/app", d, "sig", sig_layer(&w, "demo/app", d, ci));
    route(&w, "demo/app", "manifests", wh_arena_sprintf(&w.a, "sha256-%s.att", d + 7),
          "Content-Type: " OCI_INDEX "\r\n",
          "{\"schemaVersion\":2,\"mediaType\":\"" OCI_INDEX "\",\"manifests\":[]}");
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:attidx", w.addr), NULL, 5000, &o);
    ok(o.r.error == NULL && has(o.r.verify_detail, "cosign manifest is an index") && !o.d.allowed &&
           has(o.message, "no verified SBOM attestation"),
       "evidence: an index at sha256-<hex>.att → no SBOM, denied: %s", o.message);
    d = image(&w, "demo/app", "refs", "app-refs");
    /* the referrers fallback tag sha256-<hex> holds an image manifest, not an index */
    image(&w, "demo/app", wh_arena_sprintf(&w.a, "sha256-%s", d + 7), "junk");
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:refs", w.addr), NULL, 5000, &o);
    ok(o.r.error == NULL && has(o.r.signature_detail, "sigstore bundle referrers") && !o.d.allowed,
       "evidence: a manifest that is not an index at the referrers fallback tag → missing "
       "bundles, denied: %s",
       o.r.signature_detail);
    world_stop(&w);
}

/* The dev side: every failure is evidence except an unreachable registry. */
static void
test_dev_evidence_rows(void)
{
    struct world w;
    struct outcome o;
    const char *app;

    standard_world(&w);
    app = wh_arena_sprintf(&w.a, "%s/demo/app", w.addr);
    signed_image(&w, "demo/app", "nodev", "app-nodev", CDX_PROD, "");
    check(&w, wh_arena_sprintf(&w.a, "%s:nodev", app), NULL, 5000, &o);
    ok(o.r.error == NULL && o.r.dev_error_code == WH_E_NOT_FOUND && !o.d.allowed &&
           has(o.message, "could not check drift against the dev image"),
       "evidence: dev tag absent → dev_error WH_E_NOT_FOUND, denied: %s", o.message);
    signed_image(&w, "demo/app", "bare", "app-bare", CDX_PROD, "");
    image(&w, "demo/dev", "bare", "dev-bare");
    check(&w, wh_arena_sprintf(&w.a, "%s:bare", app), NULL, 5000, &o);
    ok(o.r.dev_error_code == WH_E_NOT_FOUND && !o.d.allowed &&
           has(o.message, "has no verified SBOM attestation"),
       "evidence: dev image without an SBOM attestation → denied: %s", o.message);
    check(&w, wh_arena_sprintf(&w.a, "%s@%s", app, o.r.digest), NULL, 5000, &o);
    ok(o.r.dev_error_code == WH_E_INVALID && !o.d.allowed &&
           has(o.message, "needs the image tag, but"),
       "evidence: digest-only reference with a {{tag}} dev reference → denied: %s", o.message);
    world_stop(&w);

    world_start(&w);
    WH_ASSERT(world_policy(&w, "onError: allow",
                           "      attestations: {sbom: {predicateType: cyclonedx, signedBy: "
                           "[ci-key]}}\n"
                           "      devReference: {image: \"x/dev:{{tag}}\", allowPodAnnotation: "
                           "true}\n"
                           "      tiers: t\n"));
    signed_image(&w, "demo/app", "ok", "app-ok", CDX_PROD, "");
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:ok", w.addr), "Not A Reference", 5000, &o);
    ok(o.r.dev_error_code == WH_E_INVALID && !o.d.allowed,
       "evidence: a pod's dev-image annotation that is no reference → denied: %s", o.message);
    world_stop(&w);
}

/* name:TAG@sha256:D: the tag chooses the dev image, so it must name D (or an index holding D). */
static void
test_tag_must_name_the_digest(void)
{
    struct world w;
    struct outcome o;
    const char *app, *ok_d, *ssl_d, *plat, *idx;

    standard_world(&w);
    app = wh_arena_sprintf(&w.a, "%s/demo/app", w.addr);
    ok_d = image(&w, "demo/app", NULL, "app-ok"); /* app:ok's digest */
    ssl_d = signed_image(&w, "demo/app", "devssl", "app-devssl", CDX_PROD, "");
    signed_image(&w, "demo/dev", "devssl", "dev-devssl", CDX_DEV_SSL, "");
    check(&w, wh_arena_sprintf(&w.a, "%s:devssl", app), NULL, 5000, &o);
    ok(!o.d.allowed && has(o.message, "blocked by t[1]"),
       "app:devssl → blocked by its dev image: %s", o.message);
    check(&w, wh_arena_sprintf(&w.a, "%s:ok@%s", app, ssl_d), NULL, 5000, &o);
    ok(!o.d.allowed && o.r.dev_error_code == WH_E_VERIFY &&
           has(o.message, wh_arena_sprintf(&w.a, "the tag ok names %s, not %s", ok_d, ssl_d)),
       "app:ok@<devssl digest> → denied: the tag does not name the digest: %s", o.message);
    check(&w, wh_arena_sprintf(&w.a, "%s:ok@%s", app, ok_d), NULL, 5000, &o);
    ok(o.d.allowed && o.r.diff != NULL, "app:ok@<ok digest> → allowed, drift checked: %s",
       o.message);
    check(&w, wh_arena_sprintf(&w.a, "%s:devssl@%s", app, ssl_d), NULL, 5000, &o);
    ok(!o.d.allowed && has(o.message, "blocked by t[1]"),
       "app:devssl@<devssl digest> → judged against dev:devssl: %s", o.message);
    /* a tag naming an index that lists D */
    plat = signed_image(&w, "demo/app", NULL, "app-arm64", CDX_PROD, "");
    idx = manifest(&w, "demo/app", "multi", OCI_INDEX,
                   wh_arena_sprintf(&w.a,
                                    "{\"schemaVersion\":2,\"mediaType\":\"" OCI_INDEX "\","
                                    "\"manifests\":[{\"mediaType\":\"" OCI_MANIFEST "\",\"digest\":"
                                    "\"%s\",\"size\":1,\"platform\":{\"os\":\"linux\","
                                    "\"architecture\":\"arm64\"}}]}",
                                    plat));
    (void)idx;
    signed_image(&w, "demo/dev", "multi", "dev-multi", CDX_PROD, "");
    check(&w, wh_arena_sprintf(&w.a, "%s:multi@%s", app, plat), NULL, 5000, &o);
    ok(o.d.allowed && o.r.dev_error == NULL,
       "app:multi@<platform digest of the index multi names> → the tag names it: %s", o.message);
    world_stop(&w);
}

static void
test_dev_reference_from_attestation(void)
{
    struct world w;
    struct outcome o;
    const char *app, *dev_ok, *dev_ssl, *env_ok, *env_ssl, *d;
    const char *rule = "      signatures: {signedBy: [ci-key]}\n"
                       "      attestations: {sbom: {predicateType: cyclonedx, signedBy: "
                       "[ci-key]}}\n"
                       "      devReference: {from: attestation}\n"
                       "      tiers: t\n";

    world_start(&w);
    WH_ASSERT(world_policy(&w, "onError: allow", rule));
    app = wh_arena_sprintf(&w.a, "%s/demo/app", w.addr);
    dev_ok = signed_image(&w, "demo/dev", "ok", "dev-ok", CDX_PROD, "");
    dev_ssl = signed_image(&w, "demo/dev", "devssl", "dev-devssl", CDX_DEV_SSL, "");
    env_ok = wh_arena_sprintf(&w.a,
                              "{\"devImage\":{\"reference\":\"%s/demo/dev:ok\",\"digest\":{"
                              "\"sha256\":\"%s\"}}}",
                              w.addr, dev_ok + 7);
    env_ssl = wh_arena_sprintf(&w.a,
                               "{\"devImage\":{\"reference\":\"%s/demo/dev:devssl\",\"digest\":{"
                               "\"sha256\":\"%s\"}}}",
                               w.addr, dev_ssl + 7);
    d = image(&w, "demo/app", "ok", "app-ok");
    cosign_manifest(&w, "demo/app", d, "sig", sig_layer(&w, "demo/app", d, ci));
    cosign_manifest(
        &w, "demo/app", d, "att",
        wh_arena_sprintf(&w.a, "%s,%s",
                         att_layer(&w, "demo/app", d, ci, "https://cyclonedx.org/bom", CDX_PROD),
                         att_layer(&w, "demo/app", d, ci, WH_PREDICATE_DEV_ENV, env_ok)));
    d = image(&w, "demo/app", "devssl", "app-devssl");
    cosign_manifest(&w, "demo/app", d, "sig", sig_layer(&w, "demo/app", d, ci));
    cosign_manifest(
        &w, "demo/app", d, "att",
        wh_arena_sprintf(&w.a, "%s,%s",
                         att_layer(&w, "demo/app", d, ci, "https://cyclonedx.org/bom", CDX_PROD),
                         att_layer(&w, "demo/app", d, ci, WH_PREDICATE_DEV_ENV, env_ssl)));
    check(&w, wh_arena_sprintf(&w.a, "%s:ok", app), NULL, 5000, &o);
    ok(o.d.allowed && o.r.dev_digest != NULL && strcmp(o.r.dev_digest, dev_ok) == 0,
       "from: attestation: app:ok → diffed against the attested dev image: %s", o.r.dev_image);
    check(&w, wh_arena_sprintf(&w.a, "%s:ok@%s", app, d), NULL, 5000, &o);
    ok(!o.d.allowed && has(o.message, "blocked by t[1]") && has(o.message, dev_ssl),
       "from: attestation: app:ok@<devssl digest> → the attestation, not the tag, names the dev "
       "image: %s",
       o.message);
    check(&w, wh_arena_sprintf(&w.a, "%s@%s", app, d), NULL, 5000, &o);
    ok(!o.d.allowed && has(o.message, "blocked by t[1]"),
       "from: attestation: a digest-only reference is checked too: %s", o.message);
    /* no attestation; one by a key the rule does not list; two that disagree */
    signed_image(&w, "demo/app", "none", "app-none", CDX_PROD, "");
    check(&w, wh_arena_sprintf(&w.a, "%s:none", app), NULL, 5000, &o);
    ok(!o.d.allowed && o.r.dev_error_code == WH_E_NOT_FOUND &&
           has(o.message, "no verified dev-environment attestation"),
       "from: attestation: none → denied: %s", o.message);
    d = image(&w, "demo/app", "two", "app-two");
    cosign_manifest(&w, "demo/app", d, "sig", sig_layer(&w, "demo/app", d, ci));
    cosign_manifest(
        &w, "demo/app", d, "att",
        wh_arena_sprintf(&w.a, "%s,%s,%s",
                         att_layer(&w, "demo/app", d, ci, "https://cyclonedx.org/bom", CDX_PROD),
                         att_layer(&w, "demo/app", d, ci, WH_PREDICATE_DEV_ENV, env_ok),
                         att_layer(&w, "demo/app", d, ci, WH_PREDICATE_DEV_ENV, env_ssl)));
    check(&w, wh_arena_sprintf(&w.a, "%s:two", app), NULL, 5000, &o);
    ok(!o.d.allowed && o.r.dev_error_code == WH_E_VERIFY &&
           has(o.message, "name different dev images"),
       "from: attestation: two that disagree → denied, neither taken: %s", o.message);
    world_stop(&w);

    world_start(&w);
    WH_ASSERT(world_policy(&w, "onError: allow",
                           "      attestations: {sbom: {predicateType: cyclonedx, signedBy: "
                           "[ci-key, other-key]}}\n"
                           "      devReference: {from: attestation, signedBy: [ci-key]}\n"
                           "      tiers: t\n"));
    dev_ok = signed_image(&w, "demo/dev", "ok", "dev-ok", CDX_PROD, "");
    d = image(&w, "demo/app", "byother", "app-other");
    cosign_manifest(
        &w, "demo/app", d, "att",
        wh_arena_sprintf(&w.a, "%s,%s",
                         att_layer(&w, "demo/app", d, ci, "https://cyclonedx.org/bom", CDX_PROD),
                         att_layer(&w, "demo/app", d, other, WH_PREDICATE_DEV_ENV,
                                   wh_arena_sprintf(&w.a,
                                                    "{\"devImage\":{\"reference\":\"%s/demo/"
                                                    "dev:ok\",\"digest\":{\"sha256\":\"%s\"}}}",
                                                    w.addr, dev_ok + 7))));
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:byother", w.addr), NULL, 5000, &o);
    ok(!o.d.allowed && has(o.message, "signed by other-key, not by a devReference signer"),
       "from: attestation: one signed by a signer devReference does not list → denied: %s",
       o.message);
    world_stop(&w);
}

static void
test_signature_count(void)
{
    struct world w;
    struct outcome o;
    const char *d;
    struct wh_facts f;
    struct wh_arena tmp;

    world_start(&w);
    WH_ASSERT(
        world_policy(&w, "", "      signatures: {signedBy: [ci-key, other-key], count: 2}\n"));
    d = image(&w, "demo/app", "one", "app-one");
    cosign_manifest(&w, "demo/app", d, "sig", sig_layer(&w, "demo/app", d, ci));
    d = image(&w, "demo/app", "same", "app-same");
    cosign_manifest(&w, "demo/app", d, "sig",
                    wh_arena_sprintf(&w.a, "%s,%s", sig_layer(&w, "demo/app", d, ci),
                                     sig_layer(&w, "demo/app", d, ci)));
    d = image(&w, "demo/app", "two", "app-two");
    cosign_manifest(&w, "demo/app", d, "sig",
                    wh_arena_sprintf(&w.a, "%s,%s", sig_layer(&w, "demo/app", d, ci),
                                     sig_layer(&w, "demo/app", d, other)));
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:one", w.addr), NULL, 5000, &o);
    ok(!o.d.allowed &&
           has(o.message, "2 distinct signers required (of ci-key or other-key), found 1: ci-key: "
                          "sign it with cosign sign --key <private key of signer other-key>"),
       "count 2, signed by ci-key → denied naming it: %s", o.message);
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:same", w.addr), NULL, 5000, &o);
    ok(!o.d.allowed && o.r.facts.n_signature_signers == 1 && has(o.message, "found 1: ci-key:"),
       "count 2, two layers by ci-key → one signer, denied: %s", o.message);
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:two", w.addr), NULL, 5000, &o);
    ok(o.d.allowed && o.r.facts.n_signature_signers == 2,
       "count 2, ci-key and other-key → allowed: %s", o.message);
    world_stop(&w);

    /* keyless identities count once each, whichever policy signer they met */
    memset(&f, 0, sizeof(f));
    wh_arena_init(&tmp);
    wh_pipeline_signatures_add_signer(&f, "release", "https://github.com/acme/a (issuer https://t)",
                                      &tmp);
    wh_pipeline_signatures_add_signer(&f, "release-2",
                                      "https://github.com/acme/a (issuer https://t)", &tmp);
    wh_pipeline_signatures_add_signer(&f, "release", "https://github.com/acme/b (issuer https://t)",
                                      &tmp);
    wh_pipeline_signatures_add_signer(&f, "ci-key", NULL, &tmp);
    wh_pipeline_signatures_add_signer(&f, "ci-key", NULL, &tmp);
    ok(f.n_signature_signers == 3 && strcmp(f.signature_signer, "release") == 0 &&
           strcmp(f.signature_signers[2], "ci-key") == 0,
       "one identity under two policy signers counts once; a key counts once (%zu)",
       f.n_signature_signers);
    wh_arena_fini(&tmp);
}

static void
test_agent_commits_win_over_empty(void)
{
    struct world w;
    struct outcome o;
    const char *rule = "      attestations:\n"
                       "        sbom: {predicateType: cyclonedx, signedBy: [ci-key]}\n"
                       "        agent: {raiseDrift: true}\n";

    world_start(&w);
    WH_ASSERT(world_policy(&w, "", rule));
    {
        const char *d = image(&w, "demo/app", "agent", "app-agent");
        cosign_manifest(
            &w, "demo/app", d, "att",
            wh_arena_sprintf(
                &w.a, "%s,%s,%s",
                att_layer(&w, "demo/app", d, ci, "https://cyclonedx.org/bom", CDX_PROD),
                att_layer(&w, "demo/app", d, ci, WH_PREDICATE_AGENT, "{\"agent_commits\":[]}"),
                att_layer(&w, "demo/app", d, ci, WH_PREDICATE_AGENT,
                          "{\"agent_commits\":[{\"sha\":\"a1b2c3d4e5f6\",\"message\":\"x\"}]}")));
    }
    check(&w, wh_arena_sprintf(&w.a, "%s/demo/app:agent", w.addr), NULL, 5000, &o);
    ok(o.r.facts.predicates != NULL && o.r.facts.predicates->agent != NULL &&
           o.r.facts.predicates->agent->n_commits == 1,
       "an empty agent attestation first does not hide the one listing commits");
    world_stop(&w);
}

/* A CycloneDX SBOM of `n` components pkg0..pkg<n-1> (and `extra` more, dev-only drift). */
static const char *
big_sbom(struct world *w, size_t n, const char *extra)
{
    struct wh_buf b;
    size_t i;
    const char *out;

    wh_buf_init(&b, 1 << 20);
    wh_buf_append_c(&b, "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":[");
    for (i = 0; i < n; i++)
        wh_buf_printf(&b,
                      "%s{\"type\":\"library\",\"name\":\"pkg%zu\",\"version\":\"1.%zu.0\","
                      "\"purl\":\"pkg:deb/debian/pkg%zu@1.%zu.0\"}",
                      i > 0 ? "," : "", i, i, i, i);
    wh_buf_printf(&b, "%s]}", extra);
    WH_ASSERT(!b.overflow);
    out = wh_arena_strndup(&w->a, b.ptr, b.len);
    wh_buf_fini(&b);
    return out;
}

/*
 * Issue 15 item 4: what the cache keeps per image is its verdict facts and the drift summary,
 * a few hundred bytes, measured with the cache's own accounting (every chunk its entries hold
 * from malloc); the 300-component SBOMs live in the SBOM cache, bounded apart. A cached review
 * then costs no registry request and needs no SBOM; an SBOM evicted from its cache is verified
 * again when a new diff needs it, and a failure to do so is a failure, never an allowance.
 */
static void
test_cache_entries_are_small(void)
{
    struct world w;
    struct wh_cache *cache = wh_cache_new(1024, 64u << 20);
    struct wh_cache *sboms = wh_cache_new(1024, 16u << 20);
    struct wh_cache_stats st, sst;
    struct wh_image_check_ctx ctx;
    struct wh_image_result r, again;
    struct wh_image_ref ref;
    struct wh_error err;
    const struct wh_pipeline_facts *f;
    const struct wh_sbom *sbom;
    const char *prod = NULL, *key = NULL, *error = NULL;
    enum wh_err code = WH_OK;
    unsigned long before;

    world_start(&w);
    WH_ASSERT(world_policy(&w, "onError: allow", wh_arena_sprintf(&w.a, RULE_TAG, w.addr)));
    prod = big_sbom(&w, 300, "");
    signed_image(&w, "demo/app", "ok", "app-big", prod, "");
    signed_image(&w, "demo/dev", "ok", "dev-big",
                 big_sbom(&w, 300,
                          ",{\"type\":\"library\",\"name\":\"vim\",\"version\":\"9.0\","
                          "\"purl\":\"pkg:deb/debian/vim@9.0\"}"),
                 "");
    memset(&ctx, 0, sizeof(ctx));
    ctx.policy = w.policy;
    ctx.registry = w.client;
    ctx.registry_error = "";
    ctx.limits = &lim;
    ctx.now = wh_clock_wall();
    ctx.arena = &w.a;
    ctx.cache = cache;
    ctx.sbom_cache = sboms;
    ctx.generation = wh_policy_generation(w.policy);
    ctx.tag_ttl_ms = 30000;
    ctx.facts_ttl_ms = 600000;
    ctx.negative_ttl_ms = 30000;
    ctx.deadline_ms = wh_clock_mono_ms() + 5000;
    wh_pipeline_image_check_one(&ctx, wh_arena_sprintf(&w.a, "%s/demo/app:ok", w.addr), NULL, NULL,
                                &r);
    ok(r.error == NULL && r.dev_error == NULL && r.diff != NULL && r.diff->n_dev_only == 1 &&
           r.diff->n_same == 300,
       "cold: app:ok verified and diffed against dev:ok (1 dev-only, 300 same): %s %s",
       r.error != NULL ? r.error : "", r.dev_error != NULL ? r.dev_error : "");
    wh_cache_stats(cache, &st);
    wh_cache_stats(sboms, &sst);
    printf("# per-image cache: %zu entries, %zu bytes for 2 images (%zu per image); SBOM cache: "
           "%zu entries, %zu bytes\n",
           st.entries, st.bytes, st.bytes / 2, sst.entries, sst.bytes);
    ok(st.bytes / 2 <= 4096, "per image, the cache keeps %zu bytes (<= 4096): facts and drift",
       st.bytes / 2);
    ok(sst.entries == 2 && sst.bytes > st.bytes,
       "the two 300-component SBOMs are in the SBOM cache (%zu entries, %zu bytes)", sst.entries,
       sst.bytes);

    /* Cached: no request, and no SBOM needed (the drift summary answers). */
    wh_cache_clear(sboms);
    before = wh_registry_client_requests(w.client);
    wh_pipeline_image_check_one(&ctx, wh_arena_sprintf(&w.a, "%s/demo/app:ok", w.addr), NULL, NULL,
                                &again);
    ok(again.error == NULL && again.dev_error == NULL && again.diff != NULL &&
           again.diff->n_dev_only == 1 && again.diff->n_findings == r.diff->n_findings &&
           strcmp(again.diff->findings[0].name, "vim") == 0 &&
           wh_registry_client_requests(w.client) == before,
       "cached: the same drift (%s), no registry request (%lu), SBOMs not needed",
       again.diff != NULL && again.diff->n_findings > 0 ? again.diff->findings[0].name : "-",
       wh_registry_client_requests(w.client) - before);

    /* A diff that needs an evicted SBOM verifies it again: the same bytes, the same key. */
    WH_ASSERT(wh_image_ref_parse(wh_str_c(wh_arena_sprintf(&w.a, "%s/demo/app:ok", w.addr)), &w.a,
                                 &ref, &err) == WH_OK);
    f = wh_pipeline_memo_facts(&ctx, &ref, r.digest, r.rule, true);
    ok(f->error == NULL && f->sbom == NULL && f->sbom_key != NULL,
       "the cached facts name their SBOM by key only");
    before = wh_registry_client_requests(w.client);
    sbom = wh_pipeline_memo_sbom(&ctx, &ref, r.rule, f, &key, &error, &code);
    ok(sbom != NULL && sbom->n_components == 300 && key != NULL && strcmp(key, f->sbom_key) == 0 &&
           wh_registry_client_requests(w.client) > before,
       "evicted: verified again (%lu requests), 300 components, the same key",
       wh_registry_client_requests(w.client) - before);
    sbom = wh_pipeline_memo_sbom(&ctx, &ref, r.rule, f, &key, &error, &code);
    ok(sbom != NULL && sbom->n_components == 300, "then found in the SBOM cache");
    wh_cache_clear(sboms);
    fault_registry_set(w.f, "503", ".att", 0);
    sbom = wh_pipeline_memo_sbom(&ctx, &ref, r.rule, f, &key, &error, &code);
    ok(sbom == NULL && error != NULL && code == WH_E_UNAVAILABLE,
       "evicted, and the .att store fails: no SBOM, an infrastructure error (%s)",
       error != NULL ? error : "none");
    fault_registry_set(w.f, NULL, NULL, 0);
    world_stop(&w);
    wh_cache_free(cache);
    wh_cache_free(sboms);
}

/* ---- a pod's images checked at once (fanout.h) ---- */

#define POD_IMAGES 8
#define POD_SLOW_MS 25

/* A pod over tags t0..t7 (t6 unsigned, t7 an alias of t0's digest), t3 used twice, and one
 * invalid reference, in a world whose every request waits POD_SLOW_MS. */
static void
pod_world(struct world *w, struct wh_admission_request *req)
{
    struct wh_admission_image *imgs;
    size_t n = 0;

    world_start(w);
    WH_ASSERT(world_policy(w, "",
                           "      signatures: {signedBy: [ci-key]}\n"
                           "      attestations: {sbom: {predicateType: cyclonedx, "
                           "signedBy: [ci-key]}}\n"));
    for (int k = 0; k < POD_IMAGES - 2; k++)
        signed_image(w, "demo/app", wh_arena_sprintf(&w->a, "t%d", k),
                     wh_arena_sprintf(&w->a, "app-t%d", k), CDX_PROD, "");
    image(w, "demo/app", "t6", "app-t6");                      /* no signature */
    signed_image(w, "demo/app", "t7", "app-t0", CDX_PROD, ""); /* t0's digest */
    imgs = wh_arena_calloc(&w->a, POD_IMAGES + 2, sizeof(*imgs));
    for (int k = 0; k < POD_IMAGES; k++) {
        imgs[n].path = wh_arena_sprintf(&w->a, "spec.containers[%zu].image", n);
        imgs[n++].image = wh_arena_sprintf(&w->a, "%s/demo/app:t%d", w->addr, k);
        if (k == 3) {
            imgs[n].path = wh_arena_sprintf(&w->a, "spec.containers[%zu].image", n);
            imgs[n++].image = wh_arena_sprintf(&w->a, "%s/demo/app:t3", w->addr);
        }
    }
    imgs[n].path = wh_arena_sprintf(&w->a, "spec.containers[%zu].image", n);
    imgs[n++].image = "Not A Reference";
    memset(req, 0, sizeof(*req));
    req->images = imgs;
    req->n_images = n;
    fault_registry_set(w->f, wh_arena_sprintf(&w->a, "slow:%d", POD_SLOW_MS), "/v2/", 0);
}

/* One cold review of the pod: its decision as text (denials, then annotations, in order), the
 * registry requests it made, and how long it took. */
struct pod_run {
    const char *text;
    unsigned long requests;
    int64_t ms;
    unsigned max_in_flight;
};

/* The context of a pod's cold review in world w: a fresh `cache`, the helpers `fo` (or NULL). */
static void
pod_ctx(struct world *w, struct wh_cache *cache, struct wh_pipeline_fanout *fo, int64_t deadline_ms,
        struct wh_image_check_ctx *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->policy = w->policy;
    ctx->registry = w->client;
    ctx->registry_error = "";
    ctx->limits = &lim;
    ctx->deadline_ms = deadline_ms;
    ctx->now = wh_clock_wall();
    ctx->arena = &w->a;
    ctx->cache = cache;
    ctx->tag_ttl_ms = ctx->facts_ttl_ms = ctx->negative_ttl_ms = 60000;
    ctx->generation = wh_policy_generation(w->policy);
    ctx->fanout = fo;
    fault_registry_reset_stats(w->f);
}

static void
pod_review(struct world *w, const struct wh_admission_request *req, struct wh_pipeline_fanout *fo,
           int64_t budget_ms, struct pod_run *out)
{
    struct wh_image_check_ctx ctx;
    struct wh_decision d;
    struct wh_cache *cache = wh_cache_new(64, 1 << 20);
    struct wh_buf b;
    unsigned long before = wh_registry_client_requests(w->client);
    int64_t t0 = wh_clock_mono_ms();

    pod_ctx(w, cache, fo, t0 + budget_ms, &ctx);
    wh_decision_init(&d, &w->a);
    wh_pipeline_image_check_request(&ctx, req, &d);
    wh_policy_finish(&d);
    out->ms = wh_clock_mono_ms() - t0;
    out->requests = wh_registry_client_requests(w->client) - before;
    out->max_in_flight = fault_registry_max_in_flight(w->f);
    wh_buf_init(&b, 1 << 20);
    wh_buf_printf(&b, "allowed=%d\n", d.allowed);
    for (size_t i = 0; i < d.n_denials; i++)
        wh_buf_printf(&b, "deny %s\n", d.denials[i]);
    for (size_t i = 0; i < d.n_annotations; i++)
        wh_buf_printf(&b, "%s=%s\n", d.annotations[i].key, d.annotations[i].value);
    out->text = wh_arena_strndup(&w->a, b.ptr, b.len);
    wh_buf_fini(&b);
    wh_cache_free(cache);
}

static void
test_pod_images_at_once(void)
{
    struct world w;
    struct wh_admission_request req;
    struct wh_pipeline_fanout *fo;
    struct pod_run seq, par;

    pod_world(&w, &req);
    fo = wh_pipeline_fanout_new(w.client, 4);
    pod_review(&w, &req, NULL, 20000, &seq);
    pod_review(&w, &req, fo, 20000, &par);
    ok(strcmp(seq.text, par.text) == 0 && strstr(par.text, "allowed=0") != NULL &&
           has(par.text, "spec.containers[7].image") && has(par.text, "Not A Reference"),
       "at once, the decision is the sequential one, denials and annotations in pod order "
       "(%zu bytes)",
       strlen(par.text));
    if (strcmp(seq.text, par.text) != 0)
        printf("# sequential:\n%s# at once:\n%s", seq.text, par.text);
    ok(par.requests == seq.requests && par.requests > 0,
       "the same registry requests: %lu at once, %lu one after another", par.requests,
       seq.requests);
    ok(par.max_in_flight >= 2 && wh_pipeline_fanout_helpers(fo) == 3,
       "requests overlap: %u in flight at most, %zu helpers", par.max_in_flight,
       wh_pipeline_fanout_helpers(fo));
    /* 7 distinct images on 4 threads: ≈ 2 images' round trips instead of 7 (a generous 2×). */
    ok(par.ms * 2 < seq.ms, "a pod of %d slow images: %lld ms at once, %lld ms one by one",
       POD_IMAGES, (long long)par.ms, (long long)seq.ms);
    wh_pipeline_fanout_free(fo);
    world_stop(&w);
}

/* Every image keeps the review's deadline: a registry slower than it fails each image as a
 * timeout (infrastructure), at once, and the review ends near the deadline, not after every
 * image's round trips. */
static void
test_pod_deadline_at_once(void)
{
    struct world w;
    struct wh_admission_request req;
    struct wh_pipeline_fanout *fo;
    struct pod_run par;
    size_t failed = 0;

    pod_world(&w, &req);
    fo = wh_pipeline_fanout_new(w.client, 4);
    fault_registry_set(w.f, "slow:500", "/v2/", 0);
    pod_review(&w, &req, fo, 200, &par);
    for (const char *p = par.text; (p = strstr(p, "could not be checked (onError: deny)")) != NULL;
         p++)
        failed++;
    ok(!has(par.text, "allowed=1") && failed == POD_IMAGES + 1 && !has(par.text, "verdict=allow"),
       "a 200 ms deadline against 0.5 s answers: every container denied by onError (%zu)", failed);
    ok(par.ms < 450, "the review ended at its deadline: %lld ms for a 200 ms budget",
       (long long)par.ms);
    wh_pipeline_fanout_free(fo);
    world_stop(&w);
}

/* wh_pipeline_image_check_each (what /mutate pins with) over the pod's distinct images: `text`
 * says each result's digest, error and verdict-relevant details, in order. */
static void
each_review(struct world *w, const struct wh_admission_request *req, struct wh_pipeline_fanout *fo,
            struct pod_run *out)
{
    struct wh_image_check_ctx ctx;
    struct wh_cache *cache = wh_cache_new(64, 1 << 20);
    const char **images = wh_arena_calloc(&w->a, req->n_images, sizeof(*images));
    struct wh_image_result *r = wh_arena_calloc(&w->a, req->n_images, sizeof(*r));
    unsigned long before = wh_registry_client_requests(w->client);
    int64_t t0 = wh_clock_mono_ms();
    struct wh_buf b;
    size_t n = 0;

    /* The pod's distinct images: all but the second t3 (pod_world). */
    for (size_t i = 0; i < req->n_images; i++)
        if (i != 4)
            images[n++] = req->images[i].image;
    pod_ctx(w, cache, fo, t0 + 20000, &ctx);
    wh_pipeline_image_check_each(&ctx, images, n, NULL, NULL, r);
    out->ms = wh_clock_mono_ms() - t0;
    out->requests = wh_registry_client_requests(w->client) - before;
    out->max_in_flight = fault_registry_max_in_flight(w->f);
    wh_buf_init(&b, 1 << 16);
    for (size_t k = 0; k < n; k++)
        wh_buf_printf(&b, "%s digest=%s error=%s invalid=%s signers=%zu sbom=%d sig=%s\n",
                      r[k].image, r[k].digest != NULL ? r[k].digest : "-",
                      r[k].error != NULL ? r[k].error : "-", r[k].invalid != NULL ? "yes" : "-",
                      r[k].facts.n_signature_signers, r[k].sbom != NULL,
                      r[k].signature_detail != NULL ? r[k].signature_detail : "-");
    out->text = wh_arena_strndup(&w->a, b.ptr, b.len);
    wh_buf_fini(&b);
    wh_cache_free(cache);
}

/* /mutate's pins: the pod's distinct images checked at once give the sequential results. */
static void
test_each_at_once(void)
{
    struct world w;
    struct wh_admission_request req;
    struct wh_pipeline_fanout *fo;
    struct pod_run seq, par;

    pod_world(&w, &req);
    fo = wh_pipeline_fanout_new(w.client, 4);
    each_review(&w, &req, NULL, &seq);
    each_review(&w, &req, fo, &par);
    ok(strcmp(seq.text, par.text) == 0 && has(par.text, "digest=sha256:"),
       "each image checked at once (/mutate): the sequential results (%zu bytes)",
       strlen(par.text));
    if (strcmp(seq.text, par.text) != 0)
        printf("# sequential:\n%s# at once:\n%s", seq.text, par.text);
    ok(par.requests == seq.requests && par.max_in_flight >= 2 && par.ms * 2 < seq.ms,
       "the same requests (%lu, %lu), %u in flight at most, %lld ms at once against %lld ms",
       par.requests, seq.requests, par.max_in_flight, (long long)par.ms, (long long)seq.ms);
    wh_pipeline_fanout_free(fo);
    world_stop(&w);
}

/* ---- one image's fetches at once (evidence.c, image_check.c select_prod_and_dev) ---- */

/* Slow enough that a loaded machine's CPU (ASan, 2 cores shared) stays small beside it. */
#define ONE_SLOW_MS 60

/* A pod of the one image `tag` of the standard world, every request ONE_SLOW_MS slow. */
static void
one_image_pod(struct world *w, const char *tag, struct wh_admission_request *req)
{
    struct wh_admission_image *img = wh_arena_calloc(&w->a, 1, sizeof(*img));

    img->path = "spec.containers[0].image";
    img->image = wh_arena_sprintf(&w->a, "%s/demo/app:%s", w->addr, tag);
    memset(req, 0, sizeof(*req));
    req->images = img;
    req->n_images = 1;
    fault_registry_set(w->f, wh_arena_sprintf(&w->a, "slow:%d", ONE_SLOW_MS), "/v2/", 0);
}

/* The .sig, .att and dev image of one image overlap: the decision and the registry requests are
 * the sequential ones, the time about half (8 round trips one after another: the tag, .sig and
 * its blob, .att and its blob, the dev tag, its .att and blob; at once, 4). Then an image with no
 * .sig, whose referrers are listed beside the .att: the same requests again. */
static void
test_one_image_at_once(void)
{
    static const char *const tags[] = {"ok", "nosig"};
    struct world w;
    struct wh_admission_request req;
    struct wh_pipeline_fanout *fo;
    struct pod_run seq, par;
    const char *d;

    standard_world(&w);
    d = image(&w, "demo/app", "nosig", "app-nosig");
    cosign_manifest(&w, "demo/app", d, "att",
                    att_layer(&w, "demo/app", d, ci, "https://cyclonedx.org/bom", CDX_PROD));
    fo = wh_pipeline_fanout_new(w.client, 4);
    for (size_t k = 0; k < sizeof(tags) / sizeof(tags[0]); k++) {
        one_image_pod(&w, tags[k], &req);
        pod_review(&w, &req, NULL, 20000, &seq);
        pod_review(&w, &req, fo, 20000, &par);
        ok(strcmp(seq.text, par.text) == 0 && has(par.text, k == 0 ? "allowed=1" : "allowed=0"),
           "app:%s, its fetches at once: the sequential decision (%zu bytes)", tags[k],
           strlen(par.text));
        if (strcmp(seq.text, par.text) != 0)
            printf("# sequential:\n%s# at once:\n%s", seq.text, par.text);
        ok(par.requests == seq.requests && par.requests > 0 && par.max_in_flight >= 2,
           "app:%s: the same registry requests (%lu at once, %lu one after another), %u in "
           "flight at most",
           tags[k], par.requests, seq.requests, par.max_in_flight);
        /* A ratio in one run, never an absolute time: 4 of 8 round trips, asserted below 0.75. */
        if (k == 0)
            ok(par.ms * 4 < seq.ms * 3,
               "app:ok, %d ms a request: %lld ms at once, %lld ms one by one (ratio %.2f)",
               ONE_SLOW_MS, (long long)par.ms, (long long)seq.ms,
               seq.ms > 0 ? (double)par.ms / (double)seq.ms : 0.0);
    }
    wh_pipeline_fanout_free(fo);
    world_stop(&w);
}

/* The rows of README's table and the evidence rules: run twice, one by one and at once. */
static void
test_rows(void)
{
    test_clean_world_is_allowed();
    test_infrastructure_rows();
    test_evidence_rows();
    test_dev_evidence_rows();
    test_tag_must_name_the_digest();
    test_dev_reference_from_attestation();
    test_signature_count();
    test_agent_commits_win_over_empty();
}

int
main(void)
{
    wh_arena_init(&keys_arena);
    ci = testsign_key_new("ec-p256", &keys_arena);
    other = testsign_key_new("ec-p256", &keys_arena);
    test_rows();
    test_cache_entries_are_small();
    test_pod_images_at_once();
    test_pod_deadline_at_once();
    test_one_image_at_once();
    test_each_at_once();
    /* Every row again with one image's fetches at once: the same codes and messages. */
    check_at_once = true;
    printf("# the rows again, each image's fetches at once\n");
    test_rows();
    wh_arena_fini(&keys_arena);
    return done_testing();
}
