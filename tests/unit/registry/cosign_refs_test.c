/* cosign classic tags and layer extraction (the fetching half runs in registry_test.sh). */
#include <string.h>

#include "registry/cosign_refs.c"
#include "unit/harness.h"

#define HEX "9f3a000000000000000000000000000000000000000000000000000000000001"
#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"

static void
test_tag_is_digest_with_dash_and_suffix(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    const char *tag;

    wh_arena_init(&a);
    ok(wh_registry_cosign_tag("sha256:" HEX, "sig", &a, &tag, &err) == WH_OK &&
           strcmp(tag, "sha256-" HEX ".sig") == 0,
       ".sig tag");
    ok(wh_registry_cosign_tag("sha256:" HEX, "att", &a, &tag, &err) == WH_OK &&
           strcmp(tag, "sha256-" HEX ".att") == 0,
       ".att tag");
    ok(wh_registry_cosign_tag("sha256:" HEX, "sbom", &a, &tag, &err) == WH_E_INVALID &&
           strstr(err.msg, "not sig or att") != NULL,
       "other suffix → invalid");
    ok(wh_registry_cosign_tag("sha256:abc", "sig", &a, &tag, &err) == WH_E_INVALID &&
           strstr(err.msg, "not a sha256 digest") != NULL,
       "short digest → invalid");
    ok(wh_registry_cosign_tag("sha512:" HEX, "sig", &a, &tag, &err) == WH_E_INVALID,
       "other algorithm → invalid");
    wh_arena_fini(&a);
}

static void
test_layers_from_manifest_pick_cosign_annotations(void)
{
    struct wh_registry_kv ann[] = {
        {"dev.cosignproject.cosign/signature", "MEUC"},
        {"predicateType", "https://slsa.dev/provenance/v1"},
        {"dev.sigstore.cosign/certificate", "-----BEGIN CERTIFICATE-----\n"},
        {"dev.sigstore.cosign/chain", "chain"},
        {"dev.sigstore.cosign/bundle", "{}"},
        {"dev.sigstore.cosign/rfc3161timestamp", "{\"SignedRFC3161Timestamp\":\"\"}"},
    };
    struct wh_registry_descriptor layers[2] = {
        {.media_type = "application/vnd.dsse.envelope.v1+json",
         .digest = D1,
         .size = 3,
         .annotations = ann,
         .n_annotations = 6},
        {.media_type = "application/vnd.dev.cosign.simplesigning.v1+json", .digest = D1},
    };
    struct wh_registry_manifest m = {
        .media_type = WH_REGISTRY_MT_OCI_MANIFEST, .layers = layers, .n_layers = 2};
    struct wh_registry_cosign_layer *out;
    size_t n;
    struct wh_arena a;
    struct wh_error err = {0};

    wh_arena_init(&a);
    ok(wh_registry_cosign_layers_from(&m, 32, &a, &out, &n, &err) == WH_OK && n == 2, "two layers");
    ok(strcmp(out[0].signature, "MEUC") == 0 &&
           strcmp(out[0].predicate_type, "https://slsa.dev/provenance/v1") == 0 &&
           strcmp(out[0].chain, "chain") == 0 && strcmp(out[0].bundle, "{}") == 0 &&
           out[0].certificate != NULL && out[0].rfc3161_timestamp != NULL,
       "annotations mapped");
    ok(out[1].signature == NULL && out[1].certificate == NULL && out[1].n_annotations == 0,
       "absent annotations are NULL");
    ok(wh_registry_cosign_layers_from(&m, 1, &a, &out, &n, &err) == WH_E_LIMIT &&
           strstr(err.msg, "2 layers (limit 1)") != NULL,
       "more layers than limits.signatures → limit: %s", err.msg);
    m.is_index = true;
    ok(wh_registry_cosign_layers_from(&m, 32, &a, &out, &n, &err) == WH_E_INVALID &&
           strstr(err.msg, "is an index") != NULL,
       "an index at a cosign tag → invalid");
    wh_arena_fini(&a);
}

int
main(void)
{
    test_tag_is_digest_with_dash_and_suffix();
    test_layers_from_manifest_pick_cosign_annotations();
    return done_testing();
}
