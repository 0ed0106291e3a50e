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

int
main(void)
{
    struct wh_arena a;
    unsigned char *p, *q;
    size_t *v;
    size_t i, before;

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
