/* Clocks for the I/O shell: monotonic for deadlines, wall for expiry checks; calendar dates. */
#include "base/clock.h"

#include <string.h>

int64_t
wh_clock_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
wh_clock_left_ms(int64_t deadline_ms)
{
    return deadline_ms - wh_clock_mono_ms();
}

time_t
wh_clock_wall(void)
{
    return time(NULL);
}

enum wh_date
wh_clock_date(struct wh_str text, time_t *day)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const char *t = text.ptr;
    int y = 0, m = 0, d = 0, i, dim;
    struct tm tm;

    if (text.len != 10 || t[4] != '-' || t[7] != '-')
        return WH_DATE_NOT_YYYY_MM_DD;
    for (i = 0; i < 10; i++) {
        if (i == 4 || i == 7)
            continue;
        if (t[i] < '0' || t[i] > '9')
            return WH_DATE_NOT_YYYY_MM_DD;
        if (i < 4)
            y = y * 10 + (t[i] - '0');
        else if (i < 7)
            m = m * 10 + (t[i] - '0');
        else
            d = d * 10 + (t[i] - '0');
    }
    if (m < 1 || m > 12)
        return WH_DATE_NO_SUCH_DAY;
    dim = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
    if (d < 1 || d > dim)
        return WH_DATE_NO_SUCH_DAY;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    *day = timegm(&tm);
    return WH_DATE_OK;
}
