/* validate.c: the apiserver's ?timeout parsing and the review budget derived from it. */
#include "http/validate.c"

#include "unit/harness.h"
#include "unit/http/fake_worker.h"

/* validate.c calls into the pipeline; these tests exercise only its pure helpers, so the
 * review API is stubbed to keep the real pipeline out of the link. */
bool
wh_pipeline_env_ready(struct wh_review_env *env, char *detail, size_t cap)
{
    (void)env;
    snprintf(detail, cap, "stub");
    return true;
}

void
wh_pipeline_review_mutate(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
                          struct wh_review_reply *reply)
{
    wh_pipeline_review_handle(w, body, deadline_ms, reply);
}

void
wh_pipeline_review_handle(struct wh_review_worker *w, struct wh_bytes body, int64_t deadline_ms,
                          struct wh_review_reply *reply)
{
    (void)w;
    (void)body;
    (void)deadline_ms;
    (void)reply;
    WH_ASSERT(!"not called by these tests");
}

bool
wh_pipeline_review_mutate_cached(struct wh_review_env *env, struct wh_bytes body,
                                 int64_t deadline_ms, struct wh_review_reply *reply)
{
    return wh_pipeline_review_cached(env, body, deadline_ms, reply);
}

bool
wh_pipeline_review_cached(struct wh_review_env *env, struct wh_bytes body, int64_t deadline_ms,
                          struct wh_review_reply *reply)
{
    (void)env;
    (void)body;
    (void)deadline_ms;
    (void)reply;
    WH_ASSERT(!"not called by these tests");
    return false;
}

static int64_t
parse(const char *q)
{
    int64_t ms = -7;

    return wh_http_timeout_parse(wh_str_c(q), &ms) ? ms : -1;
}

static void
test_timeout_parses_go_durations(void)
{
    ok(parse("timeout=10s") == 10000, "10s");
    ok(parse("timeout=30s") == 30000, "30s");
    ok(parse("timeout=1m30s") == 90000, "1m30s");
    ok(parse("timeout=500ms") == 500, "500ms");
    ok(parse("a=b&timeout=2s&c=d") == 2000, "timeout among other parameters");
    ok(parse("xtimeout=2s") == -1, "parameter name must match exactly");
    ok(parse("timeout=") == -1, "empty value rejected");
    ok(parse("timeout=10") == -1, "missing unit rejected");
    ok(parse("timeout=10x") == -1, "unknown unit rejected");
    ok(parse("timeout=-1s") == -1, "negative rejected");
    ok(parse("timeout=99999999999999s") == -1, "huge value rejected");
    ok(parse("") == -1, "no query");
}

static void
test_budget_leaves_margin_and_caps(void)
{
    ok(wh_http_budget_ms(10000, 1000, 25000) == 9000, "10 s timeout, 1 s margin → 9 s");
    ok(wh_http_budget_ms(30000, 1000, 25000) == 25000, "capped by reviewMaxSeconds");
    ok(wh_http_budget_ms(-1, 1000, 25000) == 25000, "no timeout → the configured max");
    ok(wh_http_budget_ms(1000, 1000, 25000) == 500, "margin ≥ timeout keeps half the timeout");
}

int
main(void)
{
    test_timeout_parses_go_durations();
    test_budget_leaves_margin_and_caps();
    return done_testing();
}
