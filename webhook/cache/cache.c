/* Bounded LRU cache of refcounted immutable entries: a chained hash table plus an LRU list,
 * under one mutex. An entry counts what it holds from malloc (its arena's chunks, its key and
 * itself), and expired entries are swept at most once a second, so entries nobody asks for again
 * (a never-seen tag's negative answer) leave soon after they expire, not when the LRU bound is
 * met.
 * Time is the callers' (the now_ms of lookups). */
#include "cache/cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"

/* A cache value is a few hundred bytes: its arena starts small (chunks then double). */
#define ENTRY_FIRST_CHUNK 512u
#define SWEEP_EVERY_MS 1000
#define SWEEP_BATCH 4096

struct wh_cache_entry {
    char *key;
    uint64_t hash;
    struct wh_arena arena;
    const void *value;
    int64_t expires_ms;
    size_t bytes;
    atomic_int refs;
    struct wh_cache_entry *chain;       /* hash bucket */
    struct wh_cache_entry *prev, *next; /* LRU: head is most recent */
};

/* One computation in progress. Lives until the leader ended it and every waiter has left. */
struct wh_cache_flight {
    char *key;
    bool done;
    int users; /* leader (until end) + waiters */
    pthread_cond_t cond;
    struct wh_cache_flight *next;
};

struct wh_cache {
    pthread_mutex_t lock;
    struct wh_cache_flight *flights; /* in progress; few (at most one per worker) */
    struct wh_cache_entry **buckets;
    size_t n_buckets;
    struct wh_cache_entry *head, *tail;
    size_t max_entries, max_bytes;
    int64_t next_sweep_ms;
    struct wh_cache_entry *sweep_at; /* where the next sweep goes on (towards the head) */
    struct wh_cache_stats stats;
};

/* The key's hash, eight bytes a step (keys are 30-150 bytes of registry, repository and digest:
 * FNV-1a's byte-at-a-time chain of multiplies was 6 % of a cached review's CPU). Each step
 * multiplies and folds, the end is splitmix64's finaliser, so the low bits that pick a bucket
 * depend on every byte. Computed before the mutex is taken. */
static uint64_t
hash_key(const char *s)
{
    size_t n = strlen(s);
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n, w;

    for (; n >= 8; s += 8, n -= 8) {
        memcpy(&w, s, 8);
        h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ w) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

struct wh_cache *
wh_cache_new(size_t max_entries, size_t max_bytes)
{
    struct wh_cache *c = calloc(1, sizeof(*c));

    if (c == NULL)
        wh_oom();
    pthread_mutex_init(&c->lock, NULL);
    c->max_entries = max_entries == 0 ? 1 : max_entries;
    c->max_bytes = max_bytes;
    c->n_buckets = 64;
    while (c->n_buckets < c->max_entries)
        c->n_buckets *= 2;
    c->buckets = calloc(c->n_buckets, sizeof(*c->buckets));
    if (c->buckets == NULL)
        wh_oom();
    return c;
}

struct wh_cache_entry *
wh_cache_entry_new(const char *key)
{
    struct wh_cache_entry *e = calloc(1, sizeof(*e));

    if (e == NULL)
        wh_oom();
    e->key = strdup(key);
    if (e->key == NULL)
        wh_oom();
    e->hash = hash_key(key);
    wh_arena_init_small(&e->arena, ENTRY_FIRST_CHUNK);
    atomic_init(&e->refs, 1);
    return e;
}

struct wh_arena *
wh_cache_entry_arena(struct wh_cache_entry *e)
{
    return &e->arena;
}

void
wh_cache_entry_ref(struct wh_cache_entry *e)
{
    atomic_fetch_add(&e->refs, 1);
}

void
wh_cache_entry_unref(struct wh_cache_entry *e)
{
    if (e == NULL || atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    wh_arena_fini(&e->arena);
    free(e->key);
    free(e);
}

/* Unlinks `e` from its bucket and the LRU list and drops the cache's reference. Locked. */
static void
remove_entry(struct wh_cache *c, struct wh_cache_entry *e)
{
    struct wh_cache_entry **p = &c->buckets[e->hash & (c->n_buckets - 1)];

    while (*p != e)
        p = &(*p)->chain;
    *p = e->chain;
    if (c->sweep_at == e)
        c->sweep_at = e->prev;
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        c->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    c->stats.entries--;
    c->stats.bytes -= e->bytes;
    wh_cache_entry_unref(e);
}

static struct wh_cache_entry *
find(struct wh_cache *c, const char *key, uint64_t h)
{
    struct wh_cache_entry *e = c->buckets[h & (c->n_buckets - 1)];

    while (e != NULL && (e->hash != h || strcmp(e->key, key) != 0))
        e = e->chain;
    return e;
}

static const void *lookup(struct wh_cache *c, const char *key, uint64_t h, int64_t now_ms,
                          struct wh_cache_entry **ref);

static void
move_to_front(struct wh_cache *c, struct wh_cache_entry *e)
{
    if (c->head == e)
        return;
    e->prev->next = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    else
        c->tail = e->prev;
    e->prev = NULL;
    e->next = c->head;
    c->head->prev = e;
    c->head = e;
}

const void *
wh_cache_get(struct wh_cache *c, const char *key, int64_t now_ms, struct wh_cache_entry **ref)
{
    const void *value;
    uint64_t h = hash_key(key);

    *ref = NULL;
    pthread_mutex_lock(&c->lock);
    value = lookup(c, key, h, now_ms, ref);
    pthread_mutex_unlock(&c->lock);
    return value;
}

size_t
wh_cache_entry_bytes(const struct wh_cache_entry *e)
{
    return sizeof(*e) + strlen(e->key) + 1 + wh_arena_footprint(&e->arena);
}

const void *
wh_cache_peek(struct wh_cache *c, const char *key, int64_t now_ms, struct wh_cache_entry **ref)
{
    const void *value;
    uint64_t h = hash_key(key);
    unsigned long long hits, misses;

    *ref = NULL;
    pthread_mutex_lock(&c->lock);
    hits = c->stats.hits;
    misses = c->stats.misses;
    value = lookup(c, key, h, now_ms, ref);
    c->stats.hits = hits;
    c->stats.misses = misses;
    pthread_mutex_unlock(&c->lock);
    return value;
}

void
wh_cache_count_hits(struct wh_cache *c, unsigned long long n)
{
    pthread_mutex_lock(&c->lock);
    c->stats.hits += n;
    pthread_mutex_unlock(&c->lock);
}

void
wh_cache_put(struct wh_cache *c, struct wh_cache_entry *e, const void *value, int64_t expires_ms)
{
    struct wh_cache_entry *old;

    e->value = value;
    e->expires_ms = expires_ms;
    e->bytes = wh_cache_entry_bytes(e);
    if (e->bytes > c->max_bytes) {
        wh_cache_entry_unref(e);
        return;
    }
    pthread_mutex_lock(&c->lock);
    old = find(c, e->key, e->hash);
    if (old != NULL)
        remove_entry(c, old);
    while (c->tail != NULL &&
           (c->stats.entries + 1 > c->max_entries || c->stats.bytes + e->bytes > c->max_bytes)) {
        remove_entry(c, c->tail);
        c->stats.evictions++;
    }
    e->chain = c->buckets[e->hash & (c->n_buckets - 1)];
    c->buckets[e->hash & (c->n_buckets - 1)] = e;
    e->prev = NULL;
    e->next = c->head;
    if (c->head != NULL)
        c->head->prev = e;
    c->head = e;
    if (c->tail == NULL)
        c->tail = e;
    c->stats.entries++;
    c->stats.bytes += e->bytes;
    c->stats.puts++;
    pthread_mutex_unlock(&c->lock);
}

void
wh_cache_clear(struct wh_cache *c)
{
    struct wh_cache_entry *e, *next;

    pthread_mutex_lock(&c->lock);
    /* `next` is read before remove_entry can free `e` (the analyzer cannot tell that c->head
     * moves on when the head is removed). */
    for (e = c->head; e != NULL; e = next) {
        next = e->next;
        remove_entry(c, e);
    }
    pthread_mutex_unlock(&c->lock);
}

void
wh_cache_stats(struct wh_cache *c, struct wh_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
    pthread_mutex_unlock(&c->lock);
}

static struct wh_cache_flight *
flight_find(struct wh_cache *c, const char *key)
{
    struct wh_cache_flight *f;

    for (f = c->flights; f != NULL; f = f->next)
        if (!f->done && strcmp(f->key, key) == 0)
            return f;
    return NULL;
}

/* Drops one user of `f`; the last one unlinks and frees it. Locked. */
static void
flight_release(struct wh_cache *c, struct wh_cache_flight *f)
{
    struct wh_cache_flight **p;

    if (--f->users > 0)
        return;
    for (p = &c->flights; *p != f; p = &(*p)->next)
        ;
    *p = f->next;
    pthread_cond_destroy(&f->cond);
    free(f->key);
    free(f);
}

/* Drops the expired entries among the next SWEEP_BATCH of the LRU list, walking from the tail
 * towards the head and wrapping around, at most once per SWEEP_EVERY_MS: every entry is looked at
 * within (entries / SWEEP_BATCH) seconds, and the lock is never held for a walk of the whole
 * list. Locked. */
static void
sweep_expired(struct wh_cache *c, int64_t now_ms)
{
    struct wh_cache_entry *e, *prev;
    size_t n;

    if (now_ms < c->next_sweep_ms)
        return;
    c->next_sweep_ms = now_ms + SWEEP_EVERY_MS;
    e = c->sweep_at != NULL ? c->sweep_at : c->tail;
    for (n = 0; e != NULL && n < SWEEP_BATCH; n++, e = prev) {
        prev = e->prev;
        if (e->expires_ms <= now_ms) {
            remove_entry(c, e);
            c->stats.expirations++;
        }
    }
    c->sweep_at = e; /* NULL: the next sweep starts at the tail again */
}

/* Looks `key` up, expiring it when stale. Locked; takes a reference on a hit. */
static const void *
lookup(struct wh_cache *c, const char *key, uint64_t h, int64_t now_ms, struct wh_cache_entry **ref)
{
    struct wh_cache_entry *e;

    sweep_expired(c, now_ms);
    e = find(c, key, h);
    if (e != NULL && e->expires_ms <= now_ms) {
        remove_entry(c, e);
        c->stats.expirations++;
        e = NULL;
    }
    if (e == NULL) {
        c->stats.misses++;
        return NULL;
    }
    move_to_front(c, e);
    atomic_fetch_add(&e->refs, 1);
    *ref = e;
    c->stats.hits++;
    return e->value;
}

const void *
wh_cache_flight_begin(struct wh_cache *c, const char *key, int64_t now_ms, int64_t wait_until_ms,
                      struct wh_cache_entry **ref, struct wh_cache_flight **flight)
{
    struct wh_cache_flight *f;
    const void *value;
    uint64_t h = hash_key(key);

    *ref = NULL;
    *flight = NULL;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        value = lookup(c, key, h, now_ms, ref);
        if (value != NULL)
            break;
        f = flight_find(c, key);
        if (f == NULL) {
            f = calloc(1, sizeof(*f));
            if (f == NULL || (f->key = strdup(key)) == NULL)
                wh_oom();
            f->users = 1;
            pthread_condattr_t attr;
            pthread_condattr_init(&attr);
            /* Deadlines are wh_clock_mono_ms values: wait on the same clock. */
            pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
            pthread_cond_init(&f->cond, &attr);
            pthread_condattr_destroy(&attr);
            f->next = c->flights;
            c->flights = f;
            c->stats.flights++;
            *flight = f;
            break;
        }
        f->users++;
        c->stats.flight_waits++;
        while (!f->done) {
            struct timespec ts = {.tv_sec = (time_t)(wait_until_ms / 1000),
                                  .tv_nsec = (long)(wait_until_ms % 1000) * 1000000L};
            if (wait_until_ms <= wh_clock_mono_ms() ||
                pthread_cond_timedwait(&f->cond, &c->lock, &ts) == ETIMEDOUT)
                break;
        }
        if (!f->done) {
            flight_release(c, f);
            break; /* timed out: value NULL, no flight */
        }
        flight_release(c, f);
        now_ms = wh_clock_mono_ms();
    }
    pthread_mutex_unlock(&c->lock);
    return value;
}

void
wh_cache_flight_end(struct wh_cache *c, struct wh_cache_flight *f)
{
    if (f == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    f->done = true;
    pthread_cond_broadcast(&f->cond);
    flight_release(c, f);
    pthread_mutex_unlock(&c->lock);
}

void
wh_cache_free(struct wh_cache *c)
{
    if (c == NULL)
        return;
    wh_cache_clear(c);
    pthread_mutex_destroy(&c->lock);
    free(c->buckets);
    free(c);
}
