/*
 * Retry decisions (statuses, Retry-After, backoff with jitter) and the process-wide per-registry
 * concurrency cap: a small table host → counting semaphore, built from one mutex and one
 * condition variable on the monotonic clock so a wait can end at the review's deadline.
 */
#include "registry/retry.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"

void
wh_registry_retry_defaults(struct wh_registry_retry *r)
{
    if (r->max_attempts == 0)
        r->max_attempts = 4;
    if (r->base_ms <= 0)
        r->base_ms = 200;
    if (r->max_wait_ms <= 0)
        r->max_wait_ms = 10000;
}

bool
wh_registry_retry_status(long status)
{
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

#define RETRY_AFTER_MAX_S ((int64_t)9999999999) /* 10 digits of delay-seconds */

/* RFC 9110 §5.6.7: IMF-fixdate, then the obsolete RFC 850 and asctime() forms. */
static bool
parse_http_date(const char *s, time_t *out)
{
    static const char *const formats[] = {
        "%a, %d %b %Y %H:%M:%S GMT",
        "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y",
    };

    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        struct tm tm;
        const char *end;

        memset(&tm, 0, sizeof(tm));
        end = strptime(s, formats[i], &tm);
        if (end != NULL && *end == '\0') {
            time_t t = timegm(&tm);

            if (t == (time_t)-1)
                return false;
            *out = t;
            return true;
        }
    }
    return false;
}

enum wh_err
wh_registry_retry_after_parse(struct wh_str value, time_t now, int64_t *delay_ms,
                              struct wh_error *err)
{
    char buf[WH_REGISTRY_RETRY_AFTER_MAX * 4 + 1];
    size_t b = 0, e = value.len;
    time_t when;

    while (b < e && (value.ptr[b] == ' ' || value.ptr[b] == '\t'))
        b++;
    while (e > b && (value.ptr[e - 1] == ' ' || value.ptr[e - 1] == '\t'))
        e--;
    if (e - b == 0 || e - b >= sizeof(buf))
        return wh_error_set(err, WH_E_INVALID, "Retry-After: %s", e == b ? "empty" : "too long");
    memcpy(buf, value.ptr + b, e - b);
    buf[e - b] = '\0';
    if (strspn(buf, "0123456789") == e - b) {
        int64_t secs = 0;

        if (e - b > 10)
            return wh_error_set(err, WH_E_INVALID, "Retry-After: %zu digits", e - b);
        for (size_t i = 0; buf[i] != '\0'; i++)
            secs = secs * 10 + (buf[i] - '0');
        *delay_ms = secs * 1000;
        return WH_OK;
    }
    for (size_t i = 0; buf[i] != '\0'; i++)
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
            return wh_error_set(err, WH_E_INVALID, "Retry-After: not a number or an HTTP date");
    if (!parse_http_date(buf, &when))
        return wh_error_set(err, WH_E_INVALID, "Retry-After: not a number or an HTTP date");
    /* Clamped to the delay-seconds range: a date in the year 2e9 must not overflow. */
    if (when <= now)
        *delay_ms = 0;
    else if ((int64_t)when - (int64_t)now > RETRY_AFTER_MAX_S)
        *delay_ms = RETRY_AFTER_MAX_S * 1000;
    else
        *delay_ms = ((int64_t)when - (int64_t)now) * 1000;
    return WH_OK;
}

static uint64_t
xorshift(uint64_t *s)
{
    uint64_t x = *s != 0 ? *s : 0x9e3779b97f4a7c15ull;

    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

int64_t
wh_registry_retry_backoff_ms(const struct wh_registry_retry *r, unsigned attempt, uint64_t *rng)
{
    int64_t ceiling = r->base_ms;
    int64_t half;

    for (unsigned i = 1; i < attempt && ceiling < r->max_wait_ms; i++)
        ceiling *= 2;
    if (ceiling > r->max_wait_ms)
        ceiling = r->max_wait_ms;
    if (ceiling <= 1)
        return ceiling;
    half = ceiling / 2;
    return half + (int64_t)(xorshift(rng) % (uint64_t)(ceiling - half + 1));
}

/* ---- per-registry slots ---- */

#define SLOT_HOSTS 256

struct slot {
    char host[256];
    unsigned in_flight;
};

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t slot_cond;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static struct slot slots[SLOT_HOSTS];

static void
init_slots(void)
{
    pthread_condattr_t attr;

    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&slot_cond, &attr);
    pthread_condattr_destroy(&attr);
}

/* The slot for `host`, created when `create`; NULL when absent or the table is full. */
static struct slot *
slot_find(const char *host, bool create)
{
    struct slot *free_slot = NULL;

    if (strlen(host) >= sizeof(slots[0].host))
        return NULL;
    for (size_t i = 0; i < SLOT_HOSTS; i++) {
        if (slots[i].host[0] == '\0') {
            if (free_slot == NULL)
                free_slot = &slots[i];
        } else if (strcmp(slots[i].host, host) == 0) {
            return &slots[i];
        }
    }
    if (!create || free_slot == NULL)
        return NULL;
    snprintf(free_slot->host, sizeof(free_slot->host), "%s", host);
    free_slot->in_flight = 0;
    return free_slot;
}

enum wh_err
wh_registry_slot_acquire(const char *host, unsigned max, int64_t deadline_ms, struct wh_error *err)
{
    struct slot *s;
    enum wh_err rc = WH_OK;

    pthread_once(&slot_once, init_slots);
    if (max == 0)
        max = 8;
    pthread_mutex_lock(&slot_lock);
    s = slot_find(host, true);
    while (s != NULL && s->in_flight >= max) {
        int64_t left = wh_clock_left_ms(deadline_ms);
        struct timespec ts;

        if (left <= 0) {
            rc = wh_error_set(err, WH_E_TIMEOUT,
                              "deadline passed waiting for a request slot to %s (%u in flight, "
                              "the cap per registry)",
                              host, max);
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += left / 1000;
        ts.tv_nsec += (left % 1000) * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        (void)pthread_cond_timedwait(&slot_cond, &slot_lock, &ts);
        s = slot_find(host, true);
    }
    if (rc == WH_OK && s != NULL)
        s->in_flight++;
    pthread_mutex_unlock(&slot_lock);
    return rc;
}

void
wh_registry_slot_release(const char *host)
{
    struct slot *s;

    pthread_once(&slot_once, init_slots);
    pthread_mutex_lock(&slot_lock);
    s = slot_find(host, false);
    if (s != NULL && s->in_flight > 0) {
        s->in_flight--;
        /* Broadcast: waiters for other hosts share the condition variable and re-check. */
        pthread_cond_broadcast(&slot_cond);
    }
    pthread_mutex_unlock(&slot_lock);
}

unsigned
wh_registry_slot_in_flight(const char *host)
{
    struct slot *s;
    unsigned n;

    pthread_mutex_lock(&slot_lock);
    s = slot_find(host, false);
    n = s == NULL ? 0 : s->in_flight;
    pthread_mutex_unlock(&slot_lock);
    return n;
}
