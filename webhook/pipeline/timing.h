#ifndef WH_PIPELINE_TIMING_H
#define WH_PIPELINE_TIMING_H

#include <stdint.h>

#include "pipeline/types.h"

/* The monotonic clock in microseconds. */
int64_t wh_pipeline_timing_now_us(void);

/* Adds the time since `since` (wh_pipeline_timing_now_us) to `step` of the review's timing, when
 * the review measures it (ctx->timing not NULL). */
void wh_pipeline_timing_add(const struct wh_image_check_ctx *ctx, enum wh_pipeline_step step,
                            int64_t since);

#endif
