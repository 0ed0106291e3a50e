/* admission/patch.c: JSON Pointers from podspec paths (RFC 6901 escaping), the JSONPatch of the
 * pins (idempotent), and the /mutate response carrying it in base64. */
#include "admission/patch.h"

#include <jansson.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/digest.h"
#include "unit/harness.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"

/* The pointer of `path`, or "ERR: <message>" (static). */
static const char *
pointer(const char *path)
{
    static char out[1024];
    struct wh_buf b;
    struct wh_error err = {0};

    wh_buf_init(&b, 1024);
    if (wh_admission_patch_pointer(wh_str_c(path), &b, &err) == WH_OK)
        snprintf(out, sizeof(out), "%s", b.ptr != NULL ? b.ptr : "");
    else
        snprintf(out, sizeof(out), "ERR: %s", err.msg);
    wh_buf_fini(&b);
    return out;
}

static void
test_pointer_from_podspec_paths(void)
{
    ok(strcmp(pointer("spec.containers[0].image"), "/spec/containers/0/image") == 0,
       "spec.containers[0].image → /spec/containers/0/image");
    ok(strcmp(pointer("spec.jobTemplate.spec.template.spec.initContainers[12].image"),
              "/spec/jobTemplate/spec/template/spec/initContainers/12/image") == 0,
       "CronJob init container, two-digit index");
    ok(strcmp(pointer("spec.ephemeralContainers[3].image"), "/spec/ephemeralContainers/3/image") ==
           0,
       "ephemeral container");
    ok(strcmp(pointer("spec.template.spec.volumes[2].image.reference"),
              "/spec/template/spec/volumes/2/image/reference") == 0,
       "image volume: spec.volumes[N].image.reference");
}

static void
test_pointer_escapes_tilde_then_slash(void)
{
    /* RFC 6901 §3: '~' → "~0" first, then '/' → "~1", so "~1" in a key stays distinct. */
    ok(strcmp(pointer("a/b.c~d"), "/a~1b/c~0d") == 0, "a/b.c~d → /a~1b/c~0d: %s",
       pointer("a/b.c~d"));
    ok(strcmp(pointer("x~1y"), "/x~01y") == 0, "a literal \"~1\" in a key → ~01: %s",
       pointer("x~1y"));
    ok(strcmp(pointer("~/~"), "/~0~1~0") == 0, "~/~ → ~0~1~0");
}

static void
test_pointer_refuses_malformed_paths(void)
{
    const char *bad[] = {
        "",       ".spec",    "spec.",    "spec..x", "spec[0",
        "spec[]", "spec[01]", "spec[-1]", "spec[a]", "[0]",
        "spec]x", "spec[0]x", "spec[0]]", "a[0][",   "spec.containers[12345678901234567890].image"};
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ok(strncmp(pointer(bad[i]), "ERR: image path", 15) == 0, "\"%s\" is refused: %s", bad[i],
           pointer(bad[i]));
    ok(strcmp(pointer("a[0][1]"), "/a/0/1") == 0, "nested indexes a[0][1] → /a/0/1");
    ok(strcmp(pointer("spec[0]"), "/spec/0") == 0, "index 0 is not a leading zero");
}

/* Renders `pins`; returns the patch text (heap) or NULL with the error in *err. */
static char *
render(const struct wh_admission_pin *pins, size_t n, size_t *n_ops, struct wh_error *err)
{
    struct wh_buf b;
    char *out = NULL;

    wh_buf_init(&b, 1u << 16);
    if (wh_admission_patch_render(pins, n, &b, n_ops, err) == WH_OK)
        out = strdup(b.ptr);
    wh_buf_fini(&b);
    return out;
}

static void
test_patch_replaces_each_unpinned_image(void)
{
    struct wh_admission_pin pins[] = {
        {"spec.containers[0].image", "reg.example/app:v1", D1},
        {"spec.initContainers[0].image", "nginx", D2},
        {"spec.containers[1].image", "reg.example/app:v1@" D1, D1},
    };
    struct wh_error err = {0};
    size_t n_ops = 99;
    char *p = render(pins, 3, &n_ops, &err);

    ok(p != NULL && strcmp(p, "[{\"op\":\"replace\",\"path\":\"/spec/containers/0/image\","
                              "\"value\":\"reg.example/app:v1@" D1 "\"},"
                              "{\"op\":\"replace\",\"path\":\"/spec/initContainers/0/image\","
                              "\"value\":\"nginx@" D2 "\"}]") == 0,
       "two replace ops, the tag kept, the pinned image untouched: %s", p != NULL ? p : err.msg);
    ok(n_ops == 2, "n_ops 2 (%zu)", n_ops);
    free(p);
}

static void
test_patch_is_idempotent(void)
{
    struct wh_admission_pin first = {"spec.containers[0].image", "app:v1", D1}, again;
    struct wh_error err = {0};
    size_t n_ops = 0;
    char *p = render(&first, 1, &n_ops, &err);
    json_t *j = p != NULL ? json_loads(p, 0, NULL) : NULL;
    const char *value = json_string_value(json_object_get(json_array_get(j, 0), "value"));
    char *q;

    ok(value != NULL && strcmp(value, "app:v1@" D1) == 0, "first patch pins app:v1");
    /* What the apiserver stores after applying it, reviewed again (reinvocationPolicy). */
    again = (struct wh_admission_pin){"spec.containers[0].image", value != NULL ? value : "", D1};
    q = render(&again, 1, &n_ops, &err);
    ok(q != NULL && strcmp(q, "[]") == 0 && n_ops == 0,
       "the patched image again: empty patch, no ops: %s", q != NULL ? q : err.msg);
    ok(wh_admission_pin_is_pinned("app@" D1) && wh_admission_pin_is_pinned("app:v1@" D2) &&
           !wh_admission_pin_is_pinned("reg:5000/app:v1"),
       "pinned means naming a digest (a registry port is not one)");
    json_decref(j);
    free(p);
    free(q);
}

static void
test_patch_escapes_json_and_pointer(void)
{
    struct wh_admission_pin pin = {"spec.a/b.c~d[0].image", "app:\"v1\"\\", D1};
    struct wh_error err = {0};
    size_t n_ops = 0;
    char *p = render(&pin, 1, &n_ops, &err);
    json_t *j = p != NULL ? json_loads(p, JSON_REJECT_DUPLICATES, NULL) : NULL;
    json_t *op = json_array_get(j, 0);

    ok(j != NULL && json_array_size(j) == 1, "the patch is one-element JSON: %s",
       p != NULL ? p : err.msg);
    ok(strcmp(json_string_value(json_object_get(op, "path")), "/spec/a~1b/c~0d/0/image") == 0,
       "path escaped per RFC 6901, then as a JSON string");
    ok(strcmp(json_string_value(json_object_get(op, "value")), "app:\"v1\"\\@" D1) == 0,
       "value JSON-escaped");
    json_decref(j);
    free(p);
}

static void
test_patch_refuses_bad_input(void)
{
    struct wh_admission_pin bad_digest = {"spec.containers[0].image", "app", "sha256:abc"};
    struct wh_admission_pin upper = {"spec.containers[0].image", "app",
                                     "sha256:ABCDEF0123456789abcdef0123456789abcdef0123456789abcde"
                                     "f0123456789"};
    struct wh_admission_pin md5 = {"spec.containers[0].image", "app",
                                   "md5:d41d8cd98f00b204e9800998ecf8427e"};
    struct wh_admission_pin bad_path = {"spec.containers[x].image", "app", D1};
    struct wh_admission_pin bad_utf8 = {"spec.containers[0].image", "app\xff", D1};
    struct wh_admission_pin big = {"spec.containers[0].image", "app", D1};
    struct wh_error err = {0};
    struct wh_buf b;
    size_t n_ops;
    char *p;

    p = render(&bad_digest, 1, &n_ops, &err);
    ok(p == NULL && err.code == WH_E_INVALID && strstr(err.msg, "is not a sha256") != NULL,
       "a short digest is refused: %s", err.msg);
    p = render(&upper, 1, &n_ops, &err);
    ok(p == NULL && err.code == WH_E_INVALID, "uppercase hex is refused");
    p = render(&md5, 1, &n_ops, &err);
    ok(p == NULL && err.code == WH_E_INVALID, "another algorithm is refused");
    p = render(&bad_path, 1, &n_ops, &err);
    ok(p == NULL && err.code == WH_E_INVALID && strstr(err.msg, "malformed index") != NULL,
       "a malformed path is refused: %s", err.msg);
    p = render(&bad_utf8, 1, &n_ops, &err);
    ok(p == NULL && err.code == WH_E_INVALID && strstr(err.msg, "not UTF-8") != NULL,
       "an image that is not UTF-8 is refused: %s", err.msg);
    wh_buf_init(&b, 64);
    ok(wh_admission_patch_render(&big, 1, &b, &n_ops, &err) == WH_E_LIMIT,
       "over the buffer cap: WH_E_LIMIT");
    wh_buf_fini(&b);
}

/* The response's patch field, decoded (heap), or NULL when absent. */
static char *
response_patch(const char *patch, json_t **root)
{
    struct wh_buf b;
    struct wh_error err = {0};
    struct wh_arena a;
    struct wh_bytes dec;
    const char *b64;
    char *out = NULL;

    wh_buf_init(&b, 1u << 16);
    *root = NULL;
    if (wh_admission_mutate_response_render("u-1", wh_str_c(patch), &b, &err) != WH_OK) {
        printf("# %s\n", err.msg);
        wh_buf_fini(&b);
        return NULL;
    }
    *root = json_loadb(b.ptr, b.len, JSON_REJECT_DUPLICATES, NULL);
    wh_buf_fini(&b);
    b64 = json_string_value(json_object_get(json_object_get(*root, "response"), "patch"));
    if (b64 == NULL)
        return NULL;
    wh_arena_init(&a);
    if (wh_digest_base64_decode(wh_str_c(b64), &a, &dec, &err) == WH_OK)
        out = strndup((const char *)dec.ptr, dec.len);
    else
        printf("# base64: %s\n", err.msg);
    wh_arena_fini(&a);
    return out;
}

static void
test_response_carries_base64_patch(void)
{
    const char *cases[] = {"[1]", "[12]", "[123]", "[{\"op\":\"replace\",\"path\":\"/a\"}]"};
    json_t *root, *resp;
    char *p;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        p = response_patch(cases[i], &root);
        resp = json_object_get(root, "response");
        ok(p != NULL && strcmp(p, cases[i]) == 0 &&
               strcmp(json_string_value(json_object_get(resp, "patchType")), "JSONPatch") == 0 &&
               json_is_true(json_object_get(resp, "allowed")) &&
               strcmp(json_string_value(json_object_get(resp, "uid")), "u-1") == 0,
           "patch %s round-trips through base64 (length %zu mod 3), allowed, JSONPatch", cases[i],
           strlen(cases[i]) % 3);
        free(p);
        json_decref(root);
    }
    p = response_patch("[]", &root);
    resp = json_object_get(root, "response");
    ok(p == NULL && json_object_get(resp, "patchType") == NULL &&
           json_is_true(json_object_get(resp, "allowed")) &&
           strcmp(json_string_value(json_object_get(root, "kind")), "AdmissionReview") == 0,
       "nothing to pin: allowed, no patch, no patchType");
    json_decref(root);
}

static void
test_response_errors(void)
{
    struct wh_buf b;
    struct wh_error err = {0};

    wh_buf_init(&b, 1024);
    ok(wh_admission_mutate_response_render("", WH_STR("[]"), &b, &err) == WH_E_INTERNAL,
       "empty uid: WH_E_INTERNAL");
    wh_buf_fini(&b);
    wh_buf_init(&b, 32);
    ok(wh_admission_mutate_response_render("u", WH_STR("[]"), &b, &err) == WH_E_LIMIT,
       "over the cap: WH_E_LIMIT");
    wh_buf_fini(&b);
}

int
main(void)
{
    test_pointer_from_podspec_paths();
    test_pointer_escapes_tilde_then_slash();
    test_pointer_refuses_malformed_paths();
    test_patch_replaces_each_unpinned_image();
    test_patch_is_idempotent();
    test_patch_escapes_json_and_pointer();
    test_patch_refuses_bad_input();
    test_response_carries_base64_patch();
    test_response_errors();
    return done_testing();
}
