/* Bounded LRU cache of refcounted immutable entries: a chained hash table plus an LRU list,
 * under one mutex. */
#include "cache/cache.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct wh_cache_entry {
    char *key;
    uint64_t hash;
    struct wh_arena arena;
    const void *value;
    int64_t expires_ms;
    size_t bytes;
    atomic_int refs;
    struct wh_cache_entry *chain;      /* hash bucket */
    struct wh_cache_entry *prev, *next; /* LRU: head is most recent */
};

struct wh_cache {
    pthread_mutex_t lock;
    struct wh_cache_entry **buckets;
    size_t n_buckets;
    struct wh_cache_entry *head, *tail;
    size_t max_entries, max_bytes;
    struct wh_cache_stats stats;
};

static uint64_t
hash_key(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */

    for (; *s != '\0'; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
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
    wh_arena_init(&e->arena);
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
    uint64_t h = hash_key(key);
    struct wh_cache_entry *e;
    const void *value = NULL;

    *ref = NULL;
    pthread_mutex_lock(&c->lock);
    e = find(c, key, h);
    if (e != NULL && e->expires_ms <= now_ms) {
        remove_entry(c, e);
        c->stats.expirations++;
        e = NULL;
    }
    if (e != NULL) {
        move_to_front(c, e);
        atomic_fetch_add(&e->refs, 1);
        *ref = e;
        value = e->value;
        c->stats.hits++;
    } else {
        c->stats.misses++;
    }
    pthread_mutex_unlock(&c->lock);
    return value;
}

void
wh_cache_put(struct wh_cache *c, struct wh_cache_entry *e, const void *value, int64_t expires_ms)
{
    struct wh_cache_entry *old;

    e->value = value;
    e->expires_ms = expires_ms;
    e->bytes = e->arena.total + sizeof(*e) + strlen(e->key);
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
    pthread_mutex_lock(&c->lock);
    while (c->head != NULL)
        remove_entry(c, c->head);
    pthread_mutex_unlock(&c->lock);
}

void
wh_cache_stats(struct wh_cache *c, struct wh_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->stats;
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
