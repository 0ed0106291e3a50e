/*
 * base/log.c's buffer: lines reach the file whole and in order; when the file is not read the
 * buffer fills, and then lines are dropped and counted, never waited for (an alarm fails the
 * test if a logging call blocks); the writer reports the loss once the file drains; a lone line
 * and a flushed one reach the file while the buffer runs (a server's log is read as it serves);
 * stopping flushes, and logging is unbuffered again.
 */
#include "base/log.h"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit/harness.h"

struct drain {
    int fd;
    char *buf;
    size_t len, cap;
};

/* Reads the pipe until every writer closed it. */
static void *
run_drain(void *p)
{
    struct drain *d = p;
    ssize_t n;

    for (;;) {
        if (d->len + 65536 > d->cap) {
            d->cap = d->cap * 2 + 65536;
            d->buf = realloc(d->buf, d->cap + 1);
            WH_ASSERT(d->buf != NULL);
        }
        n = read(d->fd, d->buf + d->len, 65536);
        if (n <= 0)
            break;
        d->len += (size_t)n;
    }
    d->buf[d->len] = '\0';
    return NULL;
}

static void
on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "not ok - a logging call blocked (alarm)\n";
    ssize_t n = write(STDOUT_FILENO, msg, sizeof(msg) - 1);

    (void)n;
    _exit(1);
}

/* Every line of `text` is one of ours, whole: {"n":<i>,"pad":"x..."} with i increasing. */
static bool
lines_whole_in_order(const char *text, size_t *n_lines, bool *has_notice)
{
    long last = -1;
    const char *p = text;

    *n_lines = 0;
    *has_notice = false;
    while (*p != '\0') {
        const char *nl = strchr(p, '\n');
        long i;

        if (nl == NULL)
            return false;
        if (strstr(p, "lines dropped: the log buffer") != NULL && strstr(p, "lines dropped") < nl) {
            *has_notice = true;
        } else {
            if (sscanf(p, "{\"n\":%ld,", &i) != 1 || i <= last || nl[-1] != '}')
                return false;
            last = i;
            (*n_lines)++;
        }
        p = nl + 1;
    }
    return true;
}

static void
test_full_drops_never_blocks(void)
{
    struct drain d = {0};
    pthread_t t;
    int fds[2];
    char line[1100];
    size_t n_lines = 0;
    bool has_notice;
    unsigned long long dropped0 = wh_log_dropped(), dropped;
    int i;

    WH_ASSERT(pipe(fds) == 0);
    /* 4 KiB: the pipe (64 KiB) and the buffer fill long before 2000 lines of 1 KB. */
    ok(wh_log_buffer_start(fds[1], 4096), "buffer started on a pipe nobody reads yet");
    ok(!wh_log_buffer_start(fds[1], 4096), "a second start is refused");
    signal(SIGALRM, on_alarm);
    alarm(10);
    for (i = 0; i < 2000; i++) {
        int len = snprintf(line, sizeof(line), "{\"n\":%d,\"pad\":\"%0*d\"}\n", i, 1000, 0);

        wh_log_json_line(line, (size_t)len);
    }
    alarm(0);
    dropped = wh_log_dropped() - dropped0;
    ok(dropped > 1000, "full: lines dropped and counted, every call returned (%llu dropped)",
       dropped);
    /* Now read: the writer unblocks, writes what it holds and says what it lost. */
    d.fd = fds[0];
    pthread_create(&t, NULL, run_drain, &d);
    usleep(100 * 1000);
    wh_log_json_line("{\"n\":5000,\"pad\":\"after\"}\n", 26);
    wh_log_buffer_stop();
    wh_log_buffer_stop(); /* idempotent */
    close(fds[1]);
    pthread_join(t, NULL);
    close(fds[0]);
    ok(lines_whole_in_order(d.buf, &n_lines, &has_notice),
       "what reached the file is whole lines, in order, none cut");
    ok(n_lines + dropped == 2001, "every line was written or counted (%zu + %llu)", n_lines,
       dropped);
    ok(has_notice, "the writer said lines were dropped");
    ok(strstr(d.buf, "{\"n\":5000,\"pad\":\"after\"}\n") != NULL,
       "a line logged once the file drains gets through; stop flushed it");
    free(d.buf);
}

static void
test_flush_and_unbuffered_after(void)
{
    struct drain d = {0};
    pthread_t t;
    int fds[2], saved;

    WH_ASSERT(pipe(fds) == 0);
    d.fd = fds[0];
    pthread_create(&t, NULL, run_drain, &d);
    WH_ASSERT(wh_log_buffer_start(fds[1], 1 << 16));
    wh_log(WH_LOG_WARN, "buffered %d", 1);
    wh_log_buffer_stop();
    /* Unbuffered again: a line goes straight to stderr; point stderr at the pipe to see it. */
    saved = dup(STDERR_FILENO);
    dup2(fds[1], STDERR_FILENO);
    wh_log(WH_LOG_WARN, "direct %d", 2);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(fds[1]);
    pthread_join(t, NULL);
    close(fds[0]);
    ok(strstr(d.buf, "\"level\":\"warn\",\"msg\":\"buffered 1\"}\n") != NULL,
       "stop writes out what was buffered");
    ok(strstr(d.buf, "\"msg\":\"direct 2\"}\n") != NULL &&
           strstr(d.buf, "buffered 1") < strstr(d.buf, "direct 2"),
       "after stop, logging is unbuffered, in order");
    free(d.buf);
}

/* Reads `fd` until `needle` arrived or `ms` passed; the milliseconds it took, or -1. */
static long
read_until(int fd, const char *needle, long ms, char *buf, size_t cap)
{
    size_t len = 0;
    long waited = 0;

    buf[0] = '\0';
    while (strstr(buf, needle) == NULL) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;

        if (waited >= ms || len + 1 >= cap)
            return -1;
        if (poll(&pfd, 1, 10) == 0) {
            waited += 10;
            continue;
        }
        n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
    }
    return waited;
}

static void
test_lines_reach_the_file_while_running(void)
{
    char buf[8192];
    int fds[2];
    long ms;

    WH_ASSERT(pipe(fds) == 0);
    wh_log_buffer_flush(); /* unbuffered: nothing to do, returns */
    WH_ASSERT(wh_log_buffer_start(fds[1], 1 << 16));
    usleep(5 * 1000); /* a quiet spell: the writer's last batch is long past */
    wh_log_json_line("{\"lone\":1}\n", 11);
    ms = read_until(fds[0], "{\"lone\":1}\n", 2000, buf, sizeof(buf));
    ok(ms >= 0, "a lone line reaches the file while the buffer runs, without a stop (%ld ms)", ms);
    wh_log_json_line("{\"a\":2}\n", 8);
    wh_log_json_line("{\"b\":3}\n", 8);
    wh_log_buffer_flush();
    ms = read_until(fds[0], "{\"b\":3}\n", 2000, buf, sizeof(buf));
    ok(ms >= 0 && strstr(buf, "{\"a\":2}\n{\"b\":3}\n") != NULL,
       "a flushed burst reaches the file, in order (%ld ms)", ms);
    wh_log_buffer_stop();
    close(fds[1]);
    close(fds[0]);
}

int
main(void)
{
    test_lines_reach_the_file_while_running();
    test_full_drops_never_blocks();
    test_flush_and_unbuffered_after();
    return done_testing();
}
