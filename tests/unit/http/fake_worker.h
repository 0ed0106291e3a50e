#ifndef WH_TESTS_HTTP_FAKE_WORKER_H
#define WH_TESTS_HTTP_FAKE_WORKER_H

/* The worker of the fake pipeline http/ tests link instead of pipeline/ (it holds nothing: each
 * test's fake review answers from the body alone). Include after pipeline/review.h. */
#include <stdlib.h>

struct wh_review_worker {
    int unused;
};

struct wh_review_worker *
wh_pipeline_worker_new(struct wh_review_env *env)
{
    (void)env;
    return calloc(1, sizeof(struct wh_review_worker));
}

void
wh_pipeline_worker_free(struct wh_review_worker *w)
{
    free(w);
}

#endif
