/* The arena's growth paths: zeroed and raw array growth, and the huge-page chunks (1 MiB and up
 * are whole 2 MiB pages: footprint in 2 MiB steps). */
#include <stdint.h>
#include <string.h>

#include "base/arena.h"
#include "unit/harness.h"

#define MIB ((size_t)1 << 20)

static bool
all_zero(const unsigned char *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* wh_arena_sprintf prints formats of text, %s, %d, %u, %lu and %zu without vfprintf: each must
 * print what snprintf prints (a NULL string as glibc's "(null)"), and every other format still is
 * snprintf's. */
struct format_case {
    const char *fmt;
    const char *s1, *s2;
    int d;
    unsigned u;
    size_t z;
};

static char *
format_case(struct wh_arena *a, const struct format_case *c, char *want, size_t size)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
    if (strstr(c->fmt, "%d") != NULL) {
        snprintf(want, size, c->fmt, c->s1, c->d);
        return wh_arena_sprintf(a, c->fmt, c->s1, c->d);
    }
    if (strstr(c->fmt, "%lu") != NULL) {
        snprintf(want, size, c->fmt, c->s1, (unsigned long)c->z);
        return wh_arena_sprintf(a, c->fmt, c->s1, (unsigned long)c->z);
    }
    if (strstr(c->fmt, "%u") != NULL && strstr(c->fmt, "%zu") == NULL) {
        snprintf(want, size, c->fmt, c->u, c->s1);
        return wh_arena_sprintf(a, c->fmt, c->u, c->s1);
    }
    if (strstr(c->fmt, "%zu") != NULL) {
        snprintf(want, size, c->fmt, c->z, c->z + 1, c->z * 2);
        return wh_arena_sprintf(a, c->fmt, c->z, c->z + 1, c->z * 2);
    }
    snprintf(want, size, c->fmt, c->s1, c->s2, c->s1);
    return wh_arena_sprintf(a, c->fmt, c->s1, c->s2, c->s1);
#pragma GCC diagnostic pop
}

static void
test_sprintf_prints_as_snprintf(void)
{
    static const struct format_case cases[] = {
        {"%s", "sha256:ab", NULL, 0, 0, 0},
        {"%s", "", NULL, 0, 0, 0},
        {"%s", NULL, NULL, 0, 0, 0},
        {"plain text", NULL, NULL, 0, 0, 0},
        {"", NULL, NULL, 0, 0, 0},
        {"%s%s%s", "dev:1", "@", 0, 0, 0},
        {"[%s] and [%s] then %s.", "a", "\xc3\xa9\"q", 0, 0, 0},
        {"%s-%d", "x", NULL, -2147483647 - 1, 0, 0},
        {"%s%d!", "", NULL, 0, 0, 0},
        {"%s %d", "n", NULL, 2147483647, 0, 0},
        {"%u:%s", "p", NULL, 0, 4294967295u, 0},
        {"block=%zu warn=%zu ignore=%zu", NULL, NULL, 0, 0, 0},
        {"%zu%zu%zu", NULL, NULL, 0, 0, (size_t)-1 / 2},
        {"%s:%lu", "registry.local", NULL, 0, 0, 5000},
        {"%s:%lu", "r", NULL, 0, 0, (size_t)-1},
        {"100%% %s", "x", NULL, 0, 0, 0},
        {"%5s|%-3s|%.2s", "ab", "c", 0, 0, 0},
        {"%s %.3s", "x", "abcdef", 0, 0, 0},
    };
    struct wh_arena a;
    char want[256];
    size_t i, bad = 0;

    wh_arena_init(&a);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = format_case(&a, &cases[i], want, sizeof(want));

        if (strcmp(got, want) != 0 && bad++ < 3)
            printf("# %s: got [%s], snprintf prints [%s]\n", cases[i].fmt, got, want);
    }
    ok(bad == 0, "wh_arena_sprintf prints as snprintf prints (%zu formats)", i);
    wh_arena_fini(&a);
}

/* wh_arena_join: the views in order, NUL-terminated; empty views and no views at all. */
static void
test_join(void)
{
    struct wh_arena a;
    const struct wh_str parts[] = {WH_STR("ghcr.io"), WH_STR(""), WH_STR("/"), {"acme/app:v1", 8}};
    const char *s;

    wh_arena_init(&a);
    s = wh_arena_join(&a, parts, 4);
    ok(strcmp(s, "ghcr.io/acme/app") == 0, "join writes the views in order (%s)", s);
    s = wh_arena_join(&a, parts, 0);
    ok(s != NULL && s[0] == '\0', "join of no views is the empty string");
    wh_arena_fini(&a);
}

int
main(void)
{
    struct wh_arena a;
    unsigned char *p, *q;
    size_t *v;
    size_t i, before;

    test_sprintf_prints_as_snprintf();
    test_join();

    wh_arena_init(&a);
    v = wh_arena_grow(&a, NULL, 0, 4, sizeof(*v));
    ok(all_zero((const unsigned char *)v, 4 * sizeof(*v)), "grow from nothing is zeroed");
    for (i = 0; i < 4; i++)
        v[i] = i + 1;
    v = wh_arena_grow_raw(&a, v, 4, 1000, sizeof(*v));
    ok(v[0] == 1 && v[3] == 4, "grow_raw keeps the old elements");
    for (i = 4; i < 1000; i++)
        v[i] = i + 1;
    v = wh_arena_grow(&a, v, 1000, 3000, sizeof(*v));
    ok(v[999] == 1000 && all_zero((const unsigned char *)(v + 1000), 2000 * sizeof(*v)),
       "grow keeps the old elements and zeroes the rest");
    ok(wh_arena_footprint(&a) < MIB, "small arrays stay in small chunks");
    before = wh_arena_footprint(&a);
    p = wh_arena_alloc_raw(&a, 3 * MIB);
    memset(p, 0xA5, 3 * MIB); /* ASan: the whole block is ours */
    ok(wh_arena_footprint(&a) - before == 4 * MIB, "a 3 MiB block takes a 4 MiB huge chunk");
    ok(((uintptr_t)p & 15) == 0, "aligned for any type");
    q = wh_arena_alloc(&a, 64);
    ok(all_zero(q, 64), "alloc after a large block is zeroed");
    wh_arena_fini(&a);
    ok(wh_arena_footprint(&a) == 0, "fini frees every chunk");

    wh_arena_init_large(&a);
    p = wh_arena_alloc_raw(&a, 100);
    memset(p, 3, 100);
    ok(wh_arena_footprint(&a) == 2 * MIB, "init_large: the first chunk is one 2 MiB page");
    p = wh_arena_alloc_raw(&a, 2 * MIB - 4096);
    memset(p, 1, 2 * MIB - 4096);
    ok(wh_arena_footprint(&a) == 2 * MIB, "the whole 2 MiB page is usable");
    p = wh_arena_alloc_raw(&a, 2 * MIB);
    memset(p, 2, 2 * MIB);
    ok(wh_arena_footprint(&a) > 4 * MIB && wh_arena_footprint(&a) % (2 * MIB) == 0,
       "what does not fit takes another huge chunk");
    wh_arena_fini(&a);
    return done_testing();
}
