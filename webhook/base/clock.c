/* Clocks for the I/O shell: monotonic for deadlines, wall for expiry checks. */
#include "base/clock.h"

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
