/* fsm/layer.c: tar layers applied with OCI whiteouts; malformed and oversized layers refused. */
#include "fsm/layer.c"

#include <stdio.h>
#include <zlib.h>

#include "fsm/manifest.h"
#include "unit/harness.h"

/* A tar under construction: ustar headers with correct checksums. */
struct tarb {
    unsigned char buf[1 << 16];
    size_t len;
};

static void
octal(unsigned char *f, size_t n, unsigned long long v)
{
    char tmp[32];

    snprintf(tmp, sizeof(tmp), "%0*llo", (int)n - 1, v & 077777777ULL);
    memcpy(f, tmp, n - 1);
    f[n - 1] = '\0';
}

static void
entry(struct tarb *t, const char *name, char flag, unsigned mode, const char *body,
      const char *link)
{
    unsigned char *h = t->buf + t->len;
    size_t blen = body != NULL ? strlen(body) : 0, i;
    unsigned sum = 0;

    memset(h, 0, 512);
    memcpy(h, name, strlen(name));
    octal(h + 100, 8, mode);
    octal(h + 108, 8, 0);
    octal(h + 116, 8, 0);
    octal(h + 124, 12, blen);
    octal(h + 136, 12, 0);
    h[156] = (unsigned char)flag;
    if (link != NULL)
        memcpy(h + 157, link, strlen(link));
    memcpy(h + 257,
           "ustar\0"
           "00",
           8);
    memset(h + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += h[i];
    snprintf((char *)h + 148, 8, "%06o", sum);
    t->len += 512;
    if (blen > 0) {
        memcpy(t->buf + t->len, body, blen);
        t->len += (blen + 511) / 512 * 512;
    }
}

static struct wh_bytes
finish(struct tarb *t)
{
    memset(t->buf + t->len, 0, 1024);
    t->len += 1024;
    return (struct wh_bytes){t->buf, t->len};
}

static const char *
render(struct wh_fsm_image *img, struct wh_arena *a)
{
    struct wh_fsm_manifest m;
    struct wh_str text;
    struct wh_error err;

    wh_fsm_image_manifest(img, a, &m);
    if (wh_fsm_manifest_render(&m, 1 << 20, a, &text, &err) != WH_OK)
        return "render failed";
    return text.ptr;
}

static void
test_whiteouts_opaque_and_hardlinks(void)
{
    static struct tarb l1, l2;
    struct wh_fsm_limits lim = {0};
    struct wh_fsm_image *img = wh_fsm_image_new(&lim);
    struct wh_arena a;
    struct wh_error err;
    const char *t;

    wh_arena_init(&a);
    entry(&l1, "./", '5', 0755, NULL, NULL);
    entry(&l1, "./bin/app", '0', 0755, "ELF", NULL);
    entry(&l1, "./data/a", '0', 0644, "a", NULL);
    entry(&l1, "./data/b", '0', 0644, "b", NULL);
    entry(&l1, "./lib/x", '0', 0644, "x", NULL);
    entry(&l1, "./d/sub/f", '0', 0644, "f", NULL);
    entry(&l1, "./link", '2', 0777, NULL, "bin/app");
    ok(wh_fsm_image_apply_layer(img, finish(&l1), "layer 1", &err) == WH_OK, "layer 1: %s",
       err.msg);
    entry(&l2, "data/.wh.b", '0', 0644, NULL, NULL);
    entry(&l2, "lib/.wh..wh..opq", '0', 0644, NULL, NULL);
    entry(&l2, "lib/y", '0', 0644, "y", NULL);
    entry(&l2, "./d", '0', 0600, "now a file", NULL);
    entry(&l2, "./bin/app2", '1', 0, NULL, "./bin/app");
    ok(wh_fsm_image_apply_layer(img, finish(&l2), "layer 2", &err) == WH_OK, "layer 2: %s",
       err.msg);
    t = render(img, &a);
    ok(strstr(t, "./data/b ") == NULL && strstr(t, "./data/a type=file") != NULL,
       ".wh.b removes b, keeps a");
    ok(strstr(t, "./lib/x ") == NULL && strstr(t, "./lib/y type=file") != NULL,
       "the opaque marker empties lib of the lower layer, keeps the layer's own y");
    ok(strstr(t, "./d/sub") == NULL && strstr(t, "./d type=file mode=0600") != NULL,
       "a file replacing a directory removes its subtree");
    ok(strstr(t, "./bin/app2 type=file mode=0755 uid=0 gid=0 size=3 sha256=") != NULL,
       "a hardlink takes its target's mode, size and content");
    ok(strstr(t, "./link type=link uid=0 gid=0 link=bin/app\n") != NULL, "symlink target kept");
    ok(strstr(t, ".wh.") == NULL, "whiteout files themselves are not entries");
    wh_fsm_image_free(img);
    wh_arena_fini(&a);
}

static enum wh_err
apply_one(struct tarb *t, struct wh_fsm_limits lim, struct wh_error *err)
{
    struct wh_fsm_image *img = wh_fsm_image_new(&lim);
    enum wh_err rc = wh_fsm_image_apply_layer(img, finish(t), "layer 1 (sha256:ab)", err);

    wh_fsm_image_free(img);
    return rc;
}

static void
test_hostile_layers(void)
{
    static struct tarb t1, t2, t3, t4, t5, t6;
    struct wh_fsm_limits lim = {0};
    struct wh_fsm_image *img;
    struct wh_error err;
    enum wh_err rc;

    entry(&t1, "../etc/passwd", '0', 0644, "x", NULL);
    rc = apply_one(&t1, lim, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "\"..\"") != NULL &&
           strstr(err.msg, "layer 1 (sha256:ab)") != NULL,
       "a .. path is refused, naming the layer: %s", err.msg);
    entry(&t2, "a", '0', 0644, "x", NULL);
    t2.buf[0] = 'b'; /* checksum no longer matches */
    rc = apply_one(&t2, lim, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "checksum") != NULL, "bad checksum: %s", err.msg);
    entry(&t3, "a", '0', 0644, "xyz", NULL);
    img = wh_fsm_image_new(&lim);
    rc = wh_fsm_image_apply_layer(img, (struct wh_bytes){t3.buf, 600}, "layer 1", &err);
    wh_fsm_image_free(img);
    ok(rc == WH_E_INVALID && strstr(err.msg, "ends") != NULL, "truncated tar: %s", err.msg);
    entry(&t4, "a", '0', 0644, "x", NULL);
    entry(&t4, "b", '0', 0644, "x", NULL);
    entry(&t4, "c", '0', 0644, "x", NULL);
    lim.max_entries = 2;
    rc = apply_one(&t4, lim, &err);
    ok(rc == WH_E_LIMIT && strstr(err.msg, "more than 2") != NULL, "entry cap: %s", err.msg);
    lim.max_entries = 0;
    entry(&t5, "h", '1', 0644, NULL, "nothing");
    rc = apply_one(&t5, lim, &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "hardlink") != NULL, "dangling hardlink: %s", err.msg);
    entry(&t6, "a", '0', 0644, "0123456789", NULL);
    lim.max_bytes = 1000;
    rc = apply_one(&t6, lim, &err);
    ok(rc == WH_E_LIMIT && strstr(err.msg, "uncompressed bytes") != NULL, "byte cap: %s", err.msg);
}

static void
test_gzip_and_zstd(void)
{
    static struct tarb t;
    static unsigned char gz[1 << 16];
    struct wh_fsm_limits lim = {0};
    struct wh_fsm_image *img = wh_fsm_image_new(&lim);
    struct wh_bytes raw;
    struct wh_error err;
    z_stream z;
    enum wh_err rc;

    entry(&t, "etc/conf", '0', 0640, "k=v\n", NULL);
    raw = finish(&t);
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)(uintptr_t)raw.ptr;
    z.avail_in = (uInt)raw.len;
    z.next_out = gz;
    z.avail_out = sizeof(gz);
    deflate(&z, Z_FINISH);
    rc = wh_fsm_image_apply_layer(img, (struct wh_bytes){gz, z.total_out}, "gz", &err);
    ok(rc == WH_OK, "a gzip layer applies: %s", rc == WH_OK ? "" : err.msg);
    rc = wh_fsm_image_apply_layer(img, (struct wh_bytes){gz, z.total_out / 2}, "gz", &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "gzip") != NULL, "a truncated gzip layer: %s",
       err.msg);
    deflateEnd(&z);
    rc = wh_fsm_image_apply_layer(
        img, (struct wh_bytes){(const unsigned char *)"\x28\xb5\x2f\xfd", 4}, "z", &err);
    ok(rc == WH_E_INVALID && strstr(err.msg, "zstd") != NULL, "zstd is refused clearly: %s",
       err.msg);
    wh_fsm_image_free(img);
}

int
main(void)
{
    test_whiteouts_opaque_and_hardlinks();
    test_hostile_layers();
    test_gzip_and_zstd();
    return done_testing();
}
