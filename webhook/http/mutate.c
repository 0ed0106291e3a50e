/*
 * POST /mutate: the MutatingWebhookConfiguration's endpoint, handled exactly like /validate
 * (validate.c): answered on the loop thread when every image is fresh in the cache
 * (wh_pipeline_review_mutate_cached, the bytes a worker would send), else queued for a worker
 * running wh_pipeline_review_mutate, which verifies each image (or finds it in the cache /validate
 * then reads) and answers allowed with a JSONPatch pinning the verified images to their digests.
 * It never denies: the validating webhook decides.
 */
#include "http/internal.h"

void
wh_http_mutate(struct wh_http_server *s, h2o_req_t *req)
{
    wh_http_review_submit(s, req, true);
}
