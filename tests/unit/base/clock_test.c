/* Calendar dates (policy expiry days and the schema's "date" format share this reader). */
#include <string.h>

#include "base/clock.h"
#include "unit/harness.h"

static enum wh_date
date(const char *s, time_t *day)
{
    return wh_clock_date((struct wh_str){s, strlen(s)}, day);
}

int
main(void)
{
    time_t day = 0;

    ok(date("1970-01-01", &day) == WH_DATE_OK && day == 0, "1970-01-01 is the epoch");
    ok(date("2024-02-29", &day) == WH_DATE_OK && day == 1709164800,
       "2024-02-29 (leap) at 00:00 UTC");
    ok(date("2000-02-29", &day) == WH_DATE_OK, "2000 is a leap year (divisible by 400)");
    ok(date("2100-02-29", &day) == WH_DATE_NO_SUCH_DAY, "2100 is not (divisible by 100)");
    ok(date("2023-02-29", &day) == WH_DATE_NO_SUCH_DAY, "2023-02-29 is no day");
    ok(date("2026-04-31", &day) == WH_DATE_NO_SUCH_DAY, "April has 30 days");
    ok(date("2026-13-01", &day) == WH_DATE_NO_SUCH_DAY, "month 13");
    ok(date("2026-00-10", &day) == WH_DATE_NO_SUCH_DAY, "month 0");
    ok(date("2026-01-00", &day) == WH_DATE_NO_SUCH_DAY, "day 0");
    ok(date("2026-1-01", &day) == WH_DATE_NOT_YYYY_MM_DD, "one-digit month");
    ok(date("2026/01/01", &day) == WH_DATE_NOT_YYYY_MM_DD, "slashes");
    ok(date("2026-01-01T00:00:00Z", &day) == WH_DATE_NOT_YYYY_MM_DD, "a timestamp is not a date");
    ok(date("2026-0a-01", &day) == WH_DATE_NOT_YYYY_MM_DD, "a letter");
    ok(wh_clock_date((struct wh_str){"2026-01-011", 10}, &day) == WH_DATE_OK,
       "only the view's 10 bytes are read");
    return done_testing();
}
