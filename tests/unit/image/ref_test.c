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
    {"Registry.Example.COM/app", "Registry.Example.COM", "app", "latest", NULL, NULL},
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
    test_glob_pathological_pattern_is_fast();
    test_glob_valid_rejects_bad_patterns();
    return done_testing();
}
