/*
 * Structured logs: one JSON object per line on stderr. Unbuffered, each line is a single
 * write(2). Buffered (a serving process), lines gather in a bounded buffer that one writer thread
 * empties: the front half is filled under the mutex while the back half is written outside it,
 * so no logging thread ever waits on the file, and a full buffer drops lines (counted) instead.
 */
#include "base/log.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/str.h"

/* The writer writes at most once per GATHER_MS (at once when the buffer is half full, when a
 * flush is asked for, and when its last write is older than that): a lone line reaches the file
 * as soon as the writer runs, and a busy server costs one wake-up and one write(2) per batch,
 * not per line. 10 ms: a loop thread answering one cached review every 100 µs wakes the writer
 * for one review in a hundred, not one in ten (its futex wake and the writer's two context
 * switches were a tenth of a cached review's cost at one connection). */
#define GATHER_MS 10

static enum wh_log_level min_level = WH_LOG_INFO;

/* The buffer. `lock` guards every field; it is held for a memcpy or a pointer swap, never
 * across a write(2). */
static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* CLOCK_MONOTONIC; initialised by wh_log_buffer_start */
    bool is_on;          /* lines go to `front` */
    bool is_stopping;
    bool is_flush_asked; /* wh_log_buffer_flush: write without gathering */
    bool has_thread;
    int fd;
    char *front, *back; /* each `cap` bytes */
    size_t len, cap;
    unsigned long long unreported; /* dropped since the writer last said so */
    struct timespec last_write;    /* CLOCK_MONOTONIC, the writer's last batch */
    pthread_t thread;
} lg = {.lock = PTHREAD_MUTEX_INITIALIZER};

static atomic_ullong dropped_total;

void
wh_log_set_level(enum wh_log_level level)
{
    min_level = level;
}

/* All of `len` bytes, through short writes and EINTR; a closed or failing stderr loses them. */
static void
write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* a log line lost to a closed stderr is not worth failing a review for */
        p += n;
        len -= (size_t)n;
    }
}

/* {"ts":..., "level":..., "msg":...}\n into `b`. */
static void
render_line(enum wh_log_level level, const char *msg, size_t len, struct wh_buf *b)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char ts[32];
    struct timespec now;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    wh_buf_printf(b, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts, names[level]);
    wh_buf_append_json_string(b, (struct wh_str){msg, len});
    wh_buf_append_c(b, "}\n");
}

void
wh_log(enum wh_log_level level, const char *fmt, ...)
{
    char msg[1024];
    size_t len;
    int n;
    struct wh_buf b;
    va_list ap;

    if (level < min_level)
        return;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* A long message is cut where a UTF-8 sequence starts, not inside one; whatever it holds,
     * the JSON writer escapes it, so a message never forges a field or a line. */
    len = n < 0 ? 0 : wh_utf8_cut(msg, (size_t)n, sizeof(msg) - 1);
    wh_buf_init(&b, 4096);
    render_line(level, msg, len, &b);
    if (!b.overflow)
        wh_log_json_line(b.ptr, b.len);
    wh_buf_fini(&b);
}

void
wh_log_json_line(const char *json, size_t len)
{
    size_t was;

    pthread_mutex_lock(&lg.lock);
    if (!lg.is_on) {
        pthread_mutex_unlock(&lg.lock);
        write_all(STDERR_FILENO, json, len);
        return;
    }
    if (len > lg.cap - lg.len) {
        /* Full: drop the whole line and count it. Waiting here would stall the loop thread on
         * whatever reads stderr. */
        lg.unreported++;
        atomic_fetch_add(&dropped_total, 1);
        pthread_mutex_unlock(&lg.lock);
        return;
    }
    was = lg.len;
    memcpy(lg.front + lg.len, json, len);
    lg.len += len;
    /* Wake the writer when the buffer stops being empty (it then gathers for GATHER_MS) and
     * when it crosses half full (it writes at once). */
    if (was == 0 || (was < lg.cap / 2 && lg.len >= lg.cap / 2))
        pthread_cond_signal(&lg.wake);
    pthread_mutex_unlock(&lg.lock);
}

unsigned long long
wh_log_dropped(void)
{
    return atomic_load(&dropped_total);
}

/* The writer's warning about `n` lines it never saw. */
static void
write_dropped(int fd, unsigned long long n, size_t cap)
{
    char msg[256];
    struct wh_buf b;
    int len = snprintf(msg, sizeof(msg),
                       "log: %llu lines dropped: the log buffer (%zu bytes) was full, stderr is "
                       "read slower than lines are logged",
                       n, cap);

    wh_buf_init(&b, 1024);
    render_line(WH_LOG_WARN, msg, len < 0 ? 0 : (size_t)len, &b);
    if (!b.overflow)
        write_all(fd, b.ptr, b.len);
    wh_buf_fini(&b);
}

/* Waits (locked) until GATHER_MS after the last batch, unless the buffer is half full, a flush
 * is asked for or the writer stops. A last batch older than that: no wait at all. */
static void
gather(void)
{
    struct timespec ts = lg.last_write;

    ts.tv_nsec += GATHER_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    while (!lg.is_stopping && !lg.is_flush_asked && lg.len < lg.cap / 2)
        if (pthread_cond_timedwait(&lg.wake, &lg.lock, &ts) == ETIMEDOUT)
            break;
}

static void *
run_writer(void *arg)
{
    char *out;
    size_t n;
    unsigned long long dropped;

    (void)arg;
    pthread_mutex_lock(&lg.lock);
    for (;;) {
        while (lg.len == 0 && lg.unreported == 0 && !lg.is_stopping)
            pthread_cond_wait(&lg.wake, &lg.lock);
        if (lg.len == 0 && lg.unreported == 0)
            break; /* stopping and empty */
        gather();
        out = lg.front;
        lg.front = lg.back;
        lg.back = out;
        n = lg.len;
        lg.len = 0;
        dropped = lg.unreported;
        lg.unreported = 0;
        lg.is_flush_asked = false;
        pthread_mutex_unlock(&lg.lock);
        write_all(lg.fd, out, n);
        if (dropped > 0)
            write_dropped(lg.fd, dropped, lg.cap);
        pthread_mutex_lock(&lg.lock);
        clock_gettime(CLOCK_MONOTONIC, &lg.last_write);
    }
    /* Empty and stopping: lines from now on are written by their threads, nothing is lost. */
    lg.is_on = false;
    pthread_mutex_unlock(&lg.lock);
    return NULL;
}

bool
wh_log_buffer_start(int fd, size_t cap)
{
    pthread_condattr_t attr;
    sigset_t all, old;
    int rc;

    pthread_mutex_lock(&lg.lock);
    if (lg.is_on || lg.has_thread || cap == 0) {
        pthread_mutex_unlock(&lg.lock);
        return false;
    }
    lg.front = malloc(cap);
    lg.back = malloc(cap);
    if (lg.front == NULL || lg.back == NULL)
        wh_oom();
    lg.cap = cap;
    lg.len = 0;
    lg.fd = fd;
    lg.unreported = 0;
    lg.is_stopping = false;
    lg.is_flush_asked = false;
    lg.last_write = (struct timespec){0, 0};
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&lg.wake, &attr);
    pthread_condattr_destroy(&attr);
    /* The writer takes no signal: they belong to the thread that serves. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&lg.thread, NULL, run_writer, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&lg.wake);
        free(lg.front);
        free(lg.back);
        lg.front = lg.back = NULL;
        pthread_mutex_unlock(&lg.lock);
        return false;
    }
    lg.has_thread = true;
    lg.is_on = true;
    pthread_mutex_unlock(&lg.lock);
    return true;
}

void
wh_log_buffer_flush(void)
{
    pthread_mutex_lock(&lg.lock);
    if (lg.is_on && lg.len > 0) {
        lg.is_flush_asked = true;
        pthread_cond_signal(&lg.wake);
    }
    pthread_mutex_unlock(&lg.lock);
}

void
wh_log_buffer_stop(void)
{
    pthread_mutex_lock(&lg.lock);
    if (!lg.has_thread) {
        pthread_mutex_unlock(&lg.lock);
        return;
    }
    lg.is_stopping = true;
    pthread_cond_signal(&lg.wake);
    pthread_mutex_unlock(&lg.lock);
    pthread_join(lg.thread, NULL); /* it writes what is left and turns buffering off */
    pthread_mutex_lock(&lg.lock);
    pthread_cond_destroy(&lg.wake);
    free(lg.front);
    free(lg.back);
    lg.front = lg.back = NULL;
    lg.len = lg.cap = 0;
    lg.has_thread = false;
    lg.is_stopping = false;
    pthread_mutex_unlock(&lg.lock);
}
