/* Region allocator: bump allocation from chunks, freed whole; deferred releases for library
 * objects. */
#include "base/arena.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define CHUNK_MIN 4096u
#define ALIGN 16u
#define HUGE_PAGE ((size_t)2 << 20)
#define HUGE_CHUNK_MIN ((size_t)1 << 20) /* chunks from here up are huge pages: chunk_new() */

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
    a->chunk_min = 0;
}

void
wh_arena_init_small(struct wh_arena *a, size_t first_chunk)
{
    wh_arena_init(a);
    a->chunk_min = first_chunk < 64 ? 64 : first_chunk;
}

void
wh_arena_init_large(struct wh_arena *a)
{
    wh_arena_init(a);
    a->chunk_min = HUGE_CHUNK_MIN;
}

size_t
wh_arena_footprint(const struct wh_arena *a)
{
    const struct wh_arena_chunk *c;
    size_t n = 0;

    for (c = a->chunks; c != NULL; c = c->next)
        n += sizeof(*c) + c->size;
    return n; /* deferred-release records live in the chunks */
}

void
wh_arena_fini(struct wh_arena *a)
{
    struct wh_arena_defer *d = a->defers;
    struct wh_arena_chunk *c = a->chunks;

    while (d != NULL) {
        struct wh_arena_defer *next = d->next;
        d->fn(d->obj);
        d = next;
    }
    while (c != NULL) {
        struct wh_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->chunks = NULL;
    a->defers = NULL;
    a->total = 0;
}

/*
 * Chunks of HUGE_CHUNK_MIN bytes and more (a whole SBOM's components and strings, its sort table)
 * are whole transparent huge pages: 2 MiB aligned, sized in 2 MiB steps and advised
 * MADV_HUGEPAGE, so the block costs one page fault per 2 MiB instead of one per 4 KiB (on a VM a
 * 4 KiB anonymous fault costs ~15 us: 4,000 of them were a third of a 10k-component diff).
 * Advice only: where THP is off they are ordinary pages. Untouched tail pages of the last 2 MiB
 * cost no memory.
 */
static struct wh_arena_chunk *
chunk_new(size_t csize)
{
    struct wh_arena_chunk *c;

    if (csize >= HUGE_CHUNK_MIN) {
        size_t total = sizeof(*c) + csize;

        total = (total + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        if (total < csize)
            wh_oom();
        c = aligned_alloc(HUGE_PAGE, total);
        if (c == NULL)
            wh_oom();
        (void)madvise(c, total, MADV_HUGEPAGE);
        csize = total - sizeof(*c);
    } else {
        c = malloc(sizeof(*c) + csize);
        if (c == NULL)
            wh_oom();
    }
    c->size = csize;
    c->used = 0;
    return c;
}

void *
wh_arena_alloc_raw(struct wh_arena *a, size_t size)
{
    struct wh_arena_chunk *c = a->chunks;
    size_t need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    void *p;

    if (need < size)
        wh_oom();
    if (c == NULL || c->size - c->used < need) {
        size_t min = a->chunk_min != 0 ? a->chunk_min : CHUNK_MIN;
        size_t csize = need > min ? need : min;
        if (c != NULL && c->size * 2 > csize && c->size < ((size_t)32 << 20))
            csize = c->size * 2 > need ? c->size * 2 : need;
        c = chunk_new(csize);
        /* A large block goes behind the current chunk so its free space stays usable. */
        if (a->chunks != NULL && need > min) {
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
    return p;
}

void *
wh_arena_alloc(struct wh_arena *a, size_t size)
{
    void *p = wh_arena_alloc_raw(a, size);

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
wh_arena_grow_raw(struct wh_arena *a, void *old, size_t n, size_t new_n, size_t size)
{
    size_t keep = (old != NULL && n > 0) ? (n < new_n ? n : new_n) : 0;
    unsigned char *p;

    if (size != 0 && new_n > SIZE_MAX / size)
        wh_oom();
    p = wh_arena_alloc_raw(a, new_n * size);
    if (keep > 0)
        memcpy(p, old, keep * size);
    return p;
}

void *
wh_arena_grow(struct wh_arena *a, void *old, size_t n, size_t new_n, size_t size)
{
    size_t keep = (old != NULL && n > 0) ? (n < new_n ? n : new_n) : 0;
    unsigned char *p = wh_arena_grow_raw(a, old, n, new_n, size);

    memset(p + keep * size, 0, (new_n - keep) * size);
    return p;
}

char *
wh_arena_strndup(struct wh_arena *a, const char *s, size_t n)
{
    char *p = wh_arena_alloc_raw(a, n + 1);

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
    void *q = wh_arena_alloc_raw(a, n == 0 ? 1 : n);

    if (n > 0)
        memcpy(q, p, n);
    else
        *(char *)q = '\0';
    return q;
}

char *
wh_arena_join(struct wh_arena *a, const struct wh_str *parts, size_t n)
{
    size_t len = 0, i;
    char *out, *q;

    for (i = 0; i < n; i++)
        len += parts[i].len;
    out = q = wh_arena_alloc_raw(a, len + 1);
    for (i = 0; i < n; i++) {
        if (parts[i].len > 0)
            memcpy(q, parts[i].ptr, parts[i].len);
        q += parts[i].len;
    }
    *q = '\0';
    return out;
}

/* The most conversions format_plain() takes. */
#define PLAIN_ARGS 12

/* One conversion of format_plain(): %s (NULL prints glibc's "(null)"), %d, %u, %lu or %zu. */
struct plain_arg {
    const char *text;
    size_t len;
    char digits[24];
};

/* The conversion at `f` (on '%'): its length, or 0 when format_plain() does not print it. */
static size_t
plain_conversion(const char *f)
{
    if (f[1] == 's' || f[1] == 'd' || f[1] == 'u')
        return 2;
    return (f[1] == 'z' || f[1] == 'l') && f[2] == 'u' ? 3 : 0;
}

/* `v` in decimal at the end of `buf`, with a '-' when `negative`; sets arg's text and len. */
static void
plain_number(struct plain_arg *arg, unsigned long long v, bool negative)
{
    char *p = arg->digits + sizeof(arg->digits);

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    if (negative)
        *--p = '-';
    arg->text = p;
    arg->len = (size_t)(arg->digits + sizeof(arg->digits) - p);
}

/* Reads the argument of the conversion at `f` into `arg`. */
static void
plain_read(const char *f, va_list *ap, struct plain_arg *arg)
{
    if (f[1] == 's') {
        arg->text = va_arg(*ap, const char *);
        if (arg->text == NULL)
            arg->text = "(null)";
        arg->len = strlen(arg->text);
    } else if (f[1] == 'd') {
        int v = va_arg(*ap, int);

        plain_number(arg, v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v, v < 0);
    } else if (f[1] == 'u') {
        plain_number(arg, va_arg(*ap, unsigned), false);
    } else if (f[1] == 'l') {
        plain_number(arg, va_arg(*ap, unsigned long), false);
    } else {
        plain_number(arg, va_arg(*ap, size_t), false);
    }
}

/*
 * What vsnprintf prints for a format of text and %s, %d, %u, %lu and %zu only (no flags, width or
 * precision), without vfprintf: names, paths, keys and annotations of every review are such
 * formats, and printf's machinery was 8 % of a cached review's CPU. NULL, with no argument
 * read, for any other format: the caller prints it.
 */
static char *
format_plain(struct wh_arena *a, const char *fmt, va_list ap)
{
    struct plain_arg args[PLAIN_ARGS];
    const char *at[PLAIN_ARGS + 1]; /* where each conversion starts; then the format's end */
    size_t n = 0, total = 0, i, k;
    const char *f = fmt, *start;
    char *out, *p;
    va_list aq;

    va_copy(aq, ap); /* a copy: `ap` stays unread for the caller when this declines */
    if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == '\0') { /* most annotations: a copy */
        plain_read(fmt, &aq, &args[0]);
        va_end(aq);
        return wh_arena_strndup(a, args[0].text, args[0].len);
    }
    for (; (f = strchr(f, '%')) != NULL; f += k, n++) {
        if ((k = plain_conversion(f)) == 0 || n == PLAIN_ARGS) {
            va_end(aq);
            return NULL;
        }
        at[n] = f;
        plain_read(f, &aq, &args[n]);
        total += args[n].len;
    }
    va_end(aq);
    at[n] = fmt + strlen(fmt);
    total += (size_t)(at[n] - fmt); /* the conversions' own bytes leave room to spare */
    p = out = wh_arena_alloc(a, total + 1);
    for (i = 0, start = fmt;; i++) {
        memcpy(p, start, (size_t)(at[i] - start));
        p += at[i] - start;
        if (i == n)
            break;
        memcpy(p, args[i].text, args[i].len);
        p += args[i].len;
        start = at[i] + plain_conversion(at[i]);
    }
    *p = '\0';
    return out;
}

char *
wh_arena_vsprintf(struct wh_arena *a, const char *fmt, va_list ap)
{
    char small[256];
    va_list ap2;
    int n;
    char *p;

    if ((p = format_plain(a, fmt, ap)) != NULL)
        return p;
    /* One formatting pass for the common short string (cache keys, annotation names): the
     * second pass, formatting straight into the arena, only when it did not fit. */
    va_copy(ap2, ap);
    n = vsnprintf(small, sizeof(small), fmt, ap2);
    va_end(ap2);
    if (n < 0)
        wh_oom();
    p = wh_arena_alloc(a, (size_t)n + 1);
    if ((size_t)n < sizeof(small))
        memcpy(p, small, (size_t)n + 1);
    else
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
    /* The record lives in the arena itself (fini runs it before the chunks go): no malloc and
     * free per cache entry a review holds. */
    struct wh_arena_defer *d = wh_arena_alloc_raw(a, sizeof(*d));

    d->fn = fn;
    d->obj = obj;
    d->next = a->defers;
    a->defers = d;
}
