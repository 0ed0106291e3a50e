/* Step latencies of a review (driftgate_review_step_duration_seconds{step}), summed per step. */
#include "pipeline/timing.h"

#include <time.h>

int64_t
wh_pipeline_timing_now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
wh_pipeline_timing_add(const struct wh_image_check_ctx *ctx, enum wh_pipeline_step step,
                       int64_t since)
{
    int64_t d;

    if (ctx->timing == NULL)
        return;
    d = wh_pipeline_timing_now_us() - since;
    switch (step) {
    case WH_PIPELINE_STEP_RESOLVE:
        ctx->timing->resolve_us += d;
        break;
    case WH_PIPELINE_STEP_VERIFY:
        ctx->timing->verify_us += d;
        break;
    case WH_PIPELINE_STEP_SBOM:
        ctx->timing->sbom_us += d;
        break;
    case WH_PIPELINE_STEP_EVALUATE:
        ctx->timing->evaluate_us += d;
        break;
    }
}
