#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/clock.h"

#include "cache/cache.h"
#include "unit/harness.h"

static void
put_text(struct wh_cache *c, const char *key, const char *text, int64_t expires)
{
    struct wh_cache_entry *e = wh_cache_entry_new(key);

    wh_cache_put(c, e, wh_arena_strdup(wh_cache_entry_arena(e), text), expires);
}

/* Whether `key` is in the cache at `now` with the value `text` (the reference is let go). */
static bool
holds(struct wh_cache *c, const char *key, int64_t now, const char *text)
{
    struct wh_cache_entry *ref;
    const char *v = wh_cache_get(c, key, now, &ref);
    bool same = v != NULL && strcmp(v, text) == 0;

    wh_cache_entry_unref(ref);
    return same;
}

static void
test_hit_miss_and_expiry(void)
{
    struct wh_cache *c = wh_cache_new(8, 1u << 20);
    struct wh_cache_entry *ref;
    struct wh_cache_stats st;

    ok(wh_cache_get(c, "a", 0, &ref) == NULL && ref == NULL, "miss on an empty cache");
    put_text(c, "a", "alpha", 100);
    ok(holds(c, "a", 99, "alpha"), "hit before expiry");
    ok(wh_cache_get(c, "a", 100, &ref) == NULL, "expired at its deadline");
    wh_cache_stats(c, &st);
    ok(st.hits == 1 && st.misses == 2 && st.expirations == 1 && st.entries == 0,
       "stats count hits, misses, expirations");
    wh_cache_free(c);
}

static void
test_replace_same_key(void)
{
    struct wh_cache *c = wh_cache_new(8, 1u << 20);

    put_text(c, "k", "old", 1000);
    put_text(c, "k", "new", 1000);
    ok(holds(c, "k", 0, "new"), "a put replaces the same key");
    wh_cache_free(c);
}

static void
test_lru_eviction_by_entries(void)
{
    struct wh_cache *c = wh_cache_new(2, 1u << 20);
    struct wh_cache_entry *ref;
    struct wh_cache_stats st;

    put_text(c, "a", "1", 1000);
    put_text(c, "b", "2", 1000);
    ok(holds(c, "a", 0, "1"), "a present"); /* a is now the most recent */
    put_text(c, "c", "3", 1000);
    ok(wh_cache_get(c, "b", 0, &ref) == NULL, "least recently used b evicted");
    ok(holds(c, "a", 0, "1"), "recently used a kept");
    wh_cache_stats(c, &st);
    ok(st.entries == 2 && st.evictions == 1, "entries bounded: %zu, evictions %llu", st.entries,
       st.evictions);
    wh_cache_free(c);
}

static void
test_bytes_bound_and_oversized_entry(void)
{
    struct wh_cache *c = wh_cache_new(100, 64 * 1024);
    struct wh_cache_entry *e, *ref;
    struct wh_cache_stats st;
    char key[16];
    int i;

    for (i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        e = wh_cache_entry_new(key);
        wh_cache_put(c, e, wh_arena_alloc(wh_cache_entry_arena(e), 8000), 1000);
    }
    wh_cache_stats(c, &st);
    ok(st.bytes <= 64 * 1024 && st.entries < 20, "bytes bounded: %zu in %zu entries", st.bytes,
       st.entries);
    e = wh_cache_entry_new("huge");
    wh_cache_put(c, e, wh_arena_alloc(wh_cache_entry_arena(e), 100000), 1000);
    ok(wh_cache_get(c, "huge", 0, &ref) == NULL, "an entry over the byte bound is not kept");
    wh_cache_free(c);
}

static void
test_reference_outlives_eviction(void)
{
    struct wh_cache *c = wh_cache_new(1, 1u << 20);
    struct wh_cache_entry *ref;
    const char *v;

    put_text(c, "a", "still here", 1000);
    v = wh_cache_get(c, "a", 0, &ref);
    put_text(c, "b", "evicts a", 1000);
    wh_cache_clear(c);
    ok(v != NULL && strcmp(v, "still here") == 0, "a held value survives eviction and clear");
    wh_cache_entry_unref(ref);
    wh_cache_free(c);
}

static void *
hammer(void *arg)
{
    struct wh_cache *c = arg;
    struct wh_cache_entry *ref;
    char key[16];
    int i;

    for (i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "k%d", i % 50);
        const char *v = wh_cache_get(c, key, 0, &ref);
        if (v != NULL) {
            WH_ASSERT(strcmp(v, key) == 0);
            wh_cache_entry_unref(ref);
        } else {
            put_text(c, key, key, 1000);
        }
    }
    return NULL;
}

static void
test_concurrent_readers_and_writers(void)
{
    struct wh_cache *c = wh_cache_new(16, 1u << 20);
    pthread_t t[4];
    struct wh_cache_stats st;
    int i;

    for (i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer, c);
    for (i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    wh_cache_stats(c, &st);
    ok(st.entries <= 16 && st.hits + st.misses == 80000, "4 threads: %llu hits, %llu misses",
       st.hits, st.misses);
    wh_cache_free(c);
}

/* 16 threads ask for one key at once: one computes (slowly), the others wait and share it. */
struct flight_arg {
    struct wh_cache *c;
    atomic_int *computed;
    const char *seen;
};

static void *
flight_worker(void *p)
{
    struct flight_arg *arg = p;
    struct wh_cache_entry *ref, *e;
    struct wh_cache_flight *f;
    const char *v;
    int64_t now = wh_clock_mono_ms();

    v = wh_cache_flight_begin(arg->c, "digest", now, now + 10000, &ref, &f);
    if (v == NULL && f != NULL) {
        atomic_fetch_add(arg->computed, 1);
        usleep(50 * 1000); /* the registry round trips */
        e = wh_cache_entry_new("digest");
        v = wh_arena_strdup(wh_cache_entry_arena(e), "facts");
        wh_cache_entry_ref(e);
        ref = e;
        wh_cache_put(arg->c, e, v, wh_clock_mono_ms() + 60000);
        wh_cache_flight_end(arg->c, f);
    }
    arg->seen = v != NULL && strcmp(v, "facts") == 0 ? "facts" : "other";
    wh_cache_entry_unref(ref);
    return NULL;
}

static void
test_singleflight_shares_one_computation(void)
{
    struct wh_cache *c = wh_cache_new(16, 1 << 20);
    struct flight_arg args[16];
    pthread_t t[16];
    atomic_int computed;
    struct wh_cache_stats st;
    int i, all_facts = 1;

    atomic_init(&computed, 0);
    for (i = 0; i < 16; i++) {
        args[i] = (struct flight_arg){c, &computed, NULL};
        pthread_create(&t[i], NULL, flight_worker, &args[i]);
    }
    for (i = 0; i < 16; i++) {
        pthread_join(t[i], NULL);
        all_facts &= strcmp(args[i].seen, "facts") == 0;
    }
    wh_cache_stats(c, &st);
    ok(atomic_load(&computed) == 1, "16 concurrent callers: %d computation(s)",
       atomic_load(&computed));
    ok(all_facts, "every caller got the leader's value");
    ok(st.flights == 1 && st.flight_waits >= 1, "one flight, %llu waits", st.flight_waits);
    wh_cache_free(c);
}

/* The leader published nothing (it crashed into an error it did not cache): the next caller
 * leads a new computation instead of waiting forever or seeing a value. */
static void
test_flight_without_value_hands_over_leadership(void)
{
    struct wh_cache *c = wh_cache_new(16, 1 << 20);
    struct wh_cache_entry *ref;
    struct wh_cache_flight *f1, *f2;
    int64_t now = wh_clock_mono_ms();

    ok(wh_cache_flight_begin(c, "k", now, now + 1000, &ref, &f1) == NULL && f1 != NULL,
       "first caller leads");
    wh_cache_flight_end(c, f1);
    ok(wh_cache_flight_begin(c, "k", now, now + 1000, &ref, &f2) == NULL && f2 != NULL &&
           ref == NULL,
       "after a flight that published nothing, the next caller leads");
    wh_cache_flight_end(c, f2);
    wh_cache_flight_end(c, NULL);
    wh_cache_free(c);
}

static void *
hold_flight(void *p)
{
    struct wh_cache *c = p;
    struct wh_cache_entry *ref;
    struct wh_cache_flight *f;
    int64_t now = wh_clock_mono_ms();

    (void)wh_cache_flight_begin(c, "slow", now, now + 1000, &ref, &f);
    usleep(300 * 1000);
    wh_cache_flight_end(c, f);
    return NULL;
}

/* A waiter whose deadline passes gives up with neither value nor flight (the caller reports a
 * timeout); the leader is unaffected. */
static void
test_flight_wait_honours_the_deadline(void)
{
    struct wh_cache *c = wh_cache_new(16, 1 << 20);
    struct wh_cache_entry *ref;
    struct wh_cache_flight *f;
    pthread_t t;
    int64_t now, took;
    const void *v;

    pthread_create(&t, NULL, hold_flight, c);
    usleep(50 * 1000);
    now = wh_clock_mono_ms();
    v = wh_cache_flight_begin(c, "slow", now, now + 50, &ref, &f);
    took = wh_clock_mono_ms() - now;
    ok(v == NULL && f == NULL && ref == NULL && took >= 40 && took < 250,
       "a waiter gives up at its deadline (%lld ms), with no value and no flight", (long long)took);
    pthread_join(t, NULL);
    wh_cache_free(c);
}

/* A cached failure (short expiry) is shared by waiters, then expires: the next caller leads. */
static void
test_failure_expires_and_is_recomputed(void)
{
    struct wh_cache *c = wh_cache_new(16, 1 << 20);
    struct wh_cache_entry *ref, *e;
    struct wh_cache_flight *f;
    const char *v;

    (void)wh_cache_flight_begin(c, "f", 0, 0, &ref, &f);
    e = wh_cache_entry_new("f");
    wh_cache_put(c, e, wh_arena_strdup(wh_cache_entry_arena(e), "error: HTTP 503"), 2000);
    wh_cache_flight_end(c, f);
    v = wh_cache_flight_begin(c, "f", 1999, 1999, &ref, &f);
    ok(v != NULL && strcmp(v, "error: HTTP 503") == 0 && f == NULL,
       "within its 2 s the failure is shared");
    wh_cache_entry_unref(ref);
    v = wh_cache_flight_begin(c, "f", 2000, 2000, &ref, &f);
    ok(v == NULL && f != NULL, "at 2 s it has expired: the caller leads a new attempt");
    wh_cache_flight_end(c, f);
    wh_cache_free(c);
}

/* Entries nobody asks for again leave once expired: a lookup of any key sweeps them (at most
 * once a second of its now_ms), so a stream of never-repeated keys does not fill the cache. */
static void
test_expired_entries_are_swept(void)
{
    struct wh_cache *c = wh_cache_new(64, 1u << 20);
    struct wh_cache_entry *ref;
    struct wh_cache_stats st;
    char key[32];
    int i;

    for (i = 0; i < 20; i++) {
        snprintf(key, sizeof(key), "neg-%d", i);
        put_text(c, key, "no such tag", 10);
    }
    put_text(c, "keep", "digest", 1000000);
    ok(wh_cache_get(c, "other", 5, &ref) == NULL, "a lookup before they expire finds no key");
    wh_cache_stats(c, &st);
    ok(st.entries == 21 && st.expirations == 0, "nothing expired yet: 21 entries");
    ok(wh_cache_get(c, "other", 500, &ref) == NULL, "a lookup within the second sweeps nothing");
    wh_cache_stats(c, &st);
    ok(st.entries == 21, "no second sweep within a second (%zu entries)", st.entries);
    ok(wh_cache_get(c, "other", 2000, &ref) == NULL, "a lookup a second later");
    wh_cache_stats(c, &st);
    ok(st.entries == 1 && st.expirations == 20,
       "sweeps the 20 expired entries nobody looked up (%zu left, %llu expired)", st.entries,
       st.expirations);
    ok(wh_cache_get(c, "keep", 2000, &ref) != NULL, "the live one stays");
    wh_cache_entry_unref(ref);
    wh_cache_free(c);
}

/* The byte bound counts what an entry holds from malloc (its chunks), not what its value uses:
 * a 6-byte value costs its first chunk, and the stats say the same. */
static void
test_entry_bytes_count_the_footprint(void)
{
    struct wh_cache *c = wh_cache_new(8, 1u << 20);
    struct wh_cache_entry *e = wh_cache_entry_new("k");
    struct wh_cache_stats st;
    size_t bytes;

    (void)wh_arena_strdup(wh_cache_entry_arena(e), "value");
    bytes = wh_cache_entry_bytes(e);
    ok(bytes >= 512 && bytes <= 1024, "a small value costs its first chunk: %zu bytes", bytes);
    wh_cache_put(c, e, "value", 1000);
    wh_cache_stats(c, &st);
    ok(st.bytes == bytes, "stats count the same bytes (%zu)", st.bytes);
    wh_cache_free(c);
}

int
main(void)
{
    test_singleflight_shares_one_computation();
    test_flight_without_value_hands_over_leadership();
    test_flight_wait_honours_the_deadline();
    test_failure_expires_and_is_recomputed();
    test_hit_miss_and_expiry();
    test_replace_same_key();
    test_lru_eviction_by_entries();
    test_bytes_bound_and_oversized_entry();
    test_reference_outlives_eviction();
    test_concurrent_readers_and_writers();
    test_expired_entries_are_swept();
    test_entry_bytes_count_the_footprint();
    return done_testing();
}
