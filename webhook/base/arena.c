/* Region allocator: bump allocation from chunks, freed whole; deferred releases for library
 * objects. */
#include "base/arena.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN 4096u
#define ALIGN 16u

struct wh_arena_chunk {
    struct wh_arena_chunk *next;
    size_t size;
    size_t used;
    _Alignas(16) unsigned char data[];
};

struct wh_arena_defer {
    struct wh_arena_defer *next;
    wh_release_fn *fn;
    void *obj;
};

void
wh_arena_init(struct wh_arena *a)
{
    a->chunks = NULL;
    a->defers = NULL;
    a->total = 0;
}

void
wh_arena_fini(struct wh_arena *a)
{
    struct wh_arena_defer *d = a->defers;
    struct wh_arena_chunk *c = a->chunks;

    while (d != NULL) {
        struct wh_arena_defer *next = d->next;
        d->fn(d->obj);
        free(d);
        d = next;
    }
    while (c != NULL) {
        struct wh_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    wh_arena_init(a);
}

void *
wh_arena_alloc(struct wh_arena *a, size_t size)
{
    struct wh_arena_chunk *c = a->chunks;
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    void *p;

    if (need < size)
        wh_oom();
    if (c == NULL || c->size - c->used < need) {
        size_t csize = need > CHUNK_MIN ? need : CHUNK_MIN;
        if (c != NULL && c->size * 2 > csize && c->size < (1u << 20))
            csize = c->size * 2 > need ? c->size * 2 : need;
        c = malloc(sizeof(*c) + csize);
        if (c == NULL)
            wh_oom();
        c->size = csize;
        c->used = 0;
        /* A large block goes behind the current chunk so its free space stays usable. */
        if (a->chunks != NULL && need > CHUNK_MIN) {
            c->next = a->chunks->next;
            a->chunks->next = c;
        } else {
            c->next = a->chunks;
            a->chunks = c;
        }
    }
    p = c->data + c->used;
    c->used += need;
    a->total += need;
    memset(p, 0, size);
    return p;
}

void *
wh_arena_calloc(struct wh_arena *a, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        wh_oom();
    return wh_arena_alloc(a, n * size);
}

void *
wh_arena_grow(struct wh_arena *a, void *old, size_t n, size_t new_n, size_t size)
{
    void *p = wh_arena_calloc(a, new_n, size);

    if (old != NULL && n > 0)
        memcpy(p, old, (n < new_n ? n : new_n) * size);
    return p;
}

char *
wh_arena_strndup(struct wh_arena *a, const char *s, size_t n)
{
    char *p = wh_arena_alloc(a, n + 1);

    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
wh_arena_strdup(struct wh_arena *a, const char *s)
{
    return wh_arena_strndup(a, s, strlen(s));
}

char *
wh_arena_strdup_view(struct wh_arena *a, struct wh_str s)
{
    return wh_arena_strndup(a, s.ptr, s.len);
}

void *
wh_arena_memdup(struct wh_arena *a, const void *p, size_t n)
{
    void *q = wh_arena_alloc(a, n == 0 ? 1 : n);

    if (n > 0)
        memcpy(q, p, n);
    return q;
}

char *
wh_arena_vsprintf(struct wh_arena *a, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *p;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        wh_oom();
    p = wh_arena_alloc(a, (size_t)n + 1);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    return p;
}

char *
wh_arena_sprintf(struct wh_arena *a, const char *fmt, ...)
{
    va_list ap;
    char *p;

    va_start(ap, fmt);
    p = wh_arena_vsprintf(a, fmt, ap);
    va_end(ap);
    return p;
}

void
wh_arena_defer(struct wh_arena *a, wh_release_fn *fn, void *obj)
{
    struct wh_arena_defer *d = malloc(sizeof(*d));

    if (d == NULL)
        wh_oom();
    d->fn = fn;
    d->obj = obj;
    d->next = a->defers;
    a->defers = d;
}
