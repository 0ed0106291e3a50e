/* The TUF 1.0 client's trusted metadata set: parses root, timestamp, snapshot and targets
 * metadata, checks signatures against the delegating role's keys and threshold, and enforces the
 * specification's ordering, version (rollback), expiry (freeze) and length/hash (mix-and-match)
 * rules. The network is the caller's (cli/trust.c). */
#include "trust/tuf.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/str.h"

#define CANON_DEPTH 32
#define MAX_KEYS 256
#define MAX_SIGS 256

enum role { ROLE_ROOT, ROLE_TIMESTAMP, ROLE_SNAPSHOT, ROLE_TARGETS, ROLE_COUNT };
static const char *const role_names[ROLE_COUNT] = {"root", "timestamp", "snapshot", "targets"};

struct key {
    const char *id;
    EVP_PKEY *pkey;   /* NULL: a key type this client does not verify (never counts) */
    const EVP_MD *md; /* NULL for ed25519 (pure EdDSA) */
};

struct role_keys {
    const char **keyids;
    size_t n;
    int64_t threshold;
};

struct hashes {
    bool present;
    bool unknown; /* an algorithm besides sha256/sha512: nothing verifies it, so nothing passes */
    char sha256[65];
    char sha512[129];
};

struct meta {
    const char *name;
    int64_t version;
    int64_t length; /* 0: not listed */
    struct hashes hashes;
};

struct target {
    const char *name;
    int64_t length;
    struct hashes hashes;
};

/* One verified metadata file (any role); fields not of its role stay zero. */
struct doc {
    int64_t version;
    time_t expires;
    /* root */
    bool consistent_snapshot;
    struct key *keys;
    size_t n_keys;
    struct role_keys roles[ROLE_COUNT];
    /* timestamp, snapshot */
    struct meta *meta;
    size_t n_meta;
    /* targets */
    struct target *targets;
    size_t n_targets;
    bool has_delegations;
};

struct wh_tuf {
    struct wh_arena arena;
    time_t now;
    struct doc *root, *timestamp, *snapshot, *targets;
};

/* ---- canonical JSON (securesystemslib encode_canonical, @tufjs/canonical-json) ---- */

static void
canon_string(struct wh_buf *out, const char *s, size_t n)
{
    wh_buf_append(out, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            wh_buf_append(out, "\\", 1);
        wh_buf_append(out, &s[i], 1);
    }
    wh_buf_append(out, "\"", 1);
}

static int
cmp_keys(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static enum wh_err canon_value(json_t *v, int depth, struct wh_buf *out, struct wh_error *err);

static enum wh_err
canon_object(json_t *v, int depth, struct wh_buf *out, struct wh_error *err)
{
    size_t n = json_object_size(v), i = 0;
    const char *k;
    json_t *member;
    const char **keys = calloc(n == 0 ? 1 : n, sizeof(*keys));
    enum wh_err rc = WH_OK;

    if (keys == NULL)
        wh_oom();
    json_object_foreach(v, k, member)
    {
        (void)member;
        keys[i++] = k;
    }
    /* Bytewise order of the UTF-8 keys is code-point order, as python-tuf and go-tuf sort. */
    qsort(keys, n, sizeof(*keys), cmp_keys);
    wh_buf_append(out, "{", 1);
    for (i = 0; i < n && rc == WH_OK; i++) {
        if (i > 0)
            wh_buf_append(out, ",", 1);
        canon_string(out, keys[i], strlen(keys[i]));
        wh_buf_append(out, ":", 1);
        rc = canon_value(json_object_get(v, keys[i]), depth + 1, out, err);
    }
    wh_buf_append(out, "}", 1);
    free(keys);
    return rc;
}

static enum wh_err
canon_value(json_t *v, int depth, struct wh_buf *out, struct wh_error *err)
{
    enum wh_err rc = WH_OK;

    if (depth > CANON_DEPTH)
        return wh_error_set(err, WH_E_LIMIT, "canonical JSON: nested deeper than %d", CANON_DEPTH);
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return canon_object(v, depth, out, err);
    case JSON_ARRAY:
        wh_buf_append(out, "[", 1);
        for (size_t i = 0; i < json_array_size(v) && rc == WH_OK; i++) {
            if (i > 0)
                wh_buf_append(out, ",", 1);
            rc = canon_value(json_array_get(v, i), depth + 1, out, err);
        }
        wh_buf_append(out, "]", 1);
        return rc;
    case JSON_STRING:
        canon_string(out, json_string_value(v), json_string_length(v));
        return WH_OK;
    case JSON_INTEGER:
        wh_buf_printf(out, "%lld", (long long)json_integer_value(v));
        return WH_OK;
    case JSON_REAL:
        return wh_error_set(err, WH_E_INVALID,
                            "canonical JSON: a non-integer number (TUF metadata has none)");
    case JSON_TRUE:
        wh_buf_append_c(out, "true");
        return WH_OK;
    case JSON_FALSE:
        wh_buf_append_c(out, "false");
        return WH_OK;
    case JSON_NULL:
        wh_buf_append_c(out, "null");
        return WH_OK;
    }
    return wh_error_set(err, WH_E_INTERNAL, "canonical JSON: unknown JSON type");
}

static enum wh_err
load_json(struct wh_bytes json, const char *what, json_t **out, struct wh_error *err)
{
    json_error_t jerr;

    /* jansson reads past a NUL between tokens; the bytes signed never hold one. */
    if (memchr(json.ptr, '\0', json.len) != NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: a NUL byte in the JSON", what);
    *out = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (*out == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: %d:%d: %s", what, jerr.line, jerr.column,
                            jerr.text);
    return WH_OK;
}

enum wh_err
wh_trust_tuf_canonical_json(struct wh_bytes json, struct wh_buf *out, struct wh_error *err)
{
    json_t *v;
    enum wh_err rc;

    if (load_json(json, "canonical JSON", &v, err) != WH_OK)
        return err->code;
    rc = canon_value(v, 0, out, err);
    json_decref(v);
    if (rc == WH_OK)
        rc = wh_buf_check(out, "canonical JSON", err);
    return rc;
}

/* ---- small parsers ---- */

static const char *
get_string(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static enum wh_err
get_int(json_t *obj, const char *key, int64_t min, const char *what, int64_t *out,
        struct wh_error *err)
{
    json_t *v = json_object_get(obj, key);

    if (!json_is_integer(v) || json_integer_value(v) < min)
        return wh_error_set(err, WH_E_INVALID, "%s: \"%s\" is not an integer >= %lld", what, key,
                            (long long)min);
    *out = (int64_t)json_integer_value(v);
    return WH_OK;
}

/* "YYYY-MM-DDTHH:MM:SSZ", the only form the specification writes (python-tuf parses it so). */
static enum wh_err
parse_expires(const char *s, const char *what, time_t *out, struct wh_error *err)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
    struct tm tm = {0};
    int f[6] = {0};
    static const int at[6] = {0, 5, 8, 11, 14, 17}, len[6] = {4, 2, 2, 2, 2, 2};

    if (s == NULL || strlen(s) != sizeof(shape) - 1)
        goto bad;
    for (size_t i = 0; shape[i] != '\0'; i++) {
        if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
            goto bad;
    }
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < len[i]; j++)
            f[i] = f[i] * 10 + (s[at[i] + j] - '0');
    if (f[1] < 1 || f[1] > 12 || f[2] < 1 || f[2] > 31 || f[3] > 23 || f[4] > 59 || f[5] > 60)
        goto bad;
    tm.tm_year = f[0] - 1900;
    tm.tm_mon = f[1] - 1;
    tm.tm_mday = f[2];
    tm.tm_hour = f[3];
    tm.tm_min = f[4];
    tm.tm_sec = f[5];
    *out = timegm(&tm);
    return WH_OK;
bad:
    return wh_error_set(err, WH_E_INVALID, "%s: \"expires\" is not YYYY-MM-DDTHH:MM:SSZ", what);
}

static bool
is_lower_hex(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    return strspn(s, "0123456789abcdef") == n;
}

static enum wh_err
parse_hashes(json_t *obj, bool required, const char *what, struct hashes *out, struct wh_error *err)
{
    const char *alg;
    json_t *v;

    if (obj == NULL && !required)
        return WH_OK;
    if (!json_is_object(obj) || json_object_size(obj) == 0)
        return wh_error_set(err, WH_E_INVALID, "%s: \"hashes\" is not a non-empty object", what);
    out->present = true;
    json_object_foreach(obj, alg, v)
    {
        const char *hex = json_string_value(v);

        if (hex == NULL)
            return wh_error_set(err, WH_E_INVALID, "%s: hash %s is not a string", what, alg);
        if (strcmp(alg, "sha256") == 0 && is_lower_hex(hex, 64))
            memcpy(out->sha256, hex, 65);
        else if (strcmp(alg, "sha512") == 0 && is_lower_hex(hex, 128))
            memcpy(out->sha512, hex, 129);
        else if (strcmp(alg, "sha256") == 0 || strcmp(alg, "sha512") == 0)
            return wh_error_set(err, WH_E_INVALID, "%s: hash %s is not lowercase hex", what, alg);
        else
            out->unknown = true;
    }
    return WH_OK;
}

static enum wh_err
check_hashes(const struct hashes *h, struct wh_bytes data, const char *what, struct wh_error *err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    unsigned int n = 0;

    if (h->unknown)
        return wh_error_set(err, WH_E_VERIFY,
                            "%s: lists a hash algorithm other than sha256 and "
                            "sha512, which this client cannot check",
                            what);
    if (h->sha256[0] != '\0') {
        wh_digest_sha256(data.ptr, data.len, md);
        wh_digest_hex(md, 32, hex);
        if (strcmp(hex, h->sha256) != 0)
            return wh_error_set(err, WH_E_VERIFY, "%s: sha256 %s, the trusted metadata says %s",
                                what, hex, h->sha256);
    }
    if (h->sha512[0] != '\0') {
        if (EVP_Digest(data.ptr, data.len, md, &n, EVP_sha512(), NULL) != 1 || n != 64)
            return wh_error_openssl(err, WH_E_INTERNAL, "sha512");
        wh_digest_hex(md, 64, hex);
        if (strcmp(hex, h->sha512) != 0)
            return wh_error_set(err, WH_E_VERIFY, "%s: sha512 %s, the trusted metadata says %s",
                                what, hex, h->sha512);
    }
    return WH_OK;
}

/* ---- keys and signatures ---- */

static void
free_pkey(void *p)
{
    EVP_PKEY_free(p);
}

/* Decodes hex into arena bytes; false when it is not hex. */
static bool
decode_hex(const char *s, struct wh_arena *a, struct wh_bytes *out)
{
    size_t n = strlen(s);
    unsigned char *p;

    if (n % 2 != 0)
        return false;
    p = wh_arena_alloc(a, n / 2 + 1);
    if (!wh_str_hex_decode(s, n / 2, p))
        return false;
    *out = (struct wh_bytes){p, n / 2};
    return true;
}

static enum wh_err
parse_ecdsa_key(const char *pem, const char *scheme, const char *what, struct key *k,
                struct wh_error *err)
{
    bool p384 = strcmp(scheme, "ecdsa-sha2-nistp384") == 0;
    char group[32] = "";
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *pkey;

    if (bio == NULL)
        wh_oom();
    pkey = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
    BIO_free(bio);
    ERR_clear_error();
    if (pkey == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: keyval.public is not a PEM public key", what);
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC ||
        EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                       NULL) != 1 ||
        strcmp(group, p384 ? "secp384r1" : "prime256v1") != 0) {
        EVP_PKEY_free(pkey);
        ERR_clear_error();
        return wh_error_set(err, WH_E_INVALID, "%s: the key is not on the curve %s names", what,
                            scheme);
    }
    k->pkey = pkey;
    k->md = p384 ? EVP_sha384() : EVP_sha256();
    return WH_OK;
}

static enum wh_err
parse_key(const char *id, json_t *obj, struct wh_arena *a, struct key *k, struct wh_error *err)
{
    const char *type = get_string(obj, "keytype"), *scheme = get_string(obj, "scheme");
    const char *pub = get_string(json_object_get(obj, "keyval"), "public");
    char what[160];

    snprintf(what, sizeof(what), "key %.64s", id);
    k->id = wh_arena_strdup(a, id);
    if (type == NULL || scheme == NULL || pub == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: needs keytype, scheme and keyval.public", what);
    if (strcmp(type, "ed25519") == 0 && strcmp(scheme, "ed25519") == 0) {
        struct wh_bytes raw;

        if (!decode_hex(pub, a, &raw) || raw.len != 32)
            return wh_error_set(err, WH_E_INVALID, "%s: keyval.public is not 32 bytes of hex",
                                what);
        k->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw.ptr, raw.len);
        if (k->pkey == NULL)
            return wh_error_openssl(err, WH_E_INVALID, what);
        k->md = NULL;
    } else if ((strcmp(type, "ecdsa") == 0 || strcmp(type, "ecdsa-sha2-nistp256") == 0 ||
                strcmp(type, "ecdsa-sha2-nistp384") == 0) &&
               (strcmp(scheme, "ecdsa-sha2-nistp256") == 0 ||
                strcmp(scheme, "ecdsa-sha2-nistp384") == 0)) {
        if (parse_ecdsa_key(pub, scheme, what, k, err) != WH_OK)
            return err->code;
    } else {
        return WH_OK; /* another key type: kept, never counts toward a threshold */
    }
    wh_arena_defer(a, free_pkey, k->pkey);
    return WH_OK;
}

static bool
verify_sig(const struct key *k, struct wh_bytes sig, const struct wh_buf *msg)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    bool good;

    if (ctx == NULL)
        wh_oom();
    /* Only 1 is "verified": 0 is a mismatch, anything else a malformed signature. */
    good = EVP_DigestVerifyInit(ctx, NULL, k->md, NULL, k->pkey) == 1 &&
           EVP_DigestVerify(ctx, sig.ptr, sig.len, (const unsigned char *)msg->ptr, msg->len) == 1;
    ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    return good;
}

static const struct key *
find_key(const struct doc *root, const char *id)
{
    for (size_t i = 0; i < root->n_keys; i++)
        if (strcmp(root->keys[i].id, id) == 0)
            return &root->keys[i];
    return NULL;
}

static json_t *
find_sig(json_t *sigs, const char *keyid)
{
    size_t i;
    json_t *s;

    json_array_foreach(sigs, i, s)
    {
        const char *id = get_string(s, "keyid");

        if (id != NULL && strcmp(id, keyid) == 0)
            return s;
    }
    return NULL;
}

/* Spec §5.3.4 and alike: a threshold of the role's distinct keys signed the canonical `signed`. */
static enum wh_err
verify_threshold(const struct doc *delegator, enum role role, const struct wh_buf *msg,
                 json_t *sigs, struct wh_arena *a, const char *what, struct wh_error *err)
{
    const struct role_keys *r = &delegator->roles[role];
    int64_t good = 0;

    for (size_t i = 0; i < r->n; i++) {
        const struct key *k = find_key(delegator, r->keyids[i]);
        json_t *s = find_sig(sigs, r->keyids[i]);
        struct wh_bytes sig;
        const char *hex = get_string(s, "sig");

        if (k == NULL || k->pkey == NULL || hex == NULL || !decode_hex(hex, a, &sig))
            continue;
        if (verify_sig(k, sig, msg))
            good++;
    }
    if (good < r->threshold)
        return wh_error_set(err, WH_E_VERIFY,
                            "%s: %lld of the %s role's keys signed it, its threshold is %lld (root "
                            "version %lld): a forged or tampered file",
                            what, (long long)good, role_names[role], (long long)r->threshold,
                            (long long)delegator->version);
    return WH_OK;
}

/* ---- documents ---- */

static enum wh_err
parse_role(json_t *roles, enum role role, struct doc *d, struct wh_arena *a, const char *what,
           struct wh_error *err)
{
    json_t *obj = json_object_get(roles, role_names[role]), *ids = json_object_get(obj, "keyids");
    struct role_keys *r = &d->roles[role];
    size_t i;
    json_t *v;

    if (!json_is_object(obj) || !json_is_array(ids) || json_array_size(ids) > MAX_KEYS)
        return wh_error_set(err, WH_E_INVALID, "%s: roles.%s needs keyids (at most %d)", what,
                            role_names[role], MAX_KEYS);
    if (get_int(obj, "threshold", 1, what, &r->threshold, err) != WH_OK)
        return wh_error_wrap(err, "roles.%s", role_names[role]);
    r->keyids = wh_arena_calloc(a, json_array_size(ids) + 1, sizeof(*r->keyids));
    json_array_foreach(ids, i, v)
    {
        if (!json_is_string(v))
            return wh_error_set(err, WH_E_INVALID, "%s: roles.%s.keyids[%zu] is not a string", what,
                                role_names[role], i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->keyids[j], json_string_value(v)) == 0)
                return wh_error_set(err, WH_E_INVALID, "%s: roles.%s lists key %.64s twice", what,
                                    role_names[role], json_string_value(v));
        r->keyids[i] = wh_arena_strdup(a, json_string_value(v));
    }
    r->n = i;
    return WH_OK;
}

static enum wh_err
parse_root(json_t *s, struct doc *d, struct wh_arena *a, const char *what, struct wh_error *err)
{
    json_t *keys = json_object_get(s, "keys"), *roles = json_object_get(s, "roles"), *v;
    json_t *cs = json_object_get(s, "consistent_snapshot");
    const char *id;
    size_t i = 0;

    if (!json_is_object(keys) || json_object_size(keys) > MAX_KEYS || !json_is_object(roles))
        return wh_error_set(err, WH_E_INVALID, "%s: needs keys (at most %d) and roles", what,
                            MAX_KEYS);
    if (cs != NULL && !json_is_boolean(cs))
        return wh_error_set(err, WH_E_INVALID, "%s: consistent_snapshot is not a boolean", what);
    d->consistent_snapshot = json_is_true(cs);
    d->keys = wh_arena_calloc(a, json_object_size(keys) + 1, sizeof(*d->keys));
    json_object_foreach(keys, id, v)
    {
        if (parse_key(id, v, a, &d->keys[i], err) != WH_OK)
            return wh_error_wrap(err, "%s", what);
        i++;
    }
    d->n_keys = i;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (parse_role(roles, (enum role)r, d, a, what, err) != WH_OK)
            return err->code;
    return WH_OK;
}

static enum wh_err
parse_meta_entry(const char *name, json_t *v, struct meta *m, struct wh_arena *a, const char *what,
                 struct wh_error *err)
{
    char ctx[200];

    snprintf(ctx, sizeof(ctx), "%s: meta[%.64s]", what, name);
    m->name = wh_arena_strdup(a, name);
    if (!json_is_object(v))
        return wh_error_set(err, WH_E_INVALID, "%s is not an object", ctx);
    if (get_int(v, "version", 1, ctx, &m->version, err) != WH_OK)
        return err->code;
    if (json_object_get(v, "length") != NULL &&
        get_int(v, "length", 1, ctx, &m->length, err) != WH_OK)
        return err->code;
    return parse_hashes(json_object_get(v, "hashes"), false, ctx, &m->hashes, err);
}

static enum wh_err
parse_meta(json_t *s, struct doc *d, struct wh_arena *a, const char *what, struct wh_error *err)
{
    json_t *meta = json_object_get(s, "meta"), *v;
    const char *name;
    size_t i = 0;

    if (!json_is_object(meta))
        return wh_error_set(err, WH_E_INVALID, "%s: needs a meta object", what);
    d->meta = wh_arena_calloc(a, json_object_size(meta) + 1, sizeof(*d->meta));
    json_object_foreach(meta, name, v)
    {
        if (parse_meta_entry(name, v, &d->meta[i], a, what, err) != WH_OK)
            return err->code;
        i++;
    }
    d->n_meta = i;
    return WH_OK;
}

static enum wh_err
parse_targets(json_t *s, struct doc *d, struct wh_arena *a, const char *what, struct wh_error *err)
{
    json_t *targets = json_object_get(s, "targets"), *v;
    const char *name;
    size_t i = 0;

    if (!json_is_object(targets))
        return wh_error_set(err, WH_E_INVALID, "%s: needs a targets object", what);
    d->has_delegations = json_object_get(s, "delegations") != NULL;
    d->targets = wh_arena_calloc(a, json_object_size(targets) + 1, sizeof(*d->targets));
    json_object_foreach(targets, name, v)
    {
        struct target *t = &d->targets[i++];
        char ctx[200];

        snprintf(ctx, sizeof(ctx), "%s: targets[%.64s]", what, name);
        t->name = wh_arena_strdup(a, name);
        if (!json_is_object(v) || get_int(v, "length", 0, ctx, &t->length, err) != WH_OK)
            return wh_error_set(err, WH_E_INVALID, "%s: needs a length >= 0", ctx);
        if (parse_hashes(json_object_get(v, "hashes"), true, ctx, &t->hashes, err) != WH_OK)
            return err->code;
    }
    d->n_targets = i;
    return WH_OK;
}

/* The fields every role has: _type, spec_version 1.x, version, expires. */
static enum wh_err
parse_common(json_t *s, enum role role, struct doc *d, const char *what, struct wh_error *err)
{
    const char *type = get_string(s, "_type"), *spec = get_string(s, "spec_version");

    if (type == NULL || strcmp(type, role_names[role]) != 0)
        return wh_error_set(err, WH_E_INVALID, "%s: _type is %s%s%s, expected %s", what,
                            type ? "\"" : "", type ? type : "missing", type ? "\"" : "",
                            role_names[role]);
    /* python-tuf accepts any 1.x: minor versions are backwards compatible. */
    if (spec == NULL || strncmp(spec, "1.", 2) != 0)
        return wh_error_set(err, WH_E_INVALID, "%s: spec_version %s is not 1.x", what,
                            spec ? spec : "missing");
    if (get_int(s, "version", 1, what, &d->version, err) != WH_OK)
        return err->code;
    return parse_expires(get_string(s, "expires"), what, &d->expires, err);
}

/*
 * Parses and verifies one metadata file of `role`, signed by `delegator`'s role keys (for a new
 * root: by the trusted root; the caller checks its self-signature). *out lives in t's arena.
 */
static enum wh_err
parse_doc(struct wh_tuf *t, struct wh_bytes json, enum role role, size_t max,
          const struct doc *delegator, const char *what, struct doc **out, json_t **sigs_out,
          struct wh_buf *canon, struct wh_error *err)
{
    json_t *top = NULL, *s, *sigs;
    struct doc *d = wh_arena_alloc(&t->arena, sizeof(*d));
    enum wh_err rc;

    /* canonical JSON is never longer than the JSON it re-encodes (escapes only shrink) */
    wh_buf_init(canon, json.len + 64);
    if (json.len > max)
        return wh_error_set(err, WH_E_LIMIT, "%s: %zu bytes, more than the %zu allowed", what,
                            json.len, max);
    if ((rc = load_json(json, what, &top, err)) != WH_OK)
        return rc;
    s = json_object_get(top, "signed");
    sigs = json_object_get(top, "signatures");
    if (!json_is_object(s) || !json_is_array(sigs) || json_array_size(sigs) > MAX_SIGS) {
        rc = wh_error_set(err, WH_E_INVALID, "%s: needs \"signed\" and \"signatures\" (at most %d)",
                          what, MAX_SIGS);
        goto out;
    }
    if ((rc = canon_value(s, 0, canon, err)) != WH_OK ||
        (rc = wh_buf_check(canon, "canonical JSON", err)) != WH_OK) {
        wh_error_wrap(err, "%s: signed", what);
        goto out;
    }
    if ((rc = parse_common(s, role, d, what, err)) != WH_OK)
        goto out;
    if (role == ROLE_ROOT)
        rc = parse_root(s, d, &t->arena, what, err);
    else if (role == ROLE_TARGETS)
        rc = parse_targets(s, d, &t->arena, what, err);
    else
        rc = parse_meta(s, d, &t->arena, what, err);
    if (rc != WH_OK)
        goto out;
    rc = verify_threshold(delegator != NULL ? delegator : d, role, canon, sigs, &t->arena, what,
                          err);
out:
    if (rc == WH_OK) {
        *out = d;
        if (sigs_out != NULL) {
            *sigs_out = json_incref(sigs);
        }
    }
    json_decref(top);
    return rc;
}

static const struct meta *
find_meta(const struct doc *d, const char *name)
{
    for (size_t i = 0; i < d->n_meta; i++)
        if (strcmp(d->meta[i].name, name) == 0)
            return &d->meta[i];
    return NULL;
}

static enum wh_err
check_expiry(const struct wh_tuf *t, const struct doc *d, const char *what, struct wh_error *err)
{
    char when[32];
    struct tm tm;

    /* python-tuf, tuf-js: expired when now >= expires */
    if (t->now < d->expires)
        return WH_OK;
    gmtime_r(&d->expires, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return wh_error_set(err, WH_E_VERIFY,
                        "%s version %lld expired at %s: the repository is stale or replayed (a "
                        "freeze attack); check the mirror is being refreshed",
                        what, (long long)d->version, when);
}

enum wh_err
wh_trust_tuf_new(struct wh_bytes root_json, time_t now, struct wh_tuf **out, struct wh_error *err)
{
    struct wh_tuf *t = calloc(1, sizeof(*t));
    struct wh_buf canon;
    enum wh_err rc;

    if (t == NULL)
        wh_oom();
    wh_arena_init(&t->arena);
    t->now = now;
    rc = parse_doc(t, root_json, ROLE_ROOT, WH_TRUST_TUF_ROOT_MAX, NULL, "trusted root.json",
                   &t->root, NULL, &canon, err);
    wh_buf_fini(&canon);
    if (rc != WH_OK) {
        wh_trust_tuf_free(t);
        return rc;
    }
    *out = t;
    return WH_OK;
}

void
wh_trust_tuf_free(struct wh_tuf *t)
{
    if (t == NULL)
        return;
    wh_arena_fini(&t->arena);
    free(t);
}

int64_t
wh_trust_tuf_root_version(const struct wh_tuf *t)
{
    return t->root->version;
}

bool
wh_trust_tuf_consistent_snapshot(const struct wh_tuf *t)
{
    return t->root->consistent_snapshot;
}

enum wh_err
wh_trust_tuf_root_update(struct wh_tuf *t, struct wh_bytes json, struct wh_error *err)
{
    struct doc *d = NULL;
    struct wh_buf canon;
    json_t *sigs = NULL;
    char what[64];
    enum wh_err rc;

    if (t->timestamp != NULL)
        return wh_error_set(err, WH_E_INTERNAL, "root.json: updated after timestamp.json");
    snprintf(what, sizeof(what), "%lld.root.json", (long long)t->root->version + 1);
    /* §5.3.5: signed by a threshold of the trusted root's root keys ... */
    rc =
        parse_doc(t, json, ROLE_ROOT, WH_TRUST_TUF_ROOT_MAX, t->root, what, &d, &sigs, &canon, err);
    if (rc == WH_OK && d->version != t->root->version + 1) /* §5.3.6 */
        rc = wh_error_set(err, WH_E_VERIFY,
                          "%s: holds version %lld: a rollback or a misnamed file on the mirror",
                          what, (long long)d->version);
    /* ... and by a threshold of its own new root keys */
    if (rc == WH_OK &&
        (rc = verify_threshold(d, ROLE_ROOT, &canon, sigs, &t->arena, what, err)) != WH_OK)
        wh_error_wrap(err, "new root keys");
    if (rc == WH_OK)
        t->root = d;
    json_decref(sigs);
    wh_buf_fini(&canon);
    return rc;
}

enum wh_err
wh_trust_tuf_root_check_fresh(const struct wh_tuf *t, struct wh_error *err)
{
    return check_expiry(t, t->root, "root.json", err);
}

enum wh_err
wh_trust_tuf_timestamp_update(struct wh_tuf *t, struct wh_bytes json, bool trusted_state,
                              struct wh_error *err)
{
    struct doc *d = NULL;
    struct wh_buf canon;
    const struct meta *snap, *old_snap;
    enum wh_err rc;

    if (t->snapshot != NULL)
        return wh_error_set(err, WH_E_INTERNAL, "timestamp.json: updated after snapshot.json");
    if (!trusted_state && check_expiry(t, t->root, "root.json", err) != WH_OK)
        return err->code;
    rc = parse_doc(t, json, ROLE_TIMESTAMP, WH_TRUST_TUF_TIMESTAMP_MAX, t->root, "timestamp.json",
                   &d, NULL, &canon, err);
    wh_buf_fini(&canon);
    if (rc != WH_OK)
        return rc;
    if ((snap = find_meta(d, "snapshot.json")) == NULL)
        return wh_error_set(err, WH_E_INVALID, "timestamp.json: meta lists no snapshot.json");
    if (t->timestamp != NULL) {
        old_snap = find_meta(t->timestamp, "snapshot.json");
        if (d->version < t->timestamp->version)
            return wh_error_set(err, WH_E_VERIFY,
                                "timestamp.json: version %lld is older than the trusted %lld (a "
                                "rollback attack)",
                                (long long)d->version, (long long)t->timestamp->version);
        if (d->version == t->timestamp->version)
            return check_expiry(t, t->timestamp, "timestamp.json", err);
        if (snap->version < old_snap->version)
            return wh_error_set(err, WH_E_VERIFY,
                                "timestamp.json: names snapshot version %lld, older than the "
                                "trusted %lld (a rollback attack)",
                                (long long)snap->version, (long long)old_snap->version);
    }
    t->timestamp = d;
    return trusted_state ? WH_OK : check_expiry(t, d, "timestamp.json", err);
}

void
wh_trust_tuf_snapshot_want(const struct wh_tuf *t, int64_t *version, size_t *max)
{
    const struct meta *m = find_meta(t->timestamp, "snapshot.json");

    *version = m->version;
    *max = m->length > 0 ? (size_t)m->length : WH_TRUST_TUF_SNAPSHOT_MAX;
}

static enum wh_err
check_against_meta(const struct meta *m, struct wh_bytes json, const char *what,
                   struct wh_error *err)
{
    if (m->length > 0 && json.len != (size_t)m->length)
        return wh_error_set(err, WH_E_VERIFY,
                            "%s: %zu bytes, the trusted metadata says %lld (a mix-and-match or "
                            "tampered file)",
                            what, json.len, (long long)m->length);
    if (m->hashes.present && check_hashes(&m->hashes, json, what, err) != WH_OK)
        return wh_error_wrap(err, "mix-and-match or tampered file");
    return WH_OK;
}

static enum wh_err
check_snapshot_rollback(const struct doc *old, const struct doc *d, struct wh_error *err)
{
    for (size_t i = 0; i < old->n_meta; i++) {
        const struct meta *m = find_meta(d, old->meta[i].name);

        if (m == NULL)
            return wh_error_set(err, WH_E_VERIFY,
                                "snapshot.json: no longer lists %s, which the trusted snapshot "
                                "does (a rollback attack)",
                                old->meta[i].name);
        if (m->version < old->meta[i].version)
            return wh_error_set(err, WH_E_VERIFY,
                                "snapshot.json: %s version %lld is older than the trusted %lld (a "
                                "rollback attack)",
                                m->name, (long long)m->version, (long long)old->meta[i].version);
    }
    return WH_OK;
}

enum wh_err
wh_trust_tuf_snapshot_update(struct wh_tuf *t, struct wh_bytes json, bool trusted_state,
                             struct wh_error *err)
{
    struct doc *d = NULL;
    struct wh_buf canon;
    const struct meta *want;
    enum wh_err rc;

    if (t->timestamp == NULL || t->targets != NULL)
        return wh_error_set(err, WH_E_INTERNAL, "snapshot.json: out of order");
    want = find_meta(t->timestamp, "snapshot.json");
    if (!trusted_state) {
        if (check_expiry(t, t->timestamp, "timestamp.json", err) != WH_OK)
            return err->code;
        if (json.len > WH_TRUST_TUF_SNAPSHOT_MAX)
            return wh_error_set(err, WH_E_LIMIT,
                                "snapshot.json: %zu bytes, more than the %zu "
                                "allowed",
                                json.len, WH_TRUST_TUF_SNAPSHOT_MAX);
        if (check_against_meta(want, json, "snapshot.json", err) != WH_OK)
            return err->code;
    }
    rc = parse_doc(t, json, ROLE_SNAPSHOT, WH_TRUST_TUF_SNAPSHOT_MAX, t->root, "snapshot.json", &d,
                   NULL, &canon, err);
    wh_buf_fini(&canon);
    if (rc != WH_OK)
        return rc;
    if (find_meta(d, "targets.json") == NULL)
        return wh_error_set(err, WH_E_INVALID, "snapshot.json: meta lists no targets.json");
    if (t->snapshot != NULL && check_snapshot_rollback(t->snapshot, d, err) != WH_OK)
        return err->code;
    t->snapshot = d;
    if (trusted_state)
        return WH_OK;
    if (d->version != want->version)
        return wh_error_set(err, WH_E_VERIFY,
                            "snapshot.json: version %lld, the timestamp names %lld (a "
                            "mix-and-match attack)",
                            (long long)d->version, (long long)want->version);
    return check_expiry(t, d, "snapshot.json", err);
}

enum wh_err
wh_trust_tuf_targets_want(const struct wh_tuf *t, int64_t *version, size_t *max,
                          struct wh_error *err)
{
    const struct meta *m;

    if (t->snapshot == NULL)
        return wh_error_set(err, WH_E_INTERNAL, "targets.json: no trusted snapshot");
    m = find_meta(t->snapshot, "targets.json");
    *version = m->version;
    *max = m->length > 0 ? (size_t)m->length : WH_TRUST_TUF_TARGETS_MAX;
    return WH_OK;
}

enum wh_err
wh_trust_tuf_targets_update(struct wh_tuf *t, struct wh_bytes json, struct wh_error *err)
{
    struct doc *d = NULL;
    struct wh_buf canon;
    const struct meta *want;
    enum wh_err rc;

    if (t->snapshot == NULL || t->targets != NULL)
        return wh_error_set(err, WH_E_INTERNAL, "targets.json: out of order");
    if (check_expiry(t, t->snapshot, "snapshot.json", err) != WH_OK)
        return err->code;
    want = find_meta(t->snapshot, "targets.json");
    if (json.len > WH_TRUST_TUF_TARGETS_MAX)
        return wh_error_set(err, WH_E_LIMIT, "targets.json: %zu bytes, more than the %zu allowed",
                            json.len, WH_TRUST_TUF_TARGETS_MAX);
    if (check_against_meta(want, json, "targets.json", err) != WH_OK)
        return err->code;
    rc = parse_doc(t, json, ROLE_TARGETS, WH_TRUST_TUF_TARGETS_MAX, t->root, "targets.json", &d,
                   NULL, &canon, err);
    wh_buf_fini(&canon);
    if (rc != WH_OK)
        return rc;
    if (d->version != want->version)
        return wh_error_set(err, WH_E_VERIFY,
                            "targets.json: version %lld, the snapshot names %lld (a "
                            "mix-and-match attack)",
                            (long long)d->version, (long long)want->version);
    if (check_expiry(t, d, "targets.json", err) != WH_OK)
        return err->code;
    t->targets = d;
    return WH_OK;
}

enum wh_err
wh_trust_tuf_target_find(const struct wh_tuf *t, const char *name, struct wh_trust_tuf_target *out,
                         struct wh_error *err)
{
    if (t->targets == NULL)
        return wh_error_set(err, WH_E_INTERNAL, "target %s: no trusted targets.json", name);
    for (size_t i = 0; i < t->targets->n_targets; i++) {
        const struct target *tg = &t->targets->targets[i];

        if (strcmp(tg->name, name) != 0)
            continue;
        memset(out, 0, sizeof(*out));
        out->name = tg->name;
        out->length = (size_t)tg->length;
        memcpy(out->sha256, tg->hashes.sha256, sizeof(out->sha256));
        memcpy(out->sha512, tg->hashes.sha512, sizeof(out->sha512));
        if (tg->hashes.unknown || (out->sha256[0] == '\0' && out->sha512[0] == '\0'))
            return wh_error_set(err, WH_E_VERIFY,
                                "target %s: lists no sha256 or sha512 hash (or another "
                                "algorithm this client cannot check)",
                                name);
        return WH_OK;
    }
    return wh_error_set(
        err, WH_E_NOT_FOUND, "target %s: not in targets.json version %lld%s", name,
        (long long)t->targets->version,
        t->targets->has_delegations ? " (delegated targets are not followed by this client)" : "");
}

enum wh_err
wh_trust_tuf_target_verify(const struct wh_trust_tuf_target *target, struct wh_bytes data,
                           struct wh_error *err)
{
    struct hashes h = {.present = true};
    char what[200];

    snprintf(what, sizeof(what), "target %.128s", target->name);
    if (data.len != target->length)
        return wh_error_set(err, WH_E_VERIFY, "%s: %zu bytes, targets.json says %zu", what,
                            data.len, target->length);
    memcpy(h.sha256, target->sha256, sizeof(h.sha256));
    memcpy(h.sha512, target->sha512, sizeof(h.sha512));
    return check_hashes(&h, data, what, err);
}
