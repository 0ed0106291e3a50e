#include "image/ref.h"

#include <stdlib.h>

#include "unit/harness.h"

#define D64 "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct good {
    const char *in, *registry, *repository, *tag, *digest, *rendered;
};

static const struct good goods[] = {
    {"nginx", "docker.io", "library/nginx", "latest", NULL, "docker.io/library/nginx:latest"},
    {"nginx:1.25", "docker.io", "library/nginx", "1.25", NULL, NULL},
    {"acme/app", "docker.io", "acme/app", "latest", NULL, NULL},
    {"docker.io/nginx", "docker.io", "library/nginx", "latest", NULL, NULL},
    {"index.docker.io/library/nginx:1", "docker.io", "library/nginx", "1", NULL,
     "docker.io/library/nginx:1"},
    {"index.docker.io/nginx", "docker.io", "library/nginx", "latest", NULL, NULL},
    {"ghcr.io/acme/payments/api:v2", "ghcr.io", "acme/payments/api", "v2", NULL, NULL},
    {"localhost/app", "localhost", "app", "latest", NULL, NULL},
    {"localhost:5000/app:dev", "localhost:5000", "app", "dev", NULL, NULL},
    {"127.0.0.1:5000/team/app", "127.0.0.1:5000", "team/app", "latest", NULL, NULL},
    {"[::1]:5000/app", "[::1]:5000", "app", "latest", NULL, NULL},
    {"[fe80::1]/app:x", "[fe80::1]", "app", "x", NULL, NULL},
    {"Registry.Example.COM/app", "registry.example.com", "app", "latest", NULL,
     "registry.example.com/app:latest"},
    /* One spelling per registry (issue 12 item 4): case, :443, leading zeros, Docker Hub. */
    {"LOCALHOST:5000/app:v1", "localhost:5000", "app", "v1", NULL, "localhost:5000/app:v1"},
    {"Localhost:5000/app", "localhost:5000", "app", "latest", NULL, NULL},
    {"host.example:443/app", "host.example", "app", "latest", NULL, "host.example/app:latest"},
    {"host.example:0443/app", "host.example", "app", "latest", NULL, NULL},
    {"host.example:05000/app", "host.example:5000", "app", "latest", NULL, NULL},
    {"host.example:80/app", "host.example:80", "app", "latest", NULL, NULL},
    {"r:0443/app", "r:443", "app", "latest", NULL, "r:443/app:latest"}, /* "r/app": Docker Hub */
    {"LocalHost:443/app", "localhost", "app", "latest", NULL, "localhost/app:latest"},
    {"registry-1.docker.io/library/nginx", "docker.io", "library/nginx", "latest", NULL,
     "docker.io/library/nginx:latest"},
    {"registry-1.docker.io/nginx:1", "docker.io", "library/nginx", "1", NULL, NULL},
    {"registry.hub.docker.com/library/nginx:1", "docker.io", "library/nginx", "1", NULL, NULL},
    {"REGISTRY-1.DOCKER.IO:443/acme/app", "docker.io", "acme/app", "latest", NULL, NULL},
    {"Index.Docker.IO:443/nginx", "docker.io", "library/nginx", "latest", NULL, NULL},
    {"docker.io:5000/app", "docker.io:5000", "app", "latest", NULL, NULL},
    {"[0:0:0:0:0:0:0:1]:5000/app", "[::1]:5000", "app", "latest", NULL, "[::1]:5000/app:latest"},
    {"[FE80::0001]/app", "[fe80::1]", "app", "latest", NULL, NULL},
    {"[2001:db8:0:0:1:0:0:1]/a", "[2001:db8::1:0:0:1]", "a", "latest", NULL, NULL},
    {"[2001:0DB8::]:443/a", "[2001:db8::]", "a", "latest", NULL, NULL},
    {"[1:0:2:3:4:5:6:7]/a", "[1:0:2:3:4:5:6:7]", "a", "latest", NULL, NULL},
    {"[::]/a", "[::]", "a", "latest", NULL, NULL},
    {"[::ffff:7f00:1]:5000/a", "127.0.0.1:5000", "a", "latest", NULL, "127.0.0.1:5000/a:latest"},
    {"[0:0:0:0:0:FFFF:0A00:0001]/a", "10.0.0.1", "a", "latest", NULL, NULL},
    {"[::7f00:1]/a", "[::7f00:1]", "a", "latest", NULL, NULL}, /* IPv4-compatible: not mapped */
    {"10.0.0.255:5000/a", "10.0.0.255:5000", "a", "latest", NULL, NULL},
    /* Dotted quads taken as written (ref.c is_dotted_quad) and names that only look like one. */
    {"0.0.0.0:1/a", "0.0.0.0:1", "a", "latest", NULL, NULL},
    {"255.255.255.255:65535/a", "255.255.255.255:65535", "a", "latest", NULL, NULL},
    {"256.0.0.1:5000/a", "256.0.0.1:5000", "a", "latest", NULL, NULL},
    {"1.2.3.4.5/a", "1.2.3.4.5", "a", "latest", NULL, NULL},
    {"my-registry.io/a/b/c/d", "my-registry.io", "a/b/c/d", "latest", NULL, NULL},
    {"nginx@" D64, "docker.io", "library/nginx", NULL, D64, "docker.io/library/nginx@" D64},
    {"nginx:1.25@" D64, "docker.io", "library/nginx", "1.25", D64, NULL},
    {"a.b/x.y_z__w-v--u:T_a.g-1", "a.b", "x.y_z__w-v--u", "T_a.g-1", NULL, NULL},
    {"localhost:5000", "docker.io", "library/localhost", "5000", NULL, NULL},
    {"x:_", "docker.io", "library/x", "_", NULL, NULL},

    {"foo/bar:" /* 128-char tag */
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "docker.io", "foo/bar", NULL, NULL, NULL},
};

struct bad {
    const char *in, *msg;
};

static const struct bad bads[] = {
    {"", "image reference is empty"},
    {"Nginx", "repository name must be lowercase"},
    {"Acme/app", "repository name must be lowercase"},
    {"ghcr.io/Acme/app", "repository name must be lowercase"},
    {"nginx:", "empty tag after ':'"},
    {"nginx:-x", "tag must start with a letter, digit or '_'"},
    {"nginx:a/b", "registry port must be digits"},
    {"_x", "must start and end with a letter or digit"},
    {"nginx:a+b", "tag may contain only letters"},
    {"nginx@", "empty digest after '@'"},
    {"nginx@sha256", "digest must be <algorithm>:<hex>"},
    {"nginx@sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
     "unsupported digest algorithm \"sha512\" (only sha256 is accepted)"},
    {"nginx@md5:0123", "unsupported digest algorithm \"md5\""},
    {"nginx@1sha:00", "malformed digest algorithm"},
    {"nginx@sha256+:00", "malformed digest algorithm"},
    {"nginx@sha256:0123", "sha256 digest must have 64 hex characters"},
    {"nginx@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
     "sha256 digest must be lowercase hex"},
    {"nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg",
     "sha256 digest must be lowercase hex"},
    {"/nginx", "empty path component"},
    {"acme//app", "empty path component"},
    {"acme/app/", "empty path component"},
    {"ghcr.io/", "missing repository name"},
    {":tag", "missing repository name"},
    {"-app", "must start and end with a letter or digit"},
    {"app-", "must start and end with a letter or digit"},
    {"a..b", "invalid separator"},
    {"a___b", "invalid separator"},
    {"a._b", "invalid separator"},
    {"a b", "invalid character in repository name"},
    {"ghcr.io:/app", "empty registry port"},
    {"ghcr.io:50x0/app", "registry port must be digits"},
    {"-ghcr.io/app", "invalid registry host"},
    {"ghcr-.io/app", "invalid registry host"},
    {"ghcr..io/app", "invalid registry host"},
    {"gh_cr.io/app", "invalid character in registry host"},
    {"[::1/app", "invalid IPv6 address"},
    {"[]:5000/app", "invalid IPv6 address"},
    {"[::g]/app", "invalid IPv6 address"},
    {"[::1::2]/app", "invalid IPv6 address"},
    {"[1:2:3:4:5:6:7:8:9]/app", "invalid IPv6 address"},
    {"127.1:5000/app", "IPv4 address in a non-canonical form: write it as 127.0.0.1"},
    {"127.000.0.1/app", "write it as 127.0.0.1"},
    {"0x7f.0.0.1:5000/app", "write it as 127.0.0.1"},
    {"2130706433:5000/app", "write it as 127.0.0.1"},
    {"10.0.0.010/app", "write it as 10.0.0.8"},
    {"010.0.0.1/app", "write it as 8.0.0.1"},
    {"1.2.3/app", "write it as 1.2.0.3"},
    {"host.example:0/app", "registry port must be 1-65535"},
    {"host.example:65536/app", "registry port must be 1-65535"},
    {"host.example:99999999999999999999/app", "registry port must be 1-65535"},
    {"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
     "a 64-character hex name is an image ID"},
    {"foo/bar:" /* 129-char tag */
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
     "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
     "tag longer than 128 characters"},
};

static void
test_valid_references_normalise(void)
{
    size_t i;

    for (i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
        const struct good *g = &goods[i];
        struct wh_arena a;
        struct wh_image_ref r, again;
        struct wh_error err = {0};
        struct wh_str text;
        enum wh_err rc;

        wh_arena_init(&a);
        rc = wh_image_ref_parse(wh_str_c(g->in), &a, &r, &err);
        if (!ok(rc == WH_OK, "parse %.60s", g->in)) {
            printf("# %s\n", err.msg);
            wh_arena_fini(&a);
            continue;
        }
        ok(strcmp(r.registry, g->registry) == 0 && strcmp(r.repository, g->repository) == 0,
           "%.60s -> %s / %s", g->in, r.registry, r.repository);
        if (g->tag != NULL || g->digest != NULL)
            ok((g->tag == NULL ? r.tag == NULL : r.tag != NULL && strcmp(r.tag, g->tag) == 0) &&
                   (g->digest == NULL ? r.digest == NULL
                                      : r.digest != NULL && strcmp(r.digest, g->digest) == 0),
               "%.60s tag %s digest %s", g->in, r.tag ? r.tag : "(null)",
               r.digest ? r.digest : "(null)");
        text = wh_image_ref_render(&r, &a);
        if (g->rendered != NULL)
            ok(wh_str_eq_c(text, g->rendered), "render %s", text.ptr);
        ok(wh_image_ref_parse(text, &a, &again, &err) == WH_OK && wh_image_ref_equal(&r, &again),
           "%.60s round-trips through %.60s", g->in, text.ptr);
        wh_arena_fini(&a);
    }
}

static void
test_invalid_references_say_why(void)
{
    size_t i;

    for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
        struct wh_arena a;
        struct wh_image_ref r;
        struct wh_error err = {0};
        enum wh_err rc;

        wh_arena_init(&a);
        rc = wh_image_ref_parse(wh_str_c(bads[i].in), &a, &r, &err);
        ok(rc == WH_E_INVALID && err.code == WH_E_INVALID && strstr(err.msg, bads[i].msg) != NULL,
           "reject \"%.50s\": %s", bads[i].in, rc == WH_OK ? "(accepted)" : err.msg);
        wh_arena_fini(&a);
    }
}

static void
test_no_tag_no_digest_gets_latest(void)
{
    struct wh_arena a;
    struct wh_image_ref r;
    struct wh_error err = {0};

    wh_arena_init(&a);
    ok(wh_image_ref_parse(WH_STR("registry.example.com/payments/api"), &a, &r, &err) == WH_OK &&
           strcmp(r.tag, "latest") == 0 && r.digest == NULL,
       "no tag and no digest means :latest");
    ok(strcmp(wh_image_ref_name(&r, &a), "registry.example.com/payments/api") == 0,
       "name is registry/repository");
    wh_arena_fini(&a);
}

static void
test_view_is_not_read_past_its_length(void)
{
    struct wh_arena a;
    struct wh_image_ref r;
    struct wh_error err = {0};
    char *buf = malloc(5);

    memcpy(buf, "nginx", 5); /* no NUL: ASan flags any read past the view */
    wh_arena_init(&a);
    ok(wh_image_ref_parse((struct wh_str){buf, 5}, &a, &r, &err) == WH_OK &&
           strcmp(r.repository, "library/nginx") == 0,
       "parse reads only the view");
    memcpy(buf, "ab--c", 5);
    ok(wh_image_ref_parse((struct wh_str){buf, 5}, &a, &r, &err) == WH_OK,
       "dash separator at the view's end region");
    wh_arena_fini(&a);
    free(buf);
}

static void
test_name_length_capped_at_255(void)
{
    struct wh_arena a;
    struct wh_image_ref r;
    struct wh_error err = {0};
    char name[400];

    /* "docker.io/library/" is 18 bytes: 237 letters make exactly 255. */
    memset(name, 'a', sizeof(name));
    wh_arena_init(&a);
    ok(wh_image_ref_parse((struct wh_str){name, 237}, &a, &r, &err) == WH_OK,
       "name of exactly 255 after normalising is accepted");
    ok(wh_image_ref_parse((struct wh_str){name, 238}, &a, &r, &err) == WH_E_INVALID &&
           strstr(err.msg, "repository name longer than 255") != NULL,
       "256 rejected: %s", err.msg);
    wh_arena_fini(&a);
}

static void
test_huge_input_rejected_before_work(void)
{
    struct wh_arena a;
    struct wh_image_ref r;
    struct wh_error err = {0};
    char *big = malloc(5000);

    memset(big, 'a', 5000);
    wh_arena_init(&a);
    ok(wh_image_ref_parse((struct wh_str){big, 5000}, &a, &r, &err) == WH_E_INVALID &&
           strstr(err.msg, "5000 bytes, longer than 1024") != NULL,
       "oversized reference: %s", err.msg);
    wh_arena_fini(&a);
    free(big);
}

struct glob_case {
    const char *pattern, *text;
    bool match;
};

static const struct glob_case globs[] = {
    {"registry.example.com/payments/**", "registry.example.com/payments/api", true},
    {"registry.example.com/payments/**", "registry.example.com/payments/a/b/c", true},
    {"registry.example.com/payments/**", "registry.example.com/paymentsx/api", false},
    {"registry.example.com/payments/*", "registry.example.com/payments/api", true},
    {"registry.example.com/payments/*", "registry.example.com/payments/a/b", false},
    {"registry.example.com/payments/debug-*", "registry.example.com/payments/debug-shell", true},
    {"registry.example.com/payments/debug-*", "registry.example.com/payments/api", false},
    {"docker.io/library/nginx", "docker.io/library/nginx", true},
    {"docker.io/library/nginx", "docker.io/library/nginx2", false},
    {"docker.io/library/nginx", "xdocker.io/library/nginx", false},
    {"*/library/*", "docker.io/library/nginx", true},
    {"*", "docker.io/library/nginx", false},
    {"**", "docker.io/library/nginx", true},
    {"**", "", true},
    {"*", "", true},
    {"?", "", false},
    {"ghcr.io/acme/ap?", "ghcr.io/acme/api", true},
    {"ghcr.io/acme/ap?", "ghcr.io/acme/ap/", false},
    {"ghcr.io/**/api", "ghcr.io/acme/team/api", true},
    {"ghcr.io/**/api", "ghcr.io/api", false},
    {"ghcr.io/**api", "ghcr.io/api", true},
    {"a*b*c", "axxbyyc", true},
    {"a*b*c", "axxbyy/c", false},
    {"legacy:*", "legacy:v1", true},
};

static void
test_glob_semantics(void)
{
    size_t i;

    for (i = 0; i < sizeof(globs) / sizeof(globs[0]); i++)
        ok(wh_image_glob_match(wh_str_c(globs[i].pattern), wh_str_c(globs[i].text)) ==
               globs[i].match,
           "glob %s %s %s", globs[i].pattern, globs[i].match ? "matches" : "does not match",
           globs[i].text);
}

static void
test_glob_pathological_pattern_is_fast(void)
{
    char pat[201], text[2001];
    size_t i;

    /* "*a*a*a...*b" against "aaaa...": exponential for naive backtracking. */
    for (i = 0; i < 100; i++) {
        pat[2 * i] = '*';
        pat[2 * i + 1] = 'a';
    }
    pat[199] = 'b';
    pat[200] = '\0';
    memset(text, 'a', 2000);
    text[2000] = '\0';
    ok(!wh_image_glob_match(wh_str_c(pat), wh_str_c(text)), "pathological glob answers (no match)");
    text[1999] = 'b';
    ok(wh_image_glob_match(wh_str_c(pat), wh_str_c(text)), "long text (heap rows) matches");
}

static void
test_glob_valid_rejects_bad_patterns(void)
{
    struct wh_error err = {0};

    ok(wh_image_glob_valid(WH_STR("registry.example.com/**"), &err) == WH_OK, "good glob valid");
    ok(wh_image_glob_valid(WH_STR(""), &err) == WH_E_INVALID &&
           strstr(err.msg, "glob is empty") != NULL,
       "empty glob: %s", err.msg);
    ok(wh_image_glob_valid(WH_STR("a/***"), &err) == WH_E_INVALID &&
           strstr(err.msg, "more than two '*' in a row at offset 2") != NULL,
       "triple star: %s", err.msg);
    ok(wh_image_glob_valid(WH_STR("a b"), &err) == WH_E_INVALID &&
           strstr(err.msg, "invalid character 0x20 at offset 1") != NULL,
       "space: %s", err.msg);
}

static void
test_display_shows_the_canonical_name_when_respelled(void)
{
    static const struct {
        const char *in, *shown;
    } cases[] = {
        {"LOCALHOST:5000/app:v1", "localhost:5000/app:v1 (written LOCALHOST:5000/app:v1)"},
        {"registry-1.docker.io/library/nginx@" D64,
         "docker.io/library/nginx@" D64 " (written registry-1.docker.io/library/nginx@" D64 ")"},
        {"host.example:443/a", "host.example/a:latest (written host.example:443/a)"},
        {"localhost:5000/app", "localhost:5000/app"},
        {"nginx:1.25", "nginx:1.25"},
        {"docker.io/nginx", "docker.io/nginx"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wh_arena a;
        struct wh_image_ref r;
        struct wh_error err = {0};
        const char *shown = "";

        wh_arena_init(&a);
        if (wh_image_ref_parse(wh_str_c(cases[i].in), &a, &r, &err) == WH_OK)
            shown = wh_image_ref_display(wh_str_c(cases[i].in), &r, &a);
        ok(strcmp(shown, cases[i].shown) == 0, "%s shown as %s", cases[i].in, shown);
        wh_arena_fini(&a);
    }
}

static void
test_spellings_of_one_registry_have_one_name(void)
{
    static const char *const spellings[] = {
        "localhost:5000/team/app:v1", "LOCALHOST:5000/team/app:v1", "Localhost:5000/team/app:v1",
        "localhost:05000/team/app:v1"};
    static const char *const hub[] = {"nginx",
                                      "docker.io/library/nginx",
                                      "index.docker.io/library/nginx",
                                      "registry-1.docker.io/nginx",
                                      "registry.hub.docker.com/library/nginx",
                                      "Docker.IO:443/library/nginx"};
    struct wh_arena a;
    struct wh_image_ref r;
    struct wh_error err = {0};
    size_t i;

    wh_arena_init(&a);
    for (i = 0; i < sizeof(spellings) / sizeof(spellings[0]); i++)
        ok(wh_image_ref_parse(wh_str_c(spellings[i]), &a, &r, &err) == WH_OK &&
               strcmp(wh_image_ref_name(&r, &a), "localhost:5000/team/app") == 0,
           "%s is named localhost:5000/team/app", spellings[i]);
    for (i = 0; i < sizeof(hub) / sizeof(hub[0]); i++)
        ok(wh_image_ref_parse(wh_str_c(hub[i]), &a, &r, &err) == WH_OK &&
               strcmp(wh_image_ref_name(&r, &a), "docker.io/library/nginx") == 0,
           "%s is named docker.io/library/nginx", hub[i]);
    wh_arena_fini(&a);
}

static void
test_glob_host_is_canonical(void)
{
    static const struct str_case cases[] = {
        {"LOCALHOST:5000/**", "localhost:5000/**"},
        {"Registry-1.Docker.IO/library/*", "docker.io/library/*"},
        {"registry.hub.docker.com:443/acme/**", "docker.io/acme/**"},
        {"host.example:443/a/*", "host.example/a/*"},
        {"*.Example.COM/**", "*.example.com/**"},
        {"[0::1]:05000/x", "[::1]:5000/x"},
        {"**", "**"},
        {"127.1/**", "127.1/**"},                     /* never a name: left as written */
        {"reg.io/Payments/**", "reg.io/Payments/**"}, /* only the host is case-folded */
        {"docker.io:5000/a", "docker.io:5000/a"},
    };
    struct wh_arena a;
    size_t i;

    wh_arena_init(&a);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = wh_image_glob_canonical(wh_str_c(cases[i].in), &a);
        ok(strcmp(got, cases[i].want) == 0, "glob %s matches as %s", cases[i].in, got);
    }
    wh_arena_fini(&a);
}

static void
test_glob_overlap_is_exact(void)
{
    static const struct {
        const char *x, *y, *example; /* NULL example: no common name */
    } cases[] = {
        {"localhost:5000/**", "**", "localhost:5000/a"},
        {"**", "localhost:5000/**", "localhost:5000/a"},
        {"reg.io/payments/**", "reg.io/*/api", "reg.io/payments/api"},
        {"reg.io/payments/*", "reg.io/payments/debug-*", "reg.io/payments/debug-a"},
        {"a.io/x-", "a.io/**", NULL},             /* a component ends with a letter or digit */
        {"reg.io/*/api", "reg.io/a/b/api", NULL}, /* '*' stops at '/' */
        {"reg.io/**/api", "reg.io/a/b/api", "reg.io/a/b/api"},
        {"reg.io/payments/**", "reg.io/web/**", NULL},
        {"a.io/x?", "a.io/x/", NULL}, /* '?' is never '/' */
        {"a.io/x", "a.io/x", "a.io/x"},
        {"a.io/x", "a.io/y", NULL},
        {"**", "**", "a/a"},
        {"*", "**", NULL},          /* a name has a '/' */
        {"a.io/**", "a.io/", NULL}, /* nor ends with one */
        {"A.io/**", "**", NULL},    /* nor has capitals */
        {"*a*b*", "*b*a*", NULL},   /* '*' never reads the '/' a name needs */
        {"**a**b**", "**b**a**", "ab/a"},
        {"**/x", "a.io/**", "a.io/x"},
    };
    struct wh_arena a;
    size_t i;

    wh_arena_init(&a);
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *ex = NULL;
        bool got = wh_image_glob_overlap(wh_str_c(cases[i].x), wh_str_c(cases[i].y), &a, &ex);

        if (cases[i].example == NULL) {
            ok(!got && ex == NULL, "%s and %s match no common name%s%s", cases[i].x, cases[i].y,
               ex != NULL ? ": " : "", ex != NULL ? ex : "");
            continue;
        }
        ok(got && ex != NULL && wh_image_glob_match(wh_str_c(cases[i].x), wh_str_c(ex)) &&
               wh_image_glob_match(wh_str_c(cases[i].y), wh_str_c(ex)),
           "%s and %s both match %s", cases[i].x, cases[i].y, ex != NULL ? ex : "(none)");
        ok(ex != NULL && strcmp(ex, cases[i].example) == 0, "example %s (want %s)",
           ex != NULL ? ex : "(none)", cases[i].example);
    }
    wh_arena_fini(&a);
}

static void
test_glob_overlap_of_long_patterns_is_bounded(void)
{
    char x[1025], y[1025];
    struct wh_arena a;
    const char *ex;
    size_t i;

    /* 1024-character globs: about 4 million product states, each visited at most once. */
    for (i = 0; i < 1024; i++) {
        x[i] = i % 2 == 0 ? '*' : 'a';
        y[i] = i % 3 == 0 ? '?' : 'a';
    }
    x[1] = '/';
    y[1] = '/';
    x[1024] = y[1024] = '\0';
    wh_arena_init(&a);
    ok(wh_image_glob_overlap(wh_str_c(x), wh_str_c(y), &a, &ex) &&
           wh_image_glob_match(wh_str_c(x), wh_str_c(ex)) &&
           wh_image_glob_match(wh_str_c(y), wh_str_c(ex)),
       "1024-character globs overlap with a common name");
    wh_arena_fini(&a);
}

/* The glob semantics by plain recursion (exponential, fine for a few characters): '**' reads
 * anything, '*' anything but '/', '?' one character but '/', a literal itself. */
static bool
ref_glob(const char *p, size_t pn, const char *t, size_t tn)
{
    if (pn == 0)
        return tn == 0;
    if (pn >= 2 && p[0] == '*' && p[1] == '*') {
        for (size_t k = 0; k <= tn; k++)
            if (ref_glob(p + 2, pn - 2, t + k, tn - k))
                return true;
        return false;
    }
    if (p[0] == '*') {
        for (size_t k = 0; k <= tn && (k == 0 || t[k - 1] != '/'); k++)
            if (ref_glob(p + 1, pn - 1, t + k, tn - k))
                return true;
        return false;
    }
    if (tn == 0 || (p[0] == '?' ? t[0] == '/' : t[0] != p[0]))
        return false;
    return ref_glob(p + 1, pn - 1, t + 1, tn - 1);
}

/* Every pattern of up to 4 tokens over {a, b, /, *, ?} against every text of up to 4 characters
 * over {a, b, /}: the literal prefix and suffix compared first (wh_image_glob_match) answer as
 * the rows alone did. */
/* The `index`-th word of `n` letters over `alphabet` (`base` letters), into out; returns how
 * many such words there are. */
static size_t
spell(char *out, size_t index, size_t n, const char *alphabet, size_t base)
{
    size_t count = 1;

    for (size_t k = 0; k < n; k++, index /= base) {
        out[k] = alphabet[index % base];
        count *= base;
    }
    return count;
}

static void
test_glob_matches_reference_exhaustively(void)
{
    char pat[8], txt[8];
    size_t checked = 0, bad = 0;

    for (size_t pn = 0; pn <= 4; pn++)
        for (size_t pi = 0; pi < spell(pat, pi, pn, "ab/*?", 5); pi++)
            for (size_t tn = 0; tn <= 4; tn++)
                for (size_t ti = 0; ti < spell(txt, ti, tn, "ab/", 3); ti++, checked++)
                    bad +=
                        wh_image_glob_match((struct wh_str){pat, pn}, (struct wh_str){txt, tn}) !=
                        ref_glob(pat, pn, txt, tn);
    ok(bad == 0, "glob match agrees with the reference on %zu pattern/text pairs (%zu differ)",
       checked, bad);
}

int
main(void)
{
    test_valid_references_normalise();
    test_invalid_references_say_why();
    test_no_tag_no_digest_gets_latest();
    test_view_is_not_read_past_its_length();
    test_name_length_capped_at_255();
    test_huge_input_rejected_before_work();
    test_glob_semantics();
    test_glob_matches_reference_exhaustively();
    test_glob_pathological_pattern_is_fast();
    test_glob_valid_rejects_bad_patterns();
    test_display_shows_the_canonical_name_when_respelled();
    test_spellings_of_one_registry_have_one_name();
    test_glob_host_is_canonical();
    test_glob_overlap_is_exact();
    test_glob_overlap_of_long_patterns_is_bounded();
    return done_testing();
}
