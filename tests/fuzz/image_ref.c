/* Image references and globs: render(parse(x)) round-trips; a rejection is WH_E_INVALID; glob
 * matching terminates on any pattern/text split of the input. Canonical registries (issue 12
 * item 4): the parsed registry is one spelling (lowercase, no :443, no leading port zeros, no
 * Docker Hub alias), and respelling the host of a valid reference (capitals, :443, :0443, a Docker
 * Hub alias) names the same image. Glob overlap ("x\ny\ntext"): symmetric, its example is
 * matched by both globs, and a canonical name both globs match means they overlap. */
#include "fuzz/fuzz.h"

#include <stdio.h>
#include <string.h>

#include "image/ref.h"

#define OVERLAP_MAX 256 /* glob bytes the product walk is fuzzed with (states grow as x*y) */

static bool
same_ref(struct wh_str text, const struct wh_image_ref *want, struct wh_arena *a)
{
    struct wh_image_ref got;
    struct wh_error err;

    return wh_image_ref_parse(text, a, &got, &err) == WH_OK && wh_image_ref_equal(&got, want);
}

static void
check_canonical(const struct wh_image_ref *ref, struct wh_arena *a)
{
    static const char *const aliases[] = {"index.docker.io", "registry-1.docker.io",
                                          "registry.hub.docker.com", "DOCKER.IO:443"};
    const char *reg = ref->registry, *port = strrchr(reg, ':'), *rest;
    size_t i;
    char *up;

    for (i = 0; reg[i] != '\0'; i++)
        WH_ASSERT(!(reg[i] >= 'A' && reg[i] <= 'Z'));
    WH_ASSERT(strcmp(reg, "index.docker.io") != 0 && strcmp(reg, "registry-1.docker.io") != 0 &&
              strcmp(reg, "registry.hub.docker.com") != 0);
    /* Not a colon inside an IPv6 literal: no leading zero, no 443 but on a single-label host
     * ("r:443/x", which as "r/x" would be a Docker Hub name). */
    if (port != NULL && strchr(port, ']') == NULL)
        WH_ASSERT(port[1] != '0' &&
                  (strcmp(port, ":443") != 0 || (memchr(reg, '.', (size_t)(port - reg)) == NULL &&
                                                 strncmp(reg, "localhost:", 10) != 0)));
    rest = wh_arena_sprintf(a, "%s%s%s%s%s", ref->repository, ref->tag != NULL ? ":" : "",
                            ref->tag != NULL ? ref->tag : "", ref->digest != NULL ? "@" : "",
                            ref->digest != NULL ? ref->digest : "");
    /* "localhost" in capitals is no longer a registry ("LOCALHOST/app" is a Hub name). */
    if (strcmp(reg, "localhost") != 0) {
        up = wh_arena_sprintf(a, "%s/%s", reg, rest);
        for (i = 0; up[i] != '/'; i++)
            if (up[i] >= 'a' && up[i] <= 'z')
                up[i] = (char)(up[i] - 'a' + 'A');
        WH_ASSERT(same_ref(wh_str_c(up), ref, a));
    }
    if (port == NULL || strchr(port, ']') != NULL) {
        WH_ASSERT(same_ref(wh_str_c(wh_arena_sprintf(a, "%s:443/%s", reg, rest)), ref, a));
        WH_ASSERT(same_ref(wh_str_c(wh_arena_sprintf(a, "%s:0443/%s", reg, rest)), ref, a));
    } else {
        WH_ASSERT(same_ref(
            wh_str_c(wh_arena_sprintf(a, "%.*s:0%s/%s", (int)(port - reg), reg, port + 1, rest)),
            ref, a));
    }
    if (strcmp(reg, "docker.io") == 0)
        for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
            WH_ASSERT(same_ref(wh_str_c(wh_arena_sprintf(a, "%s/%s", aliases[i], rest)), ref, a));
}

static bool
glob_ok(struct wh_str g)
{
    struct wh_error err;

    return g.len <= OVERLAP_MAX && wh_image_glob_valid(g, &err) == WH_OK;
}

/* "x\ny\ntext" */
static void
check_overlap(const char *data, size_t size, struct wh_arena *a)
{
    const char *nl1 = memchr(data, '\n', size), *nl2;
    struct wh_str x, y, text;
    struct wh_image_ref ref;
    struct wh_error err;
    const char *ex1, *ex2, *cx;
    bool xy, yx;

    if (nl1 == NULL || (nl2 = memchr(nl1 + 1, '\n', size - (size_t)(nl1 + 1 - data))) == NULL)
        return;
    x = (struct wh_str){data, (size_t)(nl1 - data)};
    y = (struct wh_str){nl1 + 1, (size_t)(nl2 - nl1 - 1)};
    text = (struct wh_str){nl2 + 1, size - (size_t)(nl2 + 1 - data)};
    if (!glob_ok(x) || !glob_ok(y))
        return;
    cx = wh_image_glob_canonical(x, a);
    WH_ASSERT(glob_ok(wh_str_c(cx)) || strlen(cx) > OVERLAP_MAX);
    WH_ASSERT(strcmp(wh_image_glob_canonical(wh_str_c(cx), a), cx) == 0);
    xy = wh_image_glob_overlap(x, y, a, &ex1);
    yx = wh_image_glob_overlap(y, x, a, &ex2);
    WH_ASSERT(xy == yx && xy == (ex1 != NULL) && yx == (ex2 != NULL));
    if (xy)
        WH_ASSERT(wh_image_glob_match(x, wh_str_c(ex1)) && wh_image_glob_match(y, wh_str_c(ex1)) &&
                  wh_image_glob_match(x, wh_str_c(ex2)) && wh_image_glob_match(y, wh_str_c(ex2)));
    /* A canonical name (as rules see one) matched by both: the walk must have found one. */
    if (wh_image_ref_parse(text, a, &ref, &err) == WH_OK &&
        wh_str_eq_c(text, wh_image_ref_name(&ref, a)) && wh_image_glob_match(x, text) &&
        wh_image_glob_match(y, text))
        WH_ASSERT(xy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_image_ref ref, again;
    struct wh_error err;
    struct wh_str in = {(const char *)data, size};
    const char *nl = memchr(data, '\n', size);

    wh_arena_init(&a);
    if (wh_image_ref_parse(in, &a, &ref, &err) == WH_OK) {
        struct wh_str text = wh_image_ref_render(&ref, &a);
        WH_ASSERT(wh_image_ref_parse(text, &a, &again, &err) == WH_OK);
        WH_ASSERT(wh_image_ref_equal(&ref, &again));
        WH_ASSERT(wh_str_eq(wh_image_ref_render(&again, &a), text));
        WH_ASSERT(ref.tag != NULL || ref.digest != NULL);
        WH_ASSERT(wh_image_glob_match(wh_str_c(wh_image_ref_name(&ref, &a)),
                                      wh_str_c(wh_image_ref_name(&ref, &a))));
        WH_ASSERT(wh_image_glob_match(WH_STR("**"), text));
        WH_ASSERT(wh_image_ref_display(in, &ref, &a) != NULL);
        check_canonical(&ref, &a);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID);
        WH_ASSERT(err.msg[0] != '\0');
    }
    if (nl != NULL) {
        /* "pattern\ntext": match must terminate; a literal pattern matches itself. */
        struct wh_str pat = {(const char *)data, (size_t)(nl - (const char *)data)};
        struct wh_str text = {nl + 1, size - pat.len - 1};
        (void)wh_image_glob_match(pat, text);
        if (wh_image_glob_valid(pat, &err) == WH_OK && memchr(pat.ptr, '*', pat.len) == NULL &&
            memchr(pat.ptr, '?', pat.len) == NULL)
            WH_ASSERT(wh_image_glob_match(pat, pat));
        check_overlap((const char *)data, size, &a);
    }
    wh_arena_fini(&a);
    return 0;
}
