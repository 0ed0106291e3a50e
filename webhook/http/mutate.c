/*
 * POST /mutate: the MutatingWebhookConfiguration's endpoint. The loop thread queues it exactly
 * like /validate (validate.c); the worker runs wh_pipeline_review_mutate, which verifies each image
 * (or finds it in the cache /validate then reads) and answers allowed with a JSONPatch pinning the
 * verified images to their digests. It never denies: the validating webhook decides.
 */
#include "http/internal.h"

void
wh_http_mutate(struct wh_http_server *s, h2o_req_t *req)
{
    wh_http_review_submit(s, req, true);
}
