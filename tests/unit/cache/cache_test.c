#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "cache/cache.h"
#include "unit/harness.h"

static void
put_text(struct wh_cache *c, const char *key, const char *text, int64_t expires)
{
    struct wh_cache_entry *e = wh_cache_entry_new(key);

    wh_cache_put(c, e, wh_arena_strdup(wh_cache_entry_arena(e), text), expires);
}

static void
test_hit_miss_and_expiry(void)
{
    struct wh_cache *c = wh_cache_new(8, 1u << 20);
    struct wh_cache_entry *ref;
    const char *v;
    struct wh_cache_stats st;

    ok(wh_cache_get(c, "a", 0, &ref) == NULL && ref == NULL, "miss on an empty cache");
    put_text(c, "a", "alpha", 100);
    v = wh_cache_get(c, "a", 99, &ref);
    ok(v != NULL && strcmp(v, "alpha") == 0, "hit before expiry");
    wh_cache_entry_unref(ref);
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
    struct wh_cache_entry *ref;
    const char *v;

    put_text(c, "k", "old", 1000);
    put_text(c, "k", "new", 1000);
    v = wh_cache_get(c, "k", 0, &ref);
    ok(v != NULL && strcmp(v, "new") == 0, "a put replaces the same key");
    wh_cache_entry_unref(ref);
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
    ok(wh_cache_get(c, "a", 0, &ref) != NULL, "a present");
    wh_cache_entry_unref(ref); /* a is now the most recent */
    put_text(c, "c", "3", 1000);
    ok(wh_cache_get(c, "b", 0, &ref) == NULL, "least recently used b evicted");
    ok(wh_cache_get(c, "a", 0, &ref) != NULL, "recently used a kept");
    wh_cache_entry_unref(ref);
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

int
main(void)
{
    test_hit_miss_and_expiry();
    test_replace_same_key();
    test_lru_eviction_by_entries();
    test_bytes_bound_and_oversized_entry();
    test_reference_outlives_eviction();
    test_concurrent_readers_and_writers();
    return done_testing();
}
