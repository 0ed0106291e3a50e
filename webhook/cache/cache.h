#ifndef WH_CACHE_CACHE_H
#define WH_CACHE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"

/*
 * A bounded LRU map from string keys to immutable values that live in the entry's own arena.
 * Readers take a reference (wh_cache_get) and drop it when done (wh_cache_entry_unref), so an
 * entry evicted while a review still reads it is freed only after that review ends; nothing is
 * copied on a hit. [Why not copies: a 10k-component SBOM is megabytes; a hit must cost
 * nothing.] Thread-safe (one mutex); values are never mutated after wh_cache_put.
 */
struct wh_cache;
struct wh_cache_entry;

struct wh_cache_stats {
    unsigned long long hits, misses, puts, evictions, expirations;
    unsigned long long flights, flight_waits; /* computations led; callers that waited */
    size_t entries, bytes;
};

/* max_entries and max_bytes bound the cache (bytes: wh_cache_entry_bytes summed). Expired
 * entries are dropped on a lookup of their key, and all of them by a sweep that a lookup runs
 * at most once a second (of its now_ms). */
struct wh_cache *wh_cache_new(size_t max_entries, size_t max_bytes);
void wh_cache_free(struct wh_cache *c);

/* The value under `key` unless expired at `now_ms`; *ref must be released with
 * wh_cache_entry_unref. NULL (and *ref NULL) on a miss. */
const void *wh_cache_get(struct wh_cache *c, const char *key, int64_t now_ms,
                         struct wh_cache_entry **ref);

/* wh_cache_get that counts neither a hit nor a miss (an expired entry is still dropped and
 * counted as an expiration): for a lookup that may be made again, e.g. the loop thread's
 * cache-only attempt at a review that then goes to a worker. wh_cache_count_hits adds the hits
 * of an attempt that was kept. Never waits for a flight. */
const void *wh_cache_peek(struct wh_cache *c, const char *key, int64_t now_ms,
                          struct wh_cache_entry **ref);
void wh_cache_count_hits(struct wh_cache *c, unsigned long long n);

/* A new, unpublished entry: build the value in wh_cache_entry_arena, then wh_cache_put it (or
 * wh_cache_entry_unref to drop it). */
struct wh_cache_entry *wh_cache_entry_new(const char *key);
struct wh_arena *wh_cache_entry_arena(struct wh_cache_entry *e);
/* Publishes `e` (ownership passes to the cache; the caller keeps no reference) with `value`
 * (inside the entry's arena) until `expires_ms`. Replaces an older entry with the same key.
 * An entry larger than the cache's byte bound is dropped. */
void wh_cache_put(struct wh_cache *c, struct wh_cache_entry *e_owned, const void *value,
                  int64_t expires_ms);
/* What `e` holds from malloc: itself, its key and its arena's chunks (wh_arena_footprint), not
 * only the bytes its value uses. What the byte bound and wh_cache_stats.bytes count. */
size_t wh_cache_entry_bytes(const struct wh_cache_entry *e);
/* Another reference to an entry the caller holds one for (e.g. before handing it to put). */
void wh_cache_entry_ref(struct wh_cache_entry *e);
void wh_cache_entry_unref(struct wh_cache_entry *e);
/* Drops every entry (a reload makes them unreachable anyway: generations are in the keys). */
void wh_cache_clear(struct wh_cache *c);
void wh_cache_stats(struct wh_cache *c, struct wh_cache_stats *out);

/*
 * Singleflight: concurrent reviews of one key share one computation. wh_cache_flight_begin
 * returns the cached value (and *ref, as wh_cache_get) when there is one. Otherwise it makes
 * the caller the key's leader (*flight set, returns NULL): the leader computes, wh_cache_puts the
 * result (a failure too, with a short expiry: waiters then share it) and must call
 * wh_cache_flight_end. A caller that finds a leader at work waits for it (at most until
 * `wait_until_ms`, wh_clock_mono_ms) and then looks again; when the leader published nothing it
 * becomes the leader itself. When the wait times out it returns NULL with *ref and *flight NULL:
 * the caller reports a timeout. Thread-safe.
 */
struct wh_cache_flight;
const void *wh_cache_flight_begin(struct wh_cache *c, const char *key, int64_t now_ms,
                                  int64_t wait_until_ms, struct wh_cache_entry **ref,
                                  struct wh_cache_flight **flight);
/* Ends the flight `begin` handed out and wakes its waiters. NULL is a no-op. */
void wh_cache_flight_end(struct wh_cache *c, struct wh_cache_flight *flight);

#endif
