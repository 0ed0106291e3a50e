#ifndef WH_REGISTRY_RETRY_H
#define WH_REGISTRY_RETRY_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "base/error.h"
#include "base/str.h"

/*
 * Throttling pieces of the registry client: which answers are worth another try, how long to wait
 * (exponential backoff with jitter, or the registry's Retry-After), and a process-wide cap on
 * requests in flight per registry shared by every worker.
 */

struct wh_registry_retry {
    unsigned max_attempts; /* attempts per request, first included; 0 → 4 */
    int64_t base_ms;       /* first backoff ceiling; doubles per attempt; 0 → 200 */
    int64_t max_wait_ms;   /* cap on one wait, Retry-After included; 0 → 10000 */
};

#define WH_REGISTRY_RETRY_AFTER_MAX 16

/* Fills zero fields with the defaults above. */
void wh_registry_retry_defaults(struct wh_registry_retry *r);

/* 429, 500, 502, 503, 504: statuses a GET or HEAD is retried on (go-containerregistry's set). */
bool wh_registry_retry_status(long status);

/*
 * Parses a Retry-After value (RFC 9110 §10.2.3): delay-seconds (digits only, ≤ 10 digits) or an
 * HTTP-date (IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT"; the obsolete RFC 850 and asctime forms
 * too). A date in the past is 0 ms. `now` is wall-clock seconds. Values longer than
 * WH_REGISTRY_RETRY_AFTER_MAX*4 bytes or malformed → WH_E_INVALID. *delay_ms valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_registry_retry_after_parse(struct wh_str value, time_t now,
                                                        int64_t *delay_ms, struct wh_error *err);

/*
 * The wait before attempt `attempt` + 1 (attempt counts from 1): "full jitter" — uniform in
 * [ceiling/2, ceiling] where ceiling = min(base·2^(attempt-1), max_wait). *rng is the caller's
 * xorshift state (any non-zero seed).
 */
int64_t wh_registry_retry_backoff_ms(const struct wh_registry_retry *r, unsigned attempt,
                                     uint64_t *rng);

/*
 * Takes one of `max` request slots for `host`, shared by every thread of the process; waits (at
 * most until `deadline_ms`, monotonic) while `max` are in flight: WH_E_TIMEOUT then, naming the
 * host and the cap. max == 0 means 8. Pair every WH_OK with wh_registry_slot_release(host).
 * At most 256 distinct hosts are tracked; beyond that a host gets no cap rather than an error.
 */
WH_MUST_CHECK enum wh_err wh_registry_slot_acquire(const char *host, unsigned max,
                                                   int64_t deadline_ms, struct wh_error *err);
void wh_registry_slot_release(const char *host);

/* Requests in flight to `host` now (for tests and metrics). */
unsigned wh_registry_slot_in_flight(const char *host);

#endif
