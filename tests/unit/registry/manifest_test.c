/* OCI/Docker manifest and index parsing: good, bad, huge, deep, lying. */
#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "registry/manifest.c"
#include "unit/harness.h"
#include "unit/last_parse.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

static const char *oci_manifest =
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
    "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1
    "\",\"size\":233},"
    "\"layers\":[{\"mediaType\":\"application/vnd.dsse.envelope.v1+json\",\"digest\":\"" D2
    "\",\"size\":100,\"annotations\":{\"predicateType\":\"https://cyclonedx.org/bom\","
    "\"dev.cosignproject.cosign/signature\":\"\"}},"
    "{\"mediaType\":\"application/vnd.dsse.envelope.v1+json\",\"digest\":\"" D3 "\",\"size\":0}],"
    "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1
    "\",\"size\":5},\"annotations\":{\"org.opencontainers.image.created\":\"now\"}}";

static const char *docker_list =
    "{\"schemaVersion\":2,\"mediaType\":\"application/"
    "vnd.docker.distribution.manifest.list.v2+json\","
    "\"manifests\":[{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
    "\"digest\":\"" D1 "\",\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm\","
    "\"variant\":\"v7\"}},"
    "{\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"digest\":\"" D2
    "\",\"size\":11,\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}}]}";

/* What the last parse gave (see last_parse.h). */
static struct wh_registry_manifest manifest;

static enum wh_err
parse(const char *json, const char *content_type)
{
    struct wh_limits limits = WH_LIMITS_DEFAULT;

    return wh_registry_manifest_parse(text_bytes(json), content_type, &limits, last_parse_arena(),
                                      &manifest, &err);
}

static void
test_oci_manifest_with_layers_annotations_subject(void)
{
    char want[WH_DIGEST_STR_LEN];

    ok(parse(oci_manifest, "application/vnd.oci.image.manifest.v1+json") == WH_OK,
       "OCI manifest parses");
    wh_digest_sha256_str(oci_manifest, strlen(oci_manifest), want);
    ok(strcmp(manifest.digest, want) == 0, "digest is sha256 of the body");
    ok(!manifest.is_index && manifest.n_layers == 2 && manifest.n_manifests == 0,
       "two layers, not an index");
    ok(strcmp(manifest.config.digest, D1) == 0 && manifest.config.size == 233, "config descriptor");
    ok(strcmp(manifest.layers[0].digest, D2) == 0 && manifest.layers[0].size == 100, "layer 0");
    ok(manifest.layers[0].n_annotations == 2 &&
           strcmp(wh_registry_annotation_get(manifest.layers[0].annotations,
                                             manifest.layers[0].n_annotations, "predicateType"),
                  "https://cyclonedx.org/bom") == 0,
       "layer annotations");
    ok(wh_registry_annotation_get(manifest.layers[1].annotations, manifest.layers[1].n_annotations,
                                  "x") == NULL,
       "no annotations → lookup NULL");
    ok(manifest.subject_digest != NULL && strcmp(manifest.subject_digest, D1) == 0,
       "subject digest");
    ok(manifest.n_annotations == 1, "manifest annotations");
}

static void
test_docker_list_and_platform_find(void)
{
    const struct wh_registry_descriptor *d;

    ok(parse(docker_list, NULL) == WH_OK, "Docker manifest list parses");
    ok(manifest.is_index && manifest.n_manifests == 2 && manifest.n_layers == 0,
       "index with two entries");
    d = wh_registry_manifest_platform_find(&manifest, "linux", "amd64", NULL);
    ok(d != NULL && strcmp(d->digest, D2) == 0, "linux/amd64 found");
    d = wh_registry_manifest_platform_find(&manifest, "linux", "arm", "v7");
    ok(d != NULL && strcmp(d->digest, D1) == 0 && strcmp(d->variant, "v7") == 0, "linux/arm/v7");
    ok(wh_registry_manifest_platform_find(&manifest, "linux", "arm", "v6") == NULL,
       "variant mismatch");
    ok(wh_registry_manifest_platform_find(&manifest, "windows", "amd64", NULL) == NULL,
       "os mismatch");
}

static void
test_media_type_from_header_or_shape(void)
{
    ok(parse("{\"schemaVersion\":2,\"manifests\":[]}",
             "application/vnd.oci.image.index.v1+json; charset=utf-8") == WH_OK &&
           manifest.is_index && strcmp(manifest.media_type, WH_REGISTRY_MT_OCI_INDEX) == 0,
       "Content-Type with parameters supplies the type");
    ok(parse("{\"schemaVersion\":2,\"manifests\":[]}", "application/json") == WH_OK &&
           manifest.is_index,
       "no mediaType anywhere: an index by shape");
}

static void
expect(enum wh_err code, const char *json, const char *substring)
{
    enum wh_err rc = parse(json, NULL);

    ok(rc == code && strstr(err.msg, substring) != NULL, "%.60s… → %s: %s", json,
       wh_error_name(code), rc == WH_OK ? "(ok)" : err.msg);
}

static void
test_bad_manifests(void)
{
    expect(WH_E_INVALID, "{", "manifest JSON 1:");
    expect(WH_E_INVALID, "[]", "not a JSON object");
    expect(WH_E_INVALID, "{\"schemaVersion\":1,\"layers\":[]}", "schemaVersion is not 2");
    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"mediaType\":\"application/"
           "vnd.docker.distribution.manifest.v1+prettyjws\"}",
           "unsupported manifest mediaType");
    expect(WH_E_INVALID, "{\"schemaVersion\":2}", "no mediaType, layers or manifests");
    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
           "\"layers\":[]}",
           "config is not an object");
    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
           "\"manifests\":[{\"digest\":\"sha256:abc\",\"size\":1}]}",
           "manifests[0].digest \"sha256:abc\" is not sha256:<64 hex>");
    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":-1}]}",
           "manifests[0].size is not a non-negative integer");
    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":1,"
           "\"annotations\":{\"a\":1}}]}",
           "manifests[0].annotations[\"a\"] is not a string");
    expect(WH_E_INVALID, "{\"schemaVersion\":2,\"manifests\":[],\"manifests\":[]}", "duplicate");
    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"layers\":[{\"digest\":\"" D1 "\",\"size\":1}],"
           "\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":1}}",
           "layers[0].mediaType is missing");
}

static void
test_header_and_body_types_must_agree(void)
{
    ok(parse(docker_list, WH_REGISTRY_MT_OCI_MANIFEST) == WH_E_INVALID &&
           strstr(err.msg, "disagrees with Content-Type") != NULL,
       "body says list, header says manifest → invalid: %s", err.msg);
}

static void
test_huge_and_deep_manifests_hit_limits(void)
{
    struct wh_limits limits = WH_LIMITS_DEFAULT;
    size_t n = WH_REGISTRY_MAX_DESCRIPTORS + 1, len = 0;
    char *big = malloc(n * 120 + 100);
    enum wh_err rc;

    len += (size_t)sprintf(big, "{\"schemaVersion\":2,\"manifests\":[");
    for (size_t i = 0; i < n; i++)
        len += (size_t)sprintf(big + len, "%s{\"digest\":\"%s\",\"size\":1}", i ? "," : "", D1);
    len += (size_t)sprintf(big + len, "]}");
    rc = wh_registry_manifest_parse((struct wh_bytes){(unsigned char *)big, len}, NULL, &limits,
                                    last_parse_arena(), &manifest, &err);
    ok(rc == WH_E_LIMIT && strstr(err.msg, "manifests has 1025 entries") != NULL,
       "too many descriptors → limit: %s", err.msg);
    limits.manifest_bytes = 1000;
    rc = wh_registry_manifest_parse((struct wh_bytes){(unsigned char *)big, len}, NULL, &limits,
                                    last_parse_arena(), &manifest, &err);
    ok(rc == WH_E_LIMIT && strstr(err.msg, "(limit 1000)") != NULL,
       "over manifest_bytes → limit: %s", err.msg);
    limits = (struct wh_limits)WH_LIMITS_DEFAULT;
    len = 0;
    for (size_t i = 0; i < 100; i++)
        big[len++] = '[';
    for (size_t i = 0; i < 100; i++)
        big[len++] = ']';
    rc = wh_registry_manifest_parse((struct wh_bytes){(unsigned char *)big, len}, NULL, &limits,
                                    last_parse_arena(), &manifest, &err);
    ok(rc == WH_E_LIMIT && strstr(err.msg, "nesting exceeds 64 levels") != NULL,
       "deep nesting → limit: %s", err.msg);
    memcpy(big,
           "[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"\"]",
           79);
    rc = wh_registry_manifest_parse((struct wh_bytes){(unsigned char *)big, 79}, NULL, &limits,
                                    last_parse_arena(), &manifest, &err);
    ok(rc == WH_E_INVALID, "brackets inside strings do not count as depth: %s", err.msg);
    free(big);
}

/* `prefix` + `item` joined by ',' + `suffix`, about `size` bytes; caller frees. */
static char *
fill(const char *prefix, const char *item, const char *suffix, size_t size, size_t *len)
{
    char *b = malloc(size + 1);
    size_t n = strlen(prefix), k = strlen(item);

    memcpy(b, prefix, n);
    while (n + k + 1 + strlen(suffix) < size) {
        memcpy(b + n, item, k);
        n += k;
        b[n++] = ',';
    }
    n--; /* the last ',' */
    memcpy(b + n, suffix, strlen(suffix));
    n += strlen(suffix);
    b[n] = '\0';
    *len = n;
    return b;
}

static void
test_huge_arrays_cost_a_scan_not_a_tree(void)
{
    struct wh_limits limits = WH_LIMITS_DEFAULT;
    size_t len;
    char *big =
        fill("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
             "\"manifests\":[",
             "{}", "]}", (4u << 20) - 64, &len);
    enum wh_err rc;

    rc = wh_registry_manifest_parse((struct wh_bytes){(unsigned char *)big, len}, NULL, &limits,
                                    last_parse_arena(), &manifest, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "manifests[0].digest is missing") != NULL &&
           arena.total < 4096,
       "a 4 MiB index of empty entries fails at the first, %zu arena bytes: %s", arena.total,
       err.msg);
    free(big);
    big = fill("{\"schemaVersion\":2,\"manifests\":[",
               "{\"digest\":\"" D1 "\",\"size\":1,\"platform\":{\"os\":\"linux\","
               "\"architecture\":\"amd64\"}}",
               "]}", 2u << 20, &len);
    rc = wh_registry_manifest_parse((struct wh_bytes){(unsigned char *)big, len}, NULL, &limits,
                                    last_parse_arena(), &manifest, &err);
    ok(rc == WH_E_LIMIT && strstr(err.msg, "entries (limit 1024)") != NULL &&
           arena.total < (1u << 20),
       "2 MiB of well-formed entries stops at the cap, %zu arena bytes: %s", arena.total, err.msg);
    free(big);
}

static void
test_duplicates_caps_and_platform_presence(void)
{
    char ann[16384];
    size_t n = 0;

    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":1,"
           "\"digest\":\"" D2 "\"}]}",
           "duplicate object key");
    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":1,"
           "\"platform\":{\"os\":\"windows\",\"os\":\"linux\"}}]}",
           "duplicate object key");
    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":1,"
           "\"annotations\":{\"a\":\"1\",\"a\":\"2\"}}]}",
           "duplicate object key");
    expect(WH_E_INVALID, "{\"schemaVersion\":2.0,\"manifests\":[]}", "schemaVersion is not 2");
    expect(WH_E_INVALID,
           "{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":1e3}]}",
           "size is not a non-negative integer");
    n += (size_t)snprintf(ann + n, sizeof(ann) - n,
                          "{\"schemaVersion\":2,\"manifests\":[],\"annotations\":{");
    for (int i = 0; i <= WH_REGISTRY_MAX_ANNOTATIONS; i++)
        n += (size_t)snprintf(ann + n, sizeof(ann) - n, "%s\"k%d\":\"v\"", i ? "," : "", i);
    snprintf(ann + n, sizeof(ann) - n, "}}");
    expect(WH_E_LIMIT, ann, "more than 256 annotations");
    ok(parse("{\"schemaVersion\":2,\"manifests\":[{\"digest\":\"" D1 "\",\"size\":1},"
             "{\"digest\":\"" D2 "\",\"size\":1,\"platform\":{\"os.version\":\"x\"},"
             "\"urls\":[\"u\"],\"unknown\":{\"x\":1,\"x\":2}}]}",
             NULL) == WH_OK &&
           !manifest.manifests[0].has_platform && manifest.manifests[1].has_platform &&
           manifest.manifests[1].os == NULL,
       "platform presence is recorded; unknown members are skipped: %s", err.msg);
}

int
main(void)
{
    test_oci_manifest_with_layers_annotations_subject();
    test_docker_list_and_platform_find();
    test_media_type_from_header_or_shape();
    test_bad_manifests();
    test_header_and_body_types_must_agree();
    test_huge_and_deep_manifests_hit_limits();
    test_huge_arrays_cost_a_scan_not_a_tree();
    test_duplicates_caps_and_platform_presence();
    last_parse_fini();
    return done_testing();
}
