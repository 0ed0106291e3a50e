/*
 * The expected filesystem of an image: tar layers (untrusted) parsed with bounds and applied with
 * the OCI whiteout rules into a tree, then rendered as a manifest (fsm/manifest.h).
 */
#include "fsm/layer.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "base/clock.h"

#define BLOCK 512
#define MAX_PAX (1u << 20) /* one pax extended header */
#define MAX_LONGNAME (WH_FSM_MAX_PATH + 1)

struct node {
    const char *name; /* one component; "" for the root */
    struct node *parent, *kids, *next, *prev;
    struct node *hnext;    /* hash chain keyed by (parent, name) */
    struct wh_fsm_entry e; /* path unset until the manifest is made */
};

struct wh_fsm_image {
    struct wh_arena arena;
    struct wh_fsm_limits lim;
    struct node root;
    struct node **table;
    size_t table_size, n_nodes;
    uint64_t bytes;
};

struct wh_fsm_limits
wh_fsm_limits_or_default(const struct wh_fsm_limits *l)
{
    struct wh_fsm_limits out = *l;

    if (out.max_entries == 0)
        out.max_entries = WH_FSM_DEFAULT_ENTRIES;
    if (out.max_bytes == 0)
        out.max_bytes = WH_FSM_DEFAULT_BYTES;
    if (out.max_depth == 0)
        out.max_depth = WH_FSM_DEFAULT_DEPTH;
    return out;
}

struct wh_fsm_image *
wh_fsm_image_new(const struct wh_fsm_limits *limits)
{
    struct wh_fsm_image *img = calloc(1, sizeof(*img));

    if (img == NULL)
        wh_oom();
    wh_arena_init(&img->arena);
    img->lim = wh_fsm_limits_or_default(limits);
    img->root.name = "";
    img->root.e.type = WH_FSM_DIR;
    img->root.e.mode = 0755;
    img->table_size = 1024;
    img->table = calloc(img->table_size, sizeof(*img->table));
    if (img->table == NULL)
        wh_oom();
    return img;
}

void
wh_fsm_image_free(struct wh_fsm_image *img)
{
    if (img == NULL)
        return;
    free(img->table);
    wh_arena_fini(&img->arena);
    free(img);
}

/* ---- the tree ---- */

static size_t
hash_key(const struct node *parent, const char *name, size_t n)
{
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)(uintptr_t)parent;
    size_t i;

    for (i = 0; i < n; i++)
        h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
    return (size_t)(h ^ (h >> 29));
}

static struct node *
lookup(const struct wh_fsm_image *img, const struct node *parent, const char *name, size_t n)
{
    struct node *x = img->table[hash_key(parent, name, n) & (img->table_size - 1)];

    for (; x != NULL; x = x->hnext)
        if (x->parent == parent && strncmp(x->name, name, n) == 0 && x->name[n] == '\0')
            return x;
    return NULL;
}

static void
rehash(struct wh_fsm_image *img)
{
    size_t size = img->table_size * 2, i;
    struct node **t = calloc(size, sizeof(*t));

    if (t == NULL)
        wh_oom();
    for (i = 0; i < img->table_size; i++) {
        struct node *x = img->table[i], *next;
        for (; x != NULL; x = next) {
            size_t h = hash_key(x->parent, x->name, strlen(x->name)) & (size - 1);
            next = x->hnext;
            x->hnext = t[h];
            t[h] = x;
        }
    }
    free(img->table);
    img->table = t;
    img->table_size = size;
}

static void
unhash(struct wh_fsm_image *img, struct node *x)
{
    struct node **pp =
        &img->table[hash_key(x->parent, x->name, strlen(x->name)) & (img->table_size - 1)];

    while (*pp != NULL && *pp != x)
        pp = &(*pp)->hnext;
    if (*pp == x)
        *pp = x->hnext;
}

/* Removes x and everything under it (iteratively: depth is attacker-chosen). */
static void
remove_subtree(struct wh_fsm_image *img, struct node *x)
{
    struct node *cur;

    if (x->prev != NULL)
        x->prev->next = x->next;
    else
        x->parent->kids = x->next;
    if (x->next != NULL)
        x->next->prev = x->prev;
    x->next = NULL;
    cur = x;
    while (cur != NULL) {
        struct node *up;
        if (cur->kids != NULL) {
            cur = cur->kids;
            continue;
        }
        up = cur == x ? NULL : cur->parent;
        if (up != NULL) {
            up->kids = cur->next;
            if (cur->next != NULL)
                cur->next->prev = NULL;
        }
        unhash(img, cur);
        img->n_nodes--;
        cur = up;
    }
}

static void
remove_children(struct wh_fsm_image *img, struct node *dir)
{
    while (dir->kids != NULL)
        remove_subtree(img, dir->kids);
}

static struct node *
insert(struct wh_fsm_image *img, struct node *parent, const char *name, size_t n)
{
    struct node *x = wh_arena_calloc(&img->arena, 1, sizeof(*x));
    size_t h;

    if (img->n_nodes >= img->table_size)
        rehash(img);
    x->name = wh_arena_strndup(&img->arena, name, n);
    x->parent = parent;
    x->next = parent->kids;
    if (parent->kids != NULL)
        parent->kids->prev = x;
    parent->kids = x;
    h = hash_key(parent, x->name, n) & (img->table_size - 1);
    x->hnext = img->table[h];
    img->table[h] = x;
    img->n_nodes++;
    return x;
}

/* ---- one layer's entries ---- */

struct pending {
    const char *path; /* normalised: "a/b", "" for the root */
    struct wh_fsm_entry e;
    const char *hardlink; /* normalised target, or NULL */
    bool is_whiteout, is_opaque;
};

struct layer {
    struct wh_fsm_image *img;
    const char *what;
    struct wh_error *err;
    /* input */
    struct wh_bytes blob;
    size_t raw_pos;
    bool gz, gz_done;
    z_stream z;
    unsigned char scratch[16384];
    /* output */
    struct pending *items;
    size_t n_items, alloc_items;
    struct wh_arena *tmp;
};

static enum wh_err
fail(struct layer *l, enum wh_err code, const char *fmt, const char *detail)
{
    return wh_error_set(l->err, code, "%s: %s%s", l->what, fmt, detail != NULL ? detail : "");
}

/* Reads exactly n bytes of the tar stream; counts them against max_bytes. */
static enum wh_err
read_exact(struct layer *l, unsigned char *buf, size_t n)
{
    struct wh_fsm_image *img = l->img;

    if (img->bytes + n > img->lim.max_bytes || img->bytes + n < img->bytes)
        return wh_error_set(l->err, WH_E_LIMIT,
                            "%s: more than %llu uncompressed bytes in the image's layers", l->what,
                            (unsigned long long)img->lim.max_bytes);
    img->bytes += n;
    if (!l->gz) {
        if (l->blob.len - l->raw_pos < n)
            return fail(l, WH_E_INVALID, "tar ends in the middle of an entry", NULL);
        memcpy(buf, l->blob.ptr + l->raw_pos, n);
        l->raw_pos += n;
        return WH_OK;
    }
    l->z.next_out = buf;
    l->z.avail_out = (uInt)n;
    while (l->z.avail_out > 0) {
        int zr;
        if (l->gz_done)
            return fail(l, WH_E_INVALID, "tar ends in the middle of an entry", NULL);
        zr = inflate(&l->z, Z_NO_FLUSH);
        if (zr == Z_STREAM_END) {
            l->gz_done = true;
        } else if (zr != Z_OK) {
            return fail(l, WH_E_INVALID, "gzip: ", l->z.msg != NULL ? l->z.msg : "corrupt data");
        } else if (l->z.avail_in == 0 && l->z.avail_out > 0) {
            return fail(l, WH_E_INVALID, "gzip: truncated", NULL);
        }
    }
    return WH_OK;
}

/* Reads (and hashes when ctx is set) n content bytes plus the padding to a block. */
static enum wh_err
read_content(struct layer *l, uint64_t n, EVP_MD_CTX *ctx)
{
    uint64_t padded = (n + BLOCK - 1) / BLOCK * BLOCK;
    uint64_t done = 0;
    enum wh_err rc;

    while (done < padded) {
        size_t chunk =
            padded - done < sizeof(l->scratch) ? (size_t)(padded - done) : sizeof(l->scratch);
        if ((rc = read_exact(l, l->scratch, chunk)) != WH_OK)
            return rc;
        if (ctx != NULL && done < n) {
            size_t use = n - done < chunk ? (size_t)(n - done) : chunk;
            if (EVP_DigestUpdate(ctx, l->scratch, use) != 1)
                return fail(l, WH_E_INTERNAL, "sha256 update failed", NULL);
        }
        done += chunk;
        if (l->img->lim.deadline_ms != 0 && wh_clock_mono_ms() > l->img->lim.deadline_ms)
            return wh_error_set(l->err, WH_E_TIMEOUT, "%s: time limit reached", l->what);
    }
    return WH_OK;
}

/* A tar numeric field: octal (NUL/space-terminated) or GNU base-256 (high bit set). */
static bool
parse_number(const unsigned char *f, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;

    if (f[0] & 0x80) {
        if (f[0] != 0x80)
            return false; /* negative or over 64 bits */
        for (i = 1; i < n; i++) {
            if (v >> 56)
                return false;
            v = v << 8 | f[i];
        }
        *out = v;
        return true;
    }
    while (i < n && f[i] == ' ')
        i++;
    for (; i < n && f[i] >= '0' && f[i] <= '7'; i++) {
        if (v >> 61)
            return false;
        v = v * 8 + (uint64_t)(f[i] - '0');
    }
    for (; i < n; i++)
        if (f[i] != ' ' && f[i] != '\0')
            return false;
    *out = v;
    return true;
}

static bool
checksum_ok(const unsigned char *h)
{
    uint64_t want;
    unsigned long u = 0;
    long s = 0;
    size_t i;

    if (!parse_number(h + 148, 8, &want))
        return false;
    for (i = 0; i < BLOCK; i++) {
        unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];
        u += c;
        s += (signed char)c;
    }
    return want == u || (long)want == s;
}

/*
 * Normalises a tar path: leading "/" and "./" dropped, empty and "." components removed,
 * trailing "/" dropped; ".." anywhere is refused (it would climb out of the root). "" is the root.
 */
static enum wh_err
normalise(struct layer *l, const char *in, size_t n, const char **out)
{
    char *buf = wh_arena_alloc(l->tmp, n + 1);
    size_t i = 0, o = 0, depth = 0;

    while (i < n) {
        size_t start, len;
        while (i < n && in[i] == '/')
            i++;
        start = i;
        while (i < n && in[i] != '/')
            i++;
        len = i - start;
        if (len == 0 || (len == 1 && in[start] == '.'))
            continue;
        if (len == 2 && in[start] == '.' && in[start + 1] == '.')
            return fail(l, WH_E_INVALID, "path with a \"..\" component: ",
                        wh_arena_strndup(l->tmp, in, n > 200 ? 200 : n));
        if (++depth > l->img->lim.max_depth)
            return wh_error_set(l->err, WH_E_LIMIT, "%s: path deeper than %zu components", l->what,
                                l->img->lim.max_depth);
        if (o > 0)
            buf[o++] = '/';
        memcpy(buf + o, in + start, len);
        o += len;
    }
    buf[o] = '\0';
    if (memchr(in, '\0', n) != NULL)
        return fail(l, WH_E_INVALID, "path with a NUL byte", NULL);
    *out = buf;
    return WH_OK;
}

/* Per-entry state collected from pax/GNU headers before the entry's own header. */
struct ext {
    const char *path, *link;
    size_t path_len, link_len;
    bool has_size, has_uid, has_gid;
    uint64_t size, uid, gid;
    const unsigned char *caps;
    size_t n_caps;
};

static enum wh_err
pax_record(struct layer *l, struct ext *x, const char *key, const char *val, size_t vlen)
{
    uint64_t v = 0;
    size_t i;

    if (strcmp(key, "path") == 0) {
        x->path = val;
        x->path_len = vlen;
    } else if (strcmp(key, "linkpath") == 0) {
        x->link = val;
        x->link_len = vlen;
    } else if (strcmp(key, "size") == 0 || strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
        if (vlen == 0 || vlen > 19)
            return fail(l, WH_E_INVALID, "pax: bad number for ", key);
        for (i = 0; i < vlen; i++) {
            if (val[i] < '0' || val[i] > '9')
                return fail(l, WH_E_INVALID, "pax: bad number for ", key);
            v = v * 10 + (uint64_t)(val[i] - '0');
        }
        if (key[0] == 's') {
            x->size = v;
            x->has_size = true;
        } else if (key[0] == 'u') {
            x->uid = v;
            x->has_uid = true;
        } else {
            x->gid = v;
            x->has_gid = true;
        }
    } else if (strcmp(key, "SCHILY.xattr.security.capability") == 0) {
        if (vlen > WH_FSM_MAX_CAPS)
            return fail(l, WH_E_INVALID, "pax: security.capability value too long", NULL);
        x->caps = (const unsigned char *)val;
        x->n_caps = vlen;
    }
    return WH_OK;
}

/* Pax records "LEN KEY=VALUE\n"; LEN counts the whole record. */
static enum wh_err
parse_pax(struct layer *l, struct ext *x, const char *p, size_t n)
{
    size_t pos = 0;
    enum wh_err rc;

    while (pos < n) {
        size_t len = 0, i = pos, klen;
        const char *rec, *eq;
        char *key;
        while (i < n && p[i] >= '0' && p[i] <= '9' && len < MAX_PAX)
            len = len * 10 + (size_t)(p[i++] - '0');
        if (i == pos || i >= n || p[i] != ' ' || len > n - pos || len < i - pos + 3 ||
            p[pos + len - 1] != '\n')
            return fail(l, WH_E_INVALID, "pax: malformed record", NULL);
        rec = p + i + 1;
        eq = memchr(rec, '=', (size_t)(p + pos + len - 1 - rec));
        if (eq == NULL || eq == rec)
            return fail(l, WH_E_INVALID, "pax: record without key=value", NULL);
        klen = (size_t)(eq - rec);
        key = wh_arena_strndup(l->tmp, rec, klen);
        if (strlen(key) != klen)
            return fail(l, WH_E_INVALID, "pax: NUL in a key", NULL);
        rc = pax_record(l, x, key, eq + 1, (size_t)(p + pos + len - 1 - (eq + 1)));
        if (rc != WH_OK)
            return rc;
        pos += len;
    }
    return WH_OK;
}

static enum wh_err
read_blob(struct layer *l, uint64_t size, size_t max, const char *what, char **out)
{
    char *buf;
    enum wh_err rc;

    if (size > max)
        return fail(l, WH_E_LIMIT, "oversized ", what);
    buf = wh_arena_alloc(l->tmp, (size_t)size + BLOCK);
    if ((rc = read_exact(l, (unsigned char *)buf, (size_t)((size + BLOCK - 1) / BLOCK * BLOCK))) !=
        WH_OK)
        return rc;
    buf[size] = '\0';
    *out = buf;
    return WH_OK;
}

static size_t
field_len(const unsigned char *f, size_t n)
{
    const unsigned char *z = memchr(f, '\0', n);

    return z != NULL ? (size_t)(z - f) : n;
}

static void
add_item(struct layer *l, const struct pending *p)
{
    if (l->n_items == l->alloc_items) {
        size_t n = l->alloc_items == 0 ? 64 : l->alloc_items * 2;
        l->items = wh_arena_grow(l->tmp, l->items, l->n_items, n, sizeof(*l->items));
        l->alloc_items = n;
    }
    l->items[l->n_items++] = *p;
}

static enum wh_err
entry_type(struct layer *l, unsigned char flag, enum wh_fsm_type *t, bool *hardlink)
{
    *hardlink = false;
    switch (flag) {
    case '0':
    case '\0':
    case '7':
        *t = WH_FSM_FILE;
        return WH_OK;
    case '1':
        *t = WH_FSM_FILE;
        *hardlink = true;
        return WH_OK;
    case '2':
        *t = WH_FSM_LINK;
        return WH_OK;
    case '3':
        *t = WH_FSM_CHAR;
        return WH_OK;
    case '4':
        *t = WH_FSM_BLOCK;
        return WH_OK;
    case '5':
        *t = WH_FSM_DIR;
        return WH_OK;
    case '6':
        *t = WH_FSM_FIFO;
        return WH_OK;
    default: {
        char s[8];
        snprintf(s, sizeof(s), "0x%02x", flag);
        return fail(l, WH_E_INVALID, "unsupported tar entry type ", wh_arena_strdup(l->tmp, s));
    }
    }
}

/* The header's name (ustar prefix joined), unless a pax/GNU name overrides it. */
static void
header_name(const unsigned char *h, const struct ext *x, struct layer *l, const char **p, size_t *n)
{
    if (x->path != NULL) {
        *p = x->path;
        *n = x->path_len;
        return;
    }
    if (memcmp(h + 257, "ustar", 5) == 0 && h[345] != '\0') {
        size_t pl = field_len(h + 345, 155), nl = field_len(h, 100);
        char *buf = wh_arena_alloc(l->tmp, pl + nl + 2);
        memcpy(buf, h + 345, pl);
        buf[pl] = '/';
        memcpy(buf + pl + 1, h, nl);
        *p = buf;
        *n = pl + 1 + nl;
        return;
    }
    *p = (const char *)h;
    *n = field_len(h, 100);
}

/* The link target (symlink) or the normalised hardlink target. */
static enum wh_err
entry_link(struct layer *l, const unsigned char *h, const struct ext *x, struct pending *pd,
           bool hardlink)
{
    const char *t = x->link != NULL ? x->link : (const char *)h + 157;
    size_t tn = x->link != NULL ? x->link_len : field_len(h + 157, 100);

    if (tn == 0 || memchr(t, '\0', tn) != NULL || tn > WH_FSM_MAX_PATH)
        return fail(l, WH_E_INVALID, "empty or malformed link target of ", pd->path);
    if (hardlink)
        return normalise(l, t, tn, &pd->hardlink);
    pd->e.link = wh_arena_strndup(l->tmp, t, tn);
    return WH_OK;
}

/* ".wh.NAME" and ".wh..wh..opq" (OCI image-spec layer.md, "Whiteouts"). */
static enum wh_err
mark_whiteout(struct layer *l, struct pending *pd)
{
    const char *base = strrchr(pd->path, '/');

    base = base != NULL ? base + 1 : pd->path;
    if (strncmp(base, ".wh.", 4) != 0)
        return WH_OK;
    pd->is_opaque = strcmp(base, ".wh..wh..opq") == 0;
    pd->is_whiteout = !pd->is_opaque;
    if (pd->is_whiteout && base[4] == '\0')
        return fail(l, WH_E_INVALID, "whiteout without a name: ", pd->path);
    return WH_OK;
}

static enum wh_err
finish_entry(struct layer *l, const unsigned char *h, struct ext *x, struct pending *pd,
             uint64_t size)
{
    const char *name;
    size_t nlen;
    uint64_t mode;
    bool hardlink;
    enum wh_err rc;

    header_name(h, x, l, &name, &nlen);
    if ((rc = normalise(l, name, nlen, &pd->path)) != WH_OK ||
        (rc = entry_type(l, h[156], &pd->e.type, &hardlink)) != WH_OK)
        return rc;
    if (!parse_number(h + 100, 8, &mode) || !parse_number(h + 108, 8, &pd->e.uid) ||
        !parse_number(h + 116, 8, &pd->e.gid))
        return fail(l, WH_E_INVALID, "bad mode, uid or gid field in ", pd->path);
    pd->e.mode = (uint32_t)(mode & 07777);
    if (x->has_uid)
        pd->e.uid = x->uid;
    if (x->has_gid)
        pd->e.gid = x->gid;
    pd->e.size = pd->e.type == WH_FSM_FILE && !hardlink ? size : 0;
    if (x->caps != NULL) {
        pd->e.caps = wh_arena_memdup(l->tmp, x->caps, x->n_caps);
        pd->e.n_caps = x->n_caps;
    }
    if ((pd->e.type == WH_FSM_LINK || hardlink) &&
        (rc = entry_link(l, h, x, pd, hardlink)) != WH_OK)
        return rc;
    return mark_whiteout(l, pd);
}

static enum wh_err
read_entry_data(struct layer *l, struct pending *pd, uint64_t size)
{
    EVP_MD_CTX *ctx;
    unsigned int mdlen = 0;
    enum wh_err rc;

    if (pd->e.type != WH_FSM_FILE || pd->hardlink != NULL)
        return read_content(l, size, NULL);
    ctx = EVP_MD_CTX_new();
    if (ctx == NULL)
        wh_oom();
    if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(ctx);
        return fail(l, WH_E_INTERNAL, "sha256 init failed", NULL);
    }
    rc = read_content(l, size, ctx);
    if (rc == WH_OK && EVP_DigestFinal_ex(ctx, pd->e.sha256, &mdlen) != 1)
        rc = fail(l, WH_E_INTERNAL, "sha256 final failed", NULL);
    pd->e.has_sha256 = true;
    EVP_MD_CTX_free(ctx);
    return rc;
}

static bool
all_zero(const unsigned char *h)
{
    size_t i;

    for (i = 0; i < BLOCK; i++)
        if (h[i] != 0)
            return false;
    return true;
}

/* A pax ('x'), global pax ('g') or GNU long name/link ('L', 'K') header: read into `x`. */
static enum wh_err
read_meta(struct layer *l, unsigned char flag, uint64_t size, struct ext *x)
{
    size_t max = flag == 'x' || flag == 'g' ? MAX_PAX : MAX_LONGNAME;
    char *data = NULL;
    size_t n;
    enum wh_err rc;

    if ((rc = read_blob(l, size, max, "pax or GNU long-name header", &data)) != WH_OK)
        return rc;
    if (flag == 'x')
        return parse_pax(l, x, data, (size_t)size);
    if (flag == 'g')
        return WH_OK; /* global pax headers carry nothing a manifest records */
    n = field_len((const unsigned char *)data, (size_t)size);
    if (flag == 'L') {
        x->path = data;
        x->path_len = n;
    } else {
        x->link = data;
        x->link_len = n;
    }
    return WH_OK;
}

static bool
at_end(const struct layer *l)
{
    return l->gz ? l->gz_done : l->raw_pos == l->blob.len;
}

/* Reads one header block; *end when it is the end-of-archive (zero) block. */
static enum wh_err
read_header(struct layer *l, unsigned char h[BLOCK], uint64_t *size, bool *end)
{
    enum wh_err rc;

    if (at_end(l))
        return fail(l, WH_E_INVALID, "tar ends without its end-of-archive blocks", NULL);
    if ((rc = read_exact(l, h, BLOCK)) != WH_OK)
        return rc;
    *end = all_zero(h);
    if (*end)
        return WH_OK; /* anything after is padding */
    if (!checksum_ok(h))
        return fail(l, WH_E_INVALID, "tar header checksum mismatch (not a tar, or corrupt)", NULL);
    if (!parse_number(h + 124, 12, size))
        return fail(l, WH_E_INVALID, "bad size field in a tar header", NULL);
    return WH_OK;
}

/* Reads the tar stream into l->items. */
static enum wh_err
read_tar(struct layer *l)
{
    unsigned char h[BLOCK];
    struct ext x;
    enum wh_err rc;

    memset(&x, 0, sizeof(x));
    for (;;) {
        uint64_t size = 0;
        struct pending pd;
        bool end = false;

        if ((rc = read_header(l, h, &size, &end)) != WH_OK || end)
            return rc;
        if (h[156] == 'x' || h[156] == 'g' || h[156] == 'L' || h[156] == 'K') {
            if ((rc = read_meta(l, h[156], size, &x)) != WH_OK)
                return rc;
            continue;
        }
        if (x.has_size)
            size = x.size;
        if (l->n_items + l->img->n_nodes >= l->img->lim.max_entries)
            return wh_error_set(l->err, WH_E_LIMIT, "%s: more than %zu filesystem entries", l->what,
                                l->img->lim.max_entries);
        memset(&pd, 0, sizeof(pd));
        if ((rc = finish_entry(l, h, &x, &pd, size)) != WH_OK ||
            (rc = read_entry_data(l, &pd, size)) != WH_OK)
            return rc;
        add_item(l, &pd);
        memset(&x, 0, sizeof(x));
    }
}

/* ---- applying ---- */

/* The node at `path` ("" = root), or NULL. */
static struct node *
find_path(struct wh_fsm_image *img, const char *path)
{
    struct node *cur = &img->root;

    while (*path != '\0' && cur != NULL) {
        const char *slash = strchr(path, '/');
        size_t n = slash != NULL ? (size_t)(slash - path) : strlen(path);
        cur = lookup(img, cur, path, n);
        path += n + (slash != NULL ? 1 : 0);
    }
    return cur;
}

static void
apply_whiteout(struct layer *l, const struct pending *pd)
{
    char *dir = wh_arena_strdup(l->tmp, pd->path);
    char *slash = strrchr(dir, '/');
    const char *base = slash != NULL ? slash + 1 : dir;
    struct node *parent, *victim;

    if (slash != NULL)
        *slash = '\0';
    else
        dir = "";
    parent = find_path(l->img, dir);
    if (parent == NULL || parent->e.type != WH_FSM_DIR)
        return;
    if (pd->is_opaque) {
        remove_children(l->img, parent);
        return;
    }
    victim = lookup(l->img, parent, base + 4, strlen(base + 4));
    if (victim != NULL)
        remove_subtree(l->img, victim);
}

/* The parent directory of `path`, created (0755 root) where missing. */
static enum wh_err
make_parents(struct layer *l, const char *path, struct node **parent, const char **base)
{
    struct node *cur = &l->img->root;
    const char *p = path;

    for (;;) {
        const char *slash = strchr(p, '/');
        struct node *next;
        size_t n;
        if (slash == NULL)
            break;
        n = (size_t)(slash - p);
        next = lookup(l->img, cur, p, n);
        if (next == NULL) {
            if (l->img->n_nodes >= l->img->lim.max_entries)
                return wh_error_set(l->err, WH_E_LIMIT, "%s: more than %zu filesystem entries",
                                    l->what, l->img->lim.max_entries);
            next = insert(l->img, cur, p, n);
            next->e.type = WH_FSM_DIR;
            next->e.mode = 0755;
        } else if (next->e.type != WH_FSM_DIR) {
            return fail(l, WH_E_INVALID, "a parent of an entry is not a directory: ", path);
        }
        cur = next;
        p = slash + 1;
    }
    *parent = cur;
    *base = p;
    return WH_OK;
}

static enum wh_err
apply_entry(struct layer *l, const struct pending *pd)
{
    struct wh_fsm_entry e = pd->e;
    struct node *parent = NULL, *x;
    const char *base = NULL;
    enum wh_err rc;

    if (pd->hardlink != NULL) {
        const struct node *t = find_path(l->img, pd->hardlink);
        if (t == NULL || t->e.type == WH_FSM_DIR)
            return fail(l, WH_E_INVALID, "hardlink to a missing file or a directory: ", pd->path);
        e = t->e;
    }
    if (pd->path[0] == '\0') {
        if (e.type != WH_FSM_DIR)
            return fail(l, WH_E_INVALID, "the root entry is not a directory", NULL);
        l->img->root.e.mode = e.mode;
        l->img->root.e.uid = e.uid;
        l->img->root.e.gid = e.gid;
        return WH_OK;
    }
    if ((rc = make_parents(l, pd->path, &parent, &base)) != WH_OK)
        return rc;
    x = lookup(l->img, parent, base, strlen(base));
    if (x != NULL && !(x->e.type == WH_FSM_DIR && e.type == WH_FSM_DIR)) {
        remove_subtree(l->img, x);
        x = NULL;
    }
    if (x == NULL) {
        if (l->img->n_nodes >= l->img->lim.max_entries)
            return wh_error_set(l->err, WH_E_LIMIT, "%s: more than %zu filesystem entries", l->what,
                                l->img->lim.max_entries);
        x = insert(l->img, parent, base, strlen(base));
    }
    if (e.link != NULL)
        e.link = wh_arena_strdup(&l->img->arena, e.link);
    if (e.caps != NULL)
        e.caps = wh_arena_memdup(&l->img->arena, e.caps, e.n_caps);
    x->e = e;
    return WH_OK;
}

static enum wh_err
apply_items(struct layer *l)
{
    size_t i;
    enum wh_err rc;

    for (i = 0; i < l->n_items; i++)
        if (l->items[i].is_whiteout || l->items[i].is_opaque)
            apply_whiteout(l, &l->items[i]);
    for (i = 0; i < l->n_items; i++) {
        if (l->items[i].is_whiteout || l->items[i].is_opaque)
            continue;
        if ((rc = apply_entry(l, &l->items[i])) != WH_OK)
            return rc;
    }
    return WH_OK;
}

enum wh_err
wh_fsm_image_apply_layer(struct wh_fsm_image *img, struct wh_bytes blob, const char *what,
                         struct wh_error *err)
{
    struct wh_arena tmp;
    struct layer *l = calloc(1, sizeof(*l));
    enum wh_err rc;

    if (l == NULL)
        wh_oom();
    wh_arena_init(&tmp);
    l->img = img;
    l->what = what;
    l->err = err;
    l->blob = blob;
    l->tmp = &tmp;
    if (blob.len >= 4 && memcmp(blob.ptr, "\x28\xb5\x2f\xfd", 4) == 0) {
        rc = wh_error_set(err, WH_E_INVALID,
                          "%s: zstd-compressed layer: not supported yet (push the image with "
                          "gzip layers)",
                          what);
        goto out;
    }
    l->gz = blob.len >= 2 && blob.ptr[0] == 0x1f && blob.ptr[1] == 0x8b;
    if (l->gz) {
        /* 15 + 16: gzip only, with its CRC and length checked at the end. */
        if (inflateInit2(&l->z, 15 + 16) != Z_OK)
            wh_oom();
        l->z.next_in = (unsigned char *)(uintptr_t)blob.ptr;
        l->z.avail_in = blob.len > UINT32_MAX ? UINT32_MAX : (uInt)blob.len;
    }
    rc = read_tar(l);
    if (rc == WH_OK)
        rc = apply_items(l);
    if (l->gz)
        inflateEnd(&l->z);
out:
    wh_arena_fini(&tmp);
    free(l);
    return rc;
}

/* ---- the manifest ---- */

void
wh_fsm_image_manifest(const struct wh_fsm_image *img, struct wh_arena *a,
                      struct wh_fsm_manifest *out)
{
    const struct node *cur;
    struct wh_fsm_entry e;

    memset(out, 0, sizeof(*out));
    e = img->root.e;
    e.path = ".";
    wh_fsm_manifest_add(out, &e, a);
    /* Iterative pre-order walk (depth is bounded, but by the layers). */
    cur = img->root.kids;
    while (cur != NULL) {
        char *path;
        const struct node *up;
        size_t len = 0, pos;
        for (up = cur; up != &img->root; up = up->parent)
            len += strlen(up->name) + 1;
        path = wh_arena_alloc(a, len + 2);
        pos = len + 1;
        path[pos] = '\0';
        for (up = cur; up != &img->root; up = up->parent) {
            size_t n = strlen(up->name);
            pos -= n;
            memcpy(path + pos, up->name, n);
            path[--pos] = '/';
        }
        path[0] = '.';
        e = cur->e;
        e.path = path;
        wh_fsm_manifest_add(out, &e, a);
        if (cur->kids != NULL) {
            cur = cur->kids;
            continue;
        }
        while (cur != &img->root && cur->next == NULL)
            cur = cur->parent;
        cur = cur == &img->root ? NULL : cur->next;
    }
    wh_fsm_manifest_sort(out);
}
