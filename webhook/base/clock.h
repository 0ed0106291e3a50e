#ifndef WH_BASE_CLOCK_H
#define WH_BASE_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "base/str.h"

/* Monotonic milliseconds: deadlines are absolute values of this clock. */
int64_t wh_clock_mono_ms(void);
/* Milliseconds left until `deadline_ms` (≤ 0 when passed). */
int64_t wh_clock_left_ms(int64_t deadline_ms);
/* Wall-clock seconds since the epoch: only the I/O shell reads it; the core takes `now`. */
time_t wh_clock_wall(void);

/* What wh_clock_date made of a text. */
enum wh_date { WH_DATE_OK, WH_DATE_NOT_YYYY_MM_DD, WH_DATE_NO_SUCH_DAY };

/* Reads a calendar date: exactly "YYYY-MM-DD" in ASCII digits, a real month and a day that
 * month has (leap years counted). On WH_DATE_OK *day is 00:00:00 UTC of it. */
enum wh_date wh_clock_date(struct wh_str text, time_t *day);

#endif
