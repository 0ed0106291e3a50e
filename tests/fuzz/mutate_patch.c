/*
 * The /mutate patch over untrusted AdmissionReviews: every image the decoder lists gets a pin
 * (a digest made from its index), and the rendered JSONPatch must be a JSON array of replace ops
 * whose pointers, followed in the request's own object, land on the image string they replace
 * (so no op can touch another field), whose values are IMAGE@DIGEST, which skips exactly the
 * images already naming a digest, and which the mutate response carries in base64 byte for byte.
 * Rendering again for the patched images yields "[]" (idempotence). The input's first 512 bytes
 * also go to the pointer converter alone, as a path: it refuses with WH_E_INVALID or writes a
 * pointer starting with '/'.
 */
#include "fuzz/fuzz.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "admission/patch.h"
#include "admission/request.h"
#include "base/arena.h"
#include "base/digest.h"

/* RFC 6901 §4: follows `pointer` from `root`; NULL when a step is missing. */
static json_t *
follow(json_t *root, const char *pointer)
{
    char seg[256];
    const char *p = pointer;
    json_t *cur = root;

    while (cur != NULL && *p == '/') {
        size_t n = 0;

        p++;
        while (*p != '\0' && *p != '/') {
            char c = *p++;

            if (c == '~') {
                WH_ASSERT(*p == '0' || *p == '1'); /* the renderer escapes only these */
                c = *p++ == '0' ? '~' : '/';
            }
            WH_ASSERT(n < sizeof(seg) - 1);
            seg[n++] = c;
        }
        seg[n] = '\0';
        if (json_is_array(cur)) {
            char *end;
            unsigned long i = strtoul(seg, &end, 10);

            cur = *end == '\0' ? json_array_get(cur, i) : NULL;
        } else {
            cur = json_object_get(cur, seg);
        }
    }
    return cur;
}

static void
check_pointer_alone(const uint8_t *data, size_t size)
{
    struct wh_buf b;
    struct wh_error err;
    enum wh_err rc;

    wh_buf_init(&b, 1u << 16);
    rc = wh_admission_patch_pointer((struct wh_str){(const char *)data, size}, &b, &err);
    if (rc == WH_OK)
        WH_ASSERT(b.len > 0 && b.ptr[0] == '/');
    else
        WH_ASSERT(rc == WH_E_INVALID && err.msg[0] != '\0');
    wh_buf_fini(&b);
}

static void
check_patch(struct wh_bytes body, const struct wh_admission_request *req, struct wh_arena *a)
{
    struct wh_admission_pin *pins = wh_arena_calloc(a, req->n_images + 1, sizeof(*pins));
    struct wh_buf patch, resp, again_buf;
    struct wh_error err;
    json_t *root, *object, *ops, *op, *r;
    size_t i, n_ops = 0, n_again = 0, k = 0, unpinned = 0;
    enum wh_err rc;
    struct wh_bytes dec;

    /* jansson reads what the decoder accepted, except the odd byte sequence it treats otherwise
     * (admission.c's differential); then only the pointers go unchecked. */
    root = json_loadb((const char *)body.ptr, body.len, 0, NULL);
    object = json_object_get(json_object_get(root, "request"), "object");
    for (i = 0; i < req->n_images; i++) {
        pins[i].path = req->images[i].path;
        pins[i].image = req->images[i].image;
        pins[i].digest = wh_arena_sprintf(a, "sha256:%064zx", i);
        unpinned += !wh_admission_pin_is_pinned(pins[i].image);
    }
    wh_buf_init(&patch, 1u << 22);
    rc = wh_admission_patch_render(pins, req->n_images, &patch, &n_ops, &err);
    WH_ASSERT(rc == WH_OK); /* decoded paths and images are always renderable */
    WH_ASSERT(n_ops == unpinned);
    ops = json_loadb(patch.ptr, patch.len, JSON_REJECT_DUPLICATES, NULL);
    WH_ASSERT(json_is_array(ops) && json_array_size(ops) == n_ops);
    for (i = 0; i < req->n_images; i++) {
        const char *value, *path;
        json_t *target;

        if (wh_admission_pin_is_pinned(pins[i].image))
            continue;
        op = json_array_get(ops, k++);
        WH_ASSERT(strcmp(json_string_value(json_object_get(op, "op")), "replace") == 0);
        path = json_string_value(json_object_get(op, "path"));
        value = json_string_value(json_object_get(op, "value"));
        WH_ASSERT(path != NULL && value != NULL);
        target = follow(object, path);
        if (root != NULL && (target == NULL || !json_is_string(target) ||
                             strcmp(json_string_value(target), pins[i].image) != 0)) {
            fprintf(stderr, "%s (%s) does not point at %s\n", path, pins[i].path, pins[i].image);
            WH_ASSERT(!"the pointer lands on the image it replaces");
        }
        WH_ASSERT(strlen(value) == strlen(pins[i].image) + 1 + strlen(pins[i].digest) &&
                  strncmp(value, pins[i].image, strlen(pins[i].image)) == 0);
        pins[i].image = wh_arena_strdup(a, value); /* as stored after the patch */
    }
    wh_buf_init(&again_buf, 1u << 22);
    WH_ASSERT(wh_admission_patch_render(pins, req->n_images, &again_buf, &n_again, &err) == WH_OK);
    WH_ASSERT(n_again == 0 && strcmp(again_buf.ptr, "[]") == 0);
    wh_buf_init(&resp, 1u << 23);
    WH_ASSERT(wh_admission_mutate_response_render(req->uid, (struct wh_str){patch.ptr, patch.len},
                                                  &resp, &err) == WH_OK);
    r = json_loadb(resp.ptr, resp.len, JSON_REJECT_DUPLICATES, NULL);
    WH_ASSERT(r != NULL && json_object_get(r, "response") != NULL);
    {
        json_t *response = json_object_get(r, "response");
        const char *b64 = json_string_value(json_object_get(response, "patch"));

        WH_ASSERT(json_is_true(json_object_get(response, "allowed")));
        WH_ASSERT(strcmp(json_string_value(json_object_get(response, "uid")), req->uid) == 0);
        if (n_ops == 0) {
            WH_ASSERT(b64 == NULL);
        } else {
            WH_ASSERT(b64 != NULL &&
                      wh_digest_base64_decode(wh_str_c(b64), a, &dec, &err) == WH_OK);
            WH_ASSERT(dec.len == patch.len && memcmp(dec.ptr, patch.ptr, patch.len) == 0);
        }
    }
    json_decref(r);
    json_decref(ops);
    json_decref(root);
    wh_buf_fini(&patch);
    wh_buf_fini(&again_buf);
    wh_buf_fini(&resp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_admission_request req;
    struct wh_error err;

    check_pointer_alone(data, size > 512 ? 512 : size);
    lim.json_depth = 24;
    lim.images = 16;
    lim.body_bytes = 1u << 16;
    wh_arena_init(&a);
    if (wh_admission_request_parse((struct wh_bytes){data, size}, &lim, &a, &req, &err) == WH_OK)
        check_patch((struct wh_bytes){data, size}, &req, &a);
    wh_arena_fini(&a);
    return 0;
}
