#ifndef WH_BASE_ARENA_H
#define WH_BASE_ARENA_H

#include <stdarg.h>
#include <stddef.h>

#include "base/error.h"
#include "base/str.h"

/*
 * One arena per review: everything derived from one input is allocated here and freed at once by
 * wh_arena_fini. Library objects (X509, EVP_PKEY, json_t) that live as long as the arena attach
 * with wh_arena_defer. Not thread-safe: an arena belongs to one thread at a time.
 */
struct wh_arena_chunk;
struct wh_arena_defer;

struct wh_arena {
    struct wh_arena_chunk *chunks;
    struct wh_arena_defer *defers;
    size_t total;     /* bytes handed out, for limits and metrics */
    size_t chunk_min; /* first chunk's size; 0: the default (4 KB) */
};

typedef void wh_release_fn(void *obj);

void wh_arena_init(struct wh_arena *a);
/* wh_arena_init with a smaller first chunk (at least 64 bytes; later chunks double): for
 * long-lived values of a few hundred bytes, such as cache entries, that would waste most of a
 * 4 KB chunk. */
void wh_arena_init_small(struct wh_arena *a, size_t first_chunk);
/* wh_arena_init for one large input parsed at once (the CLI's SBOM diff): the first chunk is
 * 2 MiB of transparent huge pages, as every chunk of 1 MiB or more is (arena.c: chunk_new), so
 * the many-megabyte arena never takes 4 KiB page faults. */
void wh_arena_init_large(struct wh_arena *a);
/* Bytes the arena holds from malloc: its chunks with their headers (deferred-release records
 * included; not what those releases free). What a bounded cache counts. */
size_t wh_arena_footprint(const struct wh_arena *a);
/* Runs deferred releases (last added first), then frees every chunk. */
void wh_arena_fini(struct wh_arena *a);
/* Zeroed, aligned for any type. Never returns NULL (wh_oom). */
void *wh_arena_alloc(struct wh_arena *a, size_t size);
/* Like wh_arena_alloc, for memory the caller writes whole next: not zeroed. */
void *wh_arena_alloc_raw(struct wh_arena *a, size_t size);
/* Zeroed array of n elements of size each; aborts on overflow. */
void *wh_arena_calloc(struct wh_arena *a, size_t n, size_t size);
/* Grows an arena array: copies the old n elements into a new block of new_n (the rest zeroed). */
void *wh_arena_grow(struct wh_arena *a, void *old, size_t n, size_t new_n, size_t size);
/* Like wh_arena_grow, for arrays whose elements past n are written before they are read: the
 * rest is not zeroed. */
void *wh_arena_grow_raw(struct wh_arena *a, void *old, size_t n, size_t new_n, size_t size);
char *wh_arena_strndup(struct wh_arena *a, const char *s, size_t n);
char *wh_arena_strdup(struct wh_arena *a, const char *s);
/* NUL-terminated copy of a view. */
char *wh_arena_strdup_view(struct wh_arena *a, struct wh_str s);
void *wh_arena_memdup(struct wh_arena *a, const void *p, size_t n);
/* The n views one after another, NUL-terminated: a "%s%s..." without a format to read (the
 * cached review's hot paths). */
char *wh_arena_join(struct wh_arena *a, const struct wh_str *parts, size_t n);
char *wh_arena_sprintf(struct wh_arena *a, const char *fmt, ...) WH_PRINTF(2, 3);
char *wh_arena_vsprintf(struct wh_arena *a, const char *fmt, va_list ap);
/* `fn(obj)` runs at wh_arena_fini. */
void wh_arena_defer(struct wh_arena *a, wh_release_fn *fn, void *obj);

#endif
