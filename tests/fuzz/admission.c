/* AdmissionReview decode and response render: a parsed request has a uid and non-empty images
 * within the limit; its response is valid JSON echoing the uid; a rejection is INVALID or LIMIT
 * with a message. Small limits so the LIMIT paths are reached too. */
#include "fuzz/fuzz.h"

#include <jansson.h>
#include <string.h>

#include "admission/request.h"
#include "admission/response.h"

static void
check_response(const struct wh_admission_request *req, struct wh_arena *a)
{
    struct wh_decision d;
    struct wh_buf b;
    struct wh_error err;
    json_error_t jerr;
    json_t *j;
    size_t i;

    wh_decision_init(&d, a);
    for (i = 0; i < req->n_images; i++)
        wh_decision_warn(&d, "%s %s", req->images[i].path, req->images[i].image);
    if (req->n_annotations > 0)
        wh_decision_deny(&d, "%s=%s", req->annotations[0].key, req->annotations[0].value);
    wh_buf_init(&b, 1u << 22);
    WH_ASSERT(wh_admission_response_render(req->uid, &d, &b, &err) == WH_OK);
    j = json_loadb(b.ptr, b.len, JSON_REJECT_DUPLICATES, &jerr);
    WH_ASSERT(j != NULL);
    /* jansson validated the request's UTF-8, so the uid must come back byte for byte. */
    WH_ASSERT(strcmp(json_string_value(json_object_get(json_object_get(j, "response"), "uid")),
                     req->uid) == 0);
    json_decref(j);
    wh_buf_fini(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_admission_request req;
    struct wh_error err;
    size_t i;

    lim.json_depth = 24;
    lim.images = 8;
    lim.body_bytes = 1u << 16;
    wh_arena_init(&a);
    if (wh_admission_request_parse((struct wh_bytes){data, size}, &lim, &a, &req, &err) == WH_OK) {
        WH_ASSERT(req.uid != NULL && req.uid[0] != '\0');
        WH_ASSERT(req.kind != NULL && req.kind[0] != '\0' && req.operation != NULL);
        WH_ASSERT(req.n_images <= lim.images);
        for (i = 0; i < req.n_images; i++)
            WH_ASSERT(req.images[i].image[0] != '\0' && req.images[i].path != NULL &&
                      req.images[i].container != NULL);
        check_response(&req, &a);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(err.msg[0] != '\0');
    }
    wh_arena_fini(&a);
    return 0;
}
