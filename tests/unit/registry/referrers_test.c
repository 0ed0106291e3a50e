/*
 * Referrers: index parsing and artifactType filtering (pure), then discovery and fetch against
 * the fault registry's static routes: the API, the fallback tag when the API is 404, nothing at
 * all, a referrer whose subject is another image, a layer count that is not one, a lying blob.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/digest.h"
#include "registry/referrers.h"
#include "support/fault_registry.h"
#include "unit/harness.h"
#include "unit/registry/plain_client.h"

#define BUNDLE_MT "application/vnd.dev.sigstore.bundle.v0.3+json"
#define IMG "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static char blob[] = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\"}";
static char blob_digest[WH_DIGEST_STR_LEN], art[2048], art_digest[WH_DIGEST_STR_LEN];
static char art_other[2048], other_digest[WH_DIGEST_STR_LEN];
static char index_body[4096];

static void
make_artifact(char *out, size_t n, const char *subject, char *digest_out)
{
    snprintf(
        out, n,
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        "\"artifactType\":\"" BUNDLE_MT "\","
        "\"config\":{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":"
        "\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\","
        "\"size\":2},"
        "\"layers\":[{\"mediaType\":\"" BUNDLE_MT "\",\"digest\":\"%s\",\"size\":%zu}],"
        "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        "\"digest\":\"%s\",\"size\":10},"
        "\"annotations\":{\"dev.sigstore.bundle.predicateType\":\"https://cyclonedx.org/bom\"}}",
        blob_digest, strlen(blob), subject);
    wh_digest_sha256_str(out, strlen(out), digest_out);
}

static void
test_parse_filters(void)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_registry_descriptor *d;
    struct wh_arena a;
    struct wh_error err = {0};
    size_t n = 99;
    const char *manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/"
                           "vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"a/b\","
                           "\"digest\":\"" IMG "\",\"size\":1},\"layers\":[]}";

    wh_arena_init(&a);
    ok(wh_registry_referrers_parse(
           (struct wh_bytes){(const unsigned char *)index_body, strlen(index_body)}, NULL,
           BUNDLE_MT, &lim, &a, &d, &n, &err) == WH_OK &&
           n == 2 && strcmp(d[0].digest, art_digest) == 0,
       "artifactType filter keeps the two bundles of three entries");
    ok(wh_registry_referrers_parse(
           (struct wh_bytes){(const unsigned char *)index_body, strlen(index_body)}, NULL, NULL,
           &lim, &a, &d, &n, &err) == WH_OK &&
           n == 3,
       "no filter → all three");
    ok(wh_registry_referrers_parse(
           (struct wh_bytes){(const unsigned char *)manifest, strlen(manifest)}, NULL, NULL, &lim,
           &a, &d, &n, &err) == WH_E_INVALID &&
           strstr(err.msg, "not an OCI image index") != NULL,
       "an image manifest is not a referrers index: %s", err.msg);
    ok(wh_registry_referrers_parse((struct wh_bytes){(const unsigned char *)"[]", 2}, NULL, NULL,
                                   &lim, &a, &d, &n, &err) == WH_E_INVALID,
       "JSON that is not an object → invalid: %s", err.msg);
    lim.manifest_bytes = 16;
    ok(wh_registry_referrers_parse(
           (struct wh_bytes){(const unsigned char *)index_body, strlen(index_body)}, NULL, NULL,
           &lim, &a, &d, &n, &err) == WH_E_LIMIT,
       "over manifest_bytes → limit: %s", err.msg);
    wh_arena_fini(&a);
}

static struct wh_registry_client *
client(const char *host)
{
    return plain_client(host, (struct wh_registry_options){.limits = WH_LIMITS_DEFAULT});
}

static void
add_artifact_routes(struct fault_registry *f)
{
    char path[256];

    snprintf(path, sizeof(path), "/v2/demo/app/manifests/%s", art_digest);
    fault_registry_route(f, path, 200,
                         "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n", art);
    snprintf(path, sizeof(path), "/v2/demo/app/manifests/%s", other_digest);
    fault_registry_route(f, path, 200,
                         "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n", art_other);
    snprintf(path, sizeof(path), "/v2/demo/app/blobs/%s", blob_digest);
    fault_registry_route(f, path, 200, "", blob);
}

static void
test_api_and_fetch(void)
{
    struct fault_registry *f = fault_registry_start(NULL, 0);
    struct wh_registry_client *c = client(fault_registry_addr(f));
    struct wh_image_ref ref = {fault_registry_addr(f), "demo/app", NULL, IMG};
    struct wh_registry_descriptor *d;
    struct wh_registry_referrer r;
    struct wh_arena a;
    struct wh_error err = {0};
    size_t n = 0;

    wh_arena_init(&a);
    fault_registry_route(f, "/v2/demo/app/referrers/" IMG, 200,
                         "Content-Type: application/vnd.oci.image.index.v1+json\r\n", index_body);
    add_artifact_routes(f);
    ok(wh_registry_referrers(c, &ref, IMG, BUNDLE_MT, wh_clock_mono_ms() + 5000, &a, &d, &n,
                             &err) == WH_OK &&
           n == 2,
       "referrers API → two bundles: %s", n == 2 ? "" : err.msg);
    ok(wh_registry_client_requests(c) == 1, "one request (%lu)", wh_registry_client_requests(c));
    ok(n >= 1 &&
           wh_registry_referrer_fetch(c, &ref, IMG, &d[0], wh_clock_mono_ms() + 5000, &a, &r,
                                      &err) == WH_OK &&
           r.blob.len == strlen(blob) && strcmp(r.artifact_type, BUNDLE_MT) == 0 &&
           strcmp(wh_registry_annotation_get(r.annotations, r.n_annotations,
                                             "dev.sigstore.bundle.predicateType"),
                  "https://cyclonedx.org/bom") == 0,
       "fetch: manifest, subject, one layer, blob: %s", err.msg);
    ok(n >= 2 &&
           wh_registry_referrer_fetch(c, &ref, IMG, &d[1], wh_clock_mono_ms() + 5000, &a, &r,
                                      &err) == WH_E_VERIFY &&
           strstr(err.msg, "subject " OTHER " is not the image " IMG) != NULL,
       "a referrer whose subject is another image → verify: %s", err.msg);
    ok(wh_registry_referrers(c, &ref, IMG, "bad type", wh_clock_mono_ms() + 5000, &a, &d, &n,
                             &err) == WH_E_INVALID &&
           strstr(err.msg, "invalid artifactType") != NULL,
       "artifactType with a space → invalid before sending");
    WH_ASSERT(fault_registry_set(f, "503", "/referrers/", 0));
    ok(wh_registry_referrers(c, &ref, IMG, NULL, wh_clock_mono_ms() + 5000, &a, &d, &n, &err) ==
               WH_E_UNAVAILABLE &&
           strstr(err.msg, "GET referrers sha256:aaaaaaaaaaaa") != NULL &&
           strstr(err.msg, "HTTP 503") != NULL,
       "referrers API 503 → unavailable, no fallback: %s", err.msg);
    fault_registry_stop(f);
    wh_registry_client_free(c);
    wh_arena_fini(&a);
}

static void
test_fallback_tag(void)
{
    struct fault_registry *f = fault_registry_start(NULL, 0);
    struct wh_registry_client *c = client(fault_registry_addr(f));
    struct wh_image_ref ref = {fault_registry_addr(f), "demo/app", NULL, IMG};
    struct wh_registry_descriptor *d;
    struct wh_arena a;
    struct wh_error err = {0};
    size_t n = 0;
    char lying[512], tag[256];

    wh_arena_init(&a);
    snprintf(tag, sizeof(tag), "/v2/demo/app/manifests/sha256-%s", IMG + 7);
    fault_registry_route(f, tag, 200, "Content-Type: application/vnd.oci.image.index.v1+json\r\n",
                         index_body);
    ok(wh_registry_referrers(c, &ref, IMG, BUNDLE_MT, wh_clock_mono_ms() + 5000, &a, &d, &n,
                             &err) == WH_OK &&
           n == 2 && wh_registry_client_requests(c) == 2,
       "API 404 → fallback tag sha256-<hex>: two entries in two requests");
    ok(wh_registry_referrers(c, &ref, OTHER, NULL, wh_clock_mono_ms() + 5000, &a, &d, &n, &err) ==
               WH_OK &&
           n == 0,
       "no API and no fallback tag → none, not an error");
    ok(wh_registry_referrers(c, &ref, "sha256:abc", NULL, wh_clock_mono_ms() + 5000, &a, &d, &n,
                             &err) == WH_E_INVALID,
       "a malformed digest → invalid");
    /* A referrer whose blob does not hash to its digest. */
    snprintf(lying, sizeof(lying), "/v2/demo/app/blobs/%s", blob_digest);
    fault_registry_route(f, lying, 200, "", "not the bundle");
    {
        char path[256];
        struct wh_registry_descriptor one = {.digest = art_digest};
        struct wh_registry_referrer r;

        snprintf(path, sizeof(path), "/v2/demo/app/manifests/%s", art_digest);
        fault_registry_route(f, path, 200,
                             "Content-Type: application/vnd.oci.image.manifest.v1+json\r\n", art);
        ok(wh_registry_referrer_fetch(c, &ref, IMG, &one, wh_clock_mono_ms() + 5000, &a, &r,
                                      &err) == WH_E_VERIFY &&
               strstr(err.msg, "blob digest mismatch") != NULL,
           "a referrer blob that lies about its digest → verify: %s", err.msg);
    }
    fault_registry_stop(f);
    wh_registry_client_free(c);
    wh_arena_fini(&a);
}

/*
 * Only the referrers endpoint's own 404 or 400 means "no referrers API": the fallback is chosen on
 * the answer's status, not on the error text, so a token request that fails with HTTP 400 stays
 * an infrastructure error instead of sending the lookup to the unauthenticated fallback tag.
 */
static void
test_fallback_only_on_the_endpoints_status(void)
{
    struct fault_registry *f = fault_registry_start(NULL, 0);
    struct wh_registry_client *c = client(fault_registry_addr(f));
    struct wh_image_ref ref = {fault_registry_addr(f), "demo/app", NULL, IMG};
    struct wh_registry_descriptor *d;
    struct wh_arena a;
    struct wh_error err = {0};
    size_t n = 0;
    char tag[256], challenge[256];

    wh_arena_init(&a);
    snprintf(tag, sizeof(tag), "/v2/demo/app/manifests/sha256-%s", IMG + 7);
    fault_registry_route(f, tag, 200, "Content-Type: application/vnd.oci.image.index.v1+json\r\n",
                         index_body);
    snprintf(challenge, sizeof(challenge),
             "WWW-Authenticate: Bearer realm=\"http://%s/token\",service=\"t\"\r\n",
             fault_registry_addr(f));
    fault_registry_route(f, "/v2/demo/app/referrers/" IMG, 401, challenge, "");
    fault_registry_route(f, "/token", 400, "", "{\"error\":\"bad request\"}");
    ok(wh_registry_referrers(c, &ref, IMG, BUNDLE_MT, wh_clock_mono_ms() + 5000, &a, &d, &n,
                             &err) == WH_E_UNAVAILABLE &&
           strstr(err.msg, "token from http://") != NULL && strstr(err.msg, "HTTP 400") != NULL,
       "a token request answered 400 → unavailable, no fallback: %s",
       err.code == WH_OK ? "fell back" : err.msg);
    fault_registry_stop(f);
    f = fault_registry_start(NULL, 0);
    wh_registry_client_free(c);
    c = client(fault_registry_addr(f));
    ref.registry = fault_registry_addr(f);
    fault_registry_route(f, tag, 200, "Content-Type: application/vnd.oci.image.index.v1+json\r\n",
                         index_body);
    fault_registry_route(f, "/v2/demo/app/referrers/" IMG, 400, "", "");
    ok(wh_registry_referrers(c, &ref, IMG, BUNDLE_MT, wh_clock_mono_ms() + 5000, &a, &d, &n,
                             &err) == WH_OK &&
           n == 2,
       "the referrers endpoint answering 400 → the fallback tag: %s", n == 2 ? "" : err.msg);
    fault_registry_stop(f);
    wh_registry_client_free(c);
    wh_arena_fini(&a);
}

int
main(void)
{
    signal(SIGPIPE, SIG_IGN);
    wh_digest_sha256_str(blob, strlen(blob), blob_digest);
    make_artifact(art, sizeof(art), IMG, art_digest);
    make_artifact(art_other, sizeof(art_other), OTHER, other_digest);
    snprintf(index_body, sizeof(index_body),
             "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
             "\"manifests\":["
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\","
             "\"size\":%zu,\"artifactType\":\"" BUNDLE_MT "\"},"
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\","
             "\"size\":%zu,\"artifactType\":\"" BUNDLE_MT "\"},"
             "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" OTHER
             "\",\"size\":10,\"artifactType\":\"application/spdx+json\"}]}",
             art_digest, strlen(art), other_digest, strlen(art_other));
    test_parse_filters();
    test_api_and_fetch();
    test_fallback_tag();
    test_fallback_only_on_the_endpoints_status();
    return done_testing();
}
