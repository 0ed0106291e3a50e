#ifndef WH_BASE_CLOCK_H
#define WH_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Monotonic milliseconds: deadlines are absolute values of this clock. */
int64_t wh_clock_mono_ms(void);
/* Milliseconds left until `deadline_ms` (≤ 0 when passed). */
int64_t wh_clock_left_ms(int64_t deadline_ms);
/* Wall-clock seconds since the epoch: only the I/O shell reads it; the core takes `now`. */
time_t wh_clock_wall(void);

#endif
