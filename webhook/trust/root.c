/*
 * trust/root.c: builds the immutable trust snapshot from sigstore trusted_root.json documents and
 * cosign's legacy PEM files. Only OpenSSL touches the keys and certificates; jansson reads the JSON
 * (an operator-supplied file, bounded by limits->policy_bytes) and is released before returning.
 */
#include "trust/root.h"

#include <ctype.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/file.h"

struct wh_trust_root {
    atomic_uint refs;
    uint64_t generation;
    struct wh_arena arena; /* every entry, string and deferred key/chain release */
    struct wh_trust_log *tlogs, *ctlogs;
    size_t n_tlogs, n_ctlogs;
    struct wh_trust_authority *cas, *tsas;
    size_t n_cas, n_tsas;
};

static atomic_uint_fast64_t last_generation;

static const char *const MEDIA_TYPES[] = {
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
    "application/vnd.dev.sigstore.trustedroot.v0.1+json",
    "application/vnd.dev.sigstore.trustedroot+json;version=0.2",
    "application/vnd.dev.sigstore.trustedroot.v0.2+json",
    NULL,
};

/* Entries past this many per list are refused: real roots hold a handful. */
#define MAX_ENTRIES 256
#define MAX_CHAIN 16

static void
release_pkey(void *p)
{
    EVP_PKEY_free(p);
}

static void
release_chain(void *p)
{
    sk_X509_pop_free(p, X509_free);
}

static struct wh_trust_root *
root_new(void)
{
    struct wh_trust_root *r = calloc(1, sizeof(*r));

    if (r == NULL)
        wh_oom();
    atomic_init(&r->refs, 1);
    wh_arena_init(&r->arena);
    return r;
}

static void
root_seal(struct wh_trust_root *r)
{
    r->generation = atomic_fetch_add(&last_generation, 1) + 1;
}

struct wh_trust_root *
wh_trust_root_ref(struct wh_trust_root *root)
{
    atomic_fetch_add(&root->refs, 1);
    return root;
}

void
wh_trust_root_unref(struct wh_trust_root *root)
{
    if (root == NULL || atomic_fetch_sub(&root->refs, 1) != 1)
        return;
    wh_arena_fini(&root->arena);
    free(root);
}

uint64_t
wh_trust_root_generation(const struct wh_trust_root *root)
{
    return root->generation;
}

static const struct wh_trust_log *
find_log(const struct wh_trust_log *logs, size_t n, const unsigned char id[32], time_t at)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(logs[i].log_id, id, 32) == 0 &&
            wh_trust_window_contains(logs[i].valid_from, logs[i].valid_to, at))
            return &logs[i];
    return NULL;
}

const struct wh_trust_log *
wh_trust_tlog_find(const struct wh_trust_root *root, const unsigned char log_id[32], time_t at)
{
    return find_log(root->tlogs, root->n_tlogs, log_id, at);
}

const struct wh_trust_log *
wh_trust_ctlog_find(const struct wh_trust_root *root, const unsigned char log_id[32], time_t at)
{
    return find_log(root->ctlogs, root->n_ctlogs, log_id, at);
}

size_t
wh_trust_root_tlog_count(const struct wh_trust_root *root)
{
    return root->n_tlogs;
}

const struct wh_trust_log *
wh_trust_root_tlog_get(const struct wh_trust_root *root, size_t i)
{
    return i < root->n_tlogs ? &root->tlogs[i] : NULL;
}

size_t
wh_trust_root_ctlog_count(const struct wh_trust_root *root)
{
    return root->n_ctlogs;
}

const struct wh_trust_log *
wh_trust_root_ctlog_get(const struct wh_trust_root *root, size_t i)
{
    return i < root->n_ctlogs ? &root->ctlogs[i] : NULL;
}

size_t
wh_trust_root_ca_count(const struct wh_trust_root *root)
{
    return root->n_cas;
}

const struct wh_trust_authority *
wh_trust_root_ca_get(const struct wh_trust_root *root, size_t i)
{
    return i < root->n_cas ? &root->cas[i] : NULL;
}

size_t
wh_trust_root_tsa_count(const struct wh_trust_root *root)
{
    return root->n_tsas;
}

const struct wh_trust_authority *
wh_trust_root_tsa_get(const struct wh_trust_root *root, size_t i)
{
    return i < root->n_tsas ? &root->tsas[i] : NULL;
}

static struct wh_trust_log *
add_log(struct wh_trust_root *r, bool is_ct)
{
    struct wh_trust_log **arr = is_ct ? &r->ctlogs : &r->tlogs;
    size_t *n = is_ct ? &r->n_ctlogs : &r->n_tlogs;
    struct wh_trust_log *l;

    *arr = wh_arena_grow(&r->arena, *arr, *n, *n + 1, sizeof(**arr));
    l = &(*arr)[(*n)++];
    memset(l, 0, sizeof(*l));
    l->base_url = "";
    l->key_details = "";
    l->valid_to = WH_TRUST_OPEN_END;
    return l;
}

static struct wh_trust_authority *
add_authority(struct wh_trust_root *r, bool is_tsa)
{
    struct wh_trust_authority **arr = is_tsa ? &r->tsas : &r->cas;
    size_t *n = is_tsa ? &r->n_tsas : &r->n_cas;
    struct wh_trust_authority *c;

    *arr = wh_arena_grow(&r->arena, *arr, *n, *n + 1, sizeof(**arr));
    c = &(*arr)[(*n)++];
    memset(c, 0, sizeof(*c));
    c->uri = "";
    c->name = "";
    c->valid_to = WH_TRUST_OPEN_END;
    return c;
}

/* ---- trusted_root.json ---- */

struct pctx {
    struct wh_trust_root *r;
    const char *name;
    struct wh_arena tmp;
    struct wh_error *err;
};

static enum wh_err
bad(struct pctx *c, const char *path, const char *what)
{
    return wh_error_set(c->err, WH_E_INVALID, "%s: %s: %s", c->name, path, what);
}

static const char *
path_of(struct pctx *c, const char *base, const char *field)
{
    return wh_arena_sprintf(&c->tmp, "%s.%s", base, field);
}

static enum wh_err
get_string(struct pctx *c, json_t *obj, const char *field, const char *path, bool required,
           const char **out)
{
    json_t *v = json_object_get(obj, field);

    *out = NULL;
    if (v == NULL || json_is_null(v)) { /* protobuf-JSON: null is the default value */
        if (required)
            return bad(c, path_of(c, path, field), "missing");
        return WH_OK;
    }
    if (!json_is_string(v))
        return bad(c, path_of(c, path, field), "not a string");
    *out = json_string_value(v);
    if (strlen(*out) != json_string_length(v))
        return bad(c, path_of(c, path, field), "contains NUL");
    return WH_OK;
}

static enum wh_err
get_b64(struct pctx *c, json_t *obj, const char *field, const char *path, struct wh_bytes *out)
{
    const char *s;
    enum wh_err rc;
    struct wh_error e;

    if ((rc = get_string(c, obj, field, path, true, &s)) != WH_OK)
        return rc;
    if (wh_digest_base64_decode(wh_str_c(s), &c->tmp, out, &e) != WH_OK)
        return bad(c, path_of(c, path, field), e.msg);
    if (out->len == 0)
        return bad(c, path_of(c, path, field), "empty");
    return WH_OK;
}

/* RFC 3339's time zone: "Z" (0) or "+hh:mm" / "-hh:mm" (*off seconds east). Returns the byte
 * after it, NULL if there is none. */
static const char *
parse_zone(const char *p, long *off)
{
    int sign = *p == '-' ? -1 : 1;

    if (*p == 'Z' || *p == 'z') {
        *off = 0;
        return p + 1;
    }
    if (*p != '+' && *p != '-')
        return NULL;
    if (!isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) || p[3] != ':' ||
        !isdigit((unsigned char)p[4]) || !isdigit((unsigned char)p[5]))
        return NULL;
    *off = sign *
           (((p[1] - '0') * 10 + (p[2] - '0')) * 3600L + ((p[4] - '0') * 10 + (p[5] - '0')) * 60L);
    return p + 6;
}

/* RFC 3339 as protobuf-JSON writes a Timestamp: "2021-01-12T11:53:27Z", optional fraction
 * (truncated: windows are compared in whole seconds), "Z" or a numeric offset. */
static bool
parse_rfc3339(const char *s, time_t *out)
{
    struct tm tm = {0};
    int v[6];
    const int len[6] = {4, 2, 2, 2, 2, 2};
    const char seps[6] = {'-', '-', 'T', ':', ':', 0};
    const char *p = s;
    long off = 0;

    for (int i = 0; i < 6; i++) {
        v[i] = 0;
        for (int k = 0; k < len[i]; k++, p++) {
            if (!isdigit((unsigned char)*p))
                return false;
            v[i] = v[i] * 10 + (*p - '0');
        }
        if (seps[i] != 0) {
            if (*p != seps[i] && !(i == 2 && *p == 't'))
                return false;
            p++;
        }
    }
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return false;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if ((p = parse_zone(p, &off)) == NULL)
        return false;
    if (*p != 0 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] > 23 || v[4] > 59 ||
        v[5] > 60)
        return false;
    tm.tm_year = v[0] - 1900;
    tm.tm_mon = v[1] - 1;
    tm.tm_mday = v[2];
    tm.tm_hour = v[3];
    tm.tm_min = v[4];
    tm.tm_sec = v[5];
    *out = timegm(&tm) - off;
    return true;
}

/* validFor {start, end?}: start is required whenever validFor is (conformance
 * trust-root-tlog-missing-validity-start_fail); an absent validFor is an error too, since an
 * unbounded window is never what a trusted root means. */
static enum wh_err
parse_valid_for(struct pctx *c, json_t *obj, const char *path, time_t *from, time_t *to)
{
    json_t *vf = json_object_get(obj, "validFor");
    const char *p = path_of(c, path, "validFor");
    const char *s;
    enum wh_err rc;

    if (vf == NULL)
        return bad(c, p, "missing");
    if (!json_is_object(vf))
        return bad(c, p, "not an object");
    if ((rc = get_string(c, vf, "start", p, false, &s)) != WH_OK)
        return rc;
    if (s == NULL)
        return bad(c, p, "no start");
    if (!parse_rfc3339(s, from))
        return bad(c, path_of(c, p, "start"), "not an RFC 3339 time");
    if ((rc = get_string(c, vf, "end", p, false, &s)) != WH_OK)
        return rc;
    *to = WH_TRUST_OPEN_END;
    if (s != NULL) {
        if (!parse_rfc3339(s, to))
            return bad(c, path_of(c, p, "end"), "not an RFC 3339 time");
        if (*to < *from)
            return bad(c, p, "end before start");
    }
    return WH_OK;
}

static enum wh_err
parse_spki(struct pctx *c, struct wh_bytes der, const char *path, EVP_PKEY **out)
{
    const unsigned char *p = der.ptr;
    EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)der.len);

    if (k == NULL || p != der.ptr + der.len) {
        /* keyDetails PKCS1_RSA_*: sigstore staging's CT log key is a bare PKCS#1 RSAPublicKey */
        EVP_PKEY_free(k);
        p = der.ptr;
        k = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)der.len);
    }
    ERR_clear_error();
    if (k == NULL || p != der.ptr + der.len) {
        EVP_PKEY_free(k);
        return bad(c, path, "neither DER SubjectPublicKeyInfo nor PKCS#1 RSAPublicKey");
    }
    *out = k;
    wh_arena_defer(&c->r->arena, release_pkey, k);
    return WH_OK;
}

static bool
key_details_ok(const char *d)
{
    /* protobuf-specs PublicKeyDetails that sigstore clients use for logs. */
    static const char *const OK[] = {
        "PKIX_ECDSA_P256_SHA_256",
        "PKIX_ECDSA_P384_SHA_384",
        "PKIX_ECDSA_P521_SHA_512",
        "PKIX_ED25519",
        "PKIX_ED25519_PH",
        "PKIX_RSA_PKCS1V15_2048_SHA256",
        "PKIX_RSA_PKCS1V15_3072_SHA256",
        "PKIX_RSA_PKCS1V15_4096_SHA256",
        "PKIX_RSA_PSS_2048_SHA256",
        "PKIX_RSA_PSS_3072_SHA256",
        "PKIX_RSA_PSS_4096_SHA256",
        "PKCS1_RSA_PKCS1V5",
        "PKIX_RSA_PKCS1V5",
        "PKIX_ECDSA_P256_HMAC_SHA_256",
        NULL,
    };
    for (size_t i = 0; OK[i] != NULL; i++)
        if (strcmp(d, OK[i]) == 0)
            return true;
    return false;
}

static enum wh_err
parse_log(struct pctx *c, json_t *o, const char *path, bool is_ct)
{
    struct wh_trust_log *l;
    json_t *pk, *lid;
    struct wh_bytes der, id;
    const char *s, *pkp, *lidp;
    enum wh_err rc;

    if (!json_is_object(o))
        return bad(c, path, "not an object");
    l = add_log(c->r, is_ct);
    if ((rc = get_string(c, o, "baseUrl", path, false, &s)) != WH_OK)
        return rc;
    if (s != NULL)
        l->base_url = wh_arena_strdup(&c->r->arena, s);
    if ((rc = get_string(c, o, "hashAlgorithm", path, false, &s)) != WH_OK)
        return rc;
    if (s != NULL && strcmp(s, "SHA2_256") != 0)
        return bad(c, path_of(c, path, "hashAlgorithm"), "only SHA2_256 is supported");
    pkp = path_of(c, path, "publicKey");
    pk = json_object_get(o, "publicKey");
    if (pk == NULL)
        return bad(c, pkp, "missing");
    if (!json_is_object(pk))
        return bad(c, pkp, "not an object");
    if ((rc = get_b64(c, pk, "rawBytes", pkp, &der)) != WH_OK ||
        (rc = parse_spki(c, der, path_of(c, pkp, "rawBytes"), &l->key)) != WH_OK)
        return rc;
    if ((rc = get_string(c, pk, "keyDetails", pkp, false, &s)) != WH_OK)
        return rc;
    if (s != NULL) {
        if (!key_details_ok(s))
            return bad(c, path_of(c, pkp, "keyDetails"),
                       wh_arena_sprintf(&c->tmp, "unsupported \"%s\"", s));
        l->key_details = wh_arena_strdup(&c->r->arena, s);
    }
    if ((rc = parse_valid_for(c, pk, pkp, &l->valid_from, &l->valid_to)) != WH_OK)
        return rc;
    lidp = path_of(c, path, "logId");
    lid = json_object_get(o, "logId");
    if (lid == NULL)
        return bad(c, lidp, "missing");
    if (!json_is_object(lid))
        return bad(c, lidp, "not an object");
    if ((rc = get_b64(c, lid, "keyId", lidp, &id)) != WH_OK)
        return rc;
    if (id.len != 32)
        return bad(c, path_of(c, lidp, "keyId"),
                   wh_arena_sprintf(&c->tmp, "%zu bytes, want 32", id.len));
    memcpy(l->log_id, id.ptr, 32);
    return WH_OK;
}

static enum wh_err
parse_chain_der(struct pctx *c, json_t *certs, const char *path, STACK_OF(X509) * *out)
{
    STACK_OF(X509) * sk;
    size_t i;
    json_t *cert;

    if (!json_is_array(certs))
        return bad(c, path, "not an array");
    if (json_array_size(certs) == 0)
        return bad(c, path, "empty");
    if (json_array_size(certs) > MAX_CHAIN)
        return bad(c, path, "too many certificates");
    sk = sk_X509_new_null();
    if (sk == NULL)
        wh_oom();
    wh_arena_defer(&c->r->arena, release_chain, sk);
    json_array_foreach(certs, i, cert)
    {
        const char *p = wh_arena_sprintf(&c->tmp, "%s[%zu]", path, i);
        struct wh_bytes der;
        const unsigned char *q;
        X509 *x;
        enum wh_err rc;

        if (!json_is_object(cert))
            return bad(c, p, "not an object");
        if ((rc = get_b64(c, cert, "rawBytes", p, &der)) != WH_OK)
            return rc;
        q = der.ptr;
        x = d2i_X509(NULL, &q, (long)der.len);
        ERR_clear_error();
        if (x == NULL || q != der.ptr + der.len) {
            X509_free(x);
            return bad(c, path_of(c, p, "rawBytes"), "not a DER certificate");
        }
        if (sk_X509_push(sk, x) == 0)
            wh_oom();
    }
    *out = sk;
    return WH_OK;
}

static enum wh_err
parse_authority(struct pctx *c, json_t *o, const char *path, bool is_tsa)
{
    struct wh_trust_authority *a;
    json_t *subj, *chain;
    const char *s, *chp;
    enum wh_err rc;

    if (!json_is_object(o))
        return bad(c, path, "not an object");
    a = add_authority(c->r, is_tsa);
    if ((rc = get_string(c, o, "uri", path, false, &s)) != WH_OK)
        return rc;
    if (s != NULL)
        a->uri = wh_arena_strdup(&c->r->arena, s);
    subj = json_object_get(o, "subject");
    if (json_is_object(subj)) {
        const char *cn, *org;
        if ((rc = get_string(c, subj, "commonName", path_of(c, path, "subject"), false, &cn)) !=
                WH_OK ||
            (rc = get_string(c, subj, "organization", path_of(c, path, "subject"), false, &org)) !=
                WH_OK)
            return rc;
        a->name = wh_arena_strdup(&c->r->arena, cn != NULL ? cn : org != NULL ? org : "");
    }
    chp = path_of(c, path, "certChain");
    chain = json_object_get(o, "certChain");
    if (chain == NULL)
        return bad(c, chp, "missing");
    if (!json_is_object(chain))
        return bad(c, chp, "not an object");
    if ((rc = parse_chain_der(c, json_object_get(chain, "certificates"),
                              path_of(c, chp, "certificates"), &a->chain)) != WH_OK)
        return rc;
    return parse_valid_for(c, o, path, &a->valid_from, &a->valid_to);
}

typedef enum wh_err parse_entry_fn(struct pctx *c, json_t *o, const char *path, bool flag);

static enum wh_err
parse_list(struct pctx *c, json_t *doc, const char *field, parse_entry_fn *fn, bool flag)
{
    json_t *arr = json_object_get(doc, field), *o;
    size_t i;
    enum wh_err rc;

    if (arr == NULL)
        return WH_OK;
    if (!json_is_array(arr))
        return bad(c, field, "not an array");
    if (json_array_size(arr) > MAX_ENTRIES)
        return wh_error_set(c->err, WH_E_LIMIT, "%s: %s: more than %d entries", c->name, field,
                            MAX_ENTRIES);
    json_array_foreach(arr, i, o)
    {
        if ((rc = fn(c, o, wh_arena_sprintf(&c->tmp, "%s[%zu]", field, i), flag)) != WH_OK)
            return rc;
    }
    return WH_OK;
}

static enum wh_err
parse_into(struct wh_trust_root *r, struct wh_bytes json, const char *name,
           const struct wh_limits *limits, struct wh_error *err)
{
    struct pctx c = {.r = r, .name = name, .err = err};
    size_t cas_before = r->n_cas, ctlogs_before = r->n_ctlogs;
    json_error_t jerr;
    json_t *doc;
    const char *mt;
    enum wh_err rc;

    if (json.len > limits->policy_bytes)
        return wh_error_set(err, WH_E_LIMIT, "%s: %zu bytes, over the %zu-byte limit", name,
                            json.len, limits->policy_bytes);
    doc = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s:%d:%d: %s", name, jerr.line, jerr.column,
                            jerr.text);
    wh_arena_init(&c.tmp);
    if (!json_is_object(doc)) {
        rc = bad(&c, "$", "not an object");
        goto out;
    }
    if ((rc = get_string(&c, doc, "mediaType", "$", true, &mt)) != WH_OK)
        goto out;
    {
        size_t i = 0;
        while (MEDIA_TYPES[i] != NULL && strcmp(mt, MEDIA_TYPES[i]) != 0)
            i++;
        if (MEDIA_TYPES[i] == NULL) {
            rc = bad(&c, "mediaType", wh_arena_sprintf(&c.tmp, "unsupported \"%s\"", mt));
            goto out;
        }
    }
    if ((rc = parse_list(&c, doc, "tlogs", parse_log, false)) != WH_OK ||
        (rc = parse_list(&c, doc, "ctlogs", parse_log, true)) != WH_OK ||
        (rc = parse_list(&c, doc, "certificateAuthorities", parse_authority, false)) != WH_OK ||
        (rc = parse_list(&c, doc, "timestampAuthorities", parse_authority, true)) != WH_OK)
        goto out;
    /* Per document, not per merged snapshot: GitHub's root (no CT log) loaded beside the
     * public-good one (which has one) still exempts only GitHub's CAs. */
    if (r->n_ctlogs == ctlogs_before)
        for (size_t i = cas_before; i < r->n_cas; i++)
            r->cas[i].lists_no_ctlog = true;
out:
    json_decref(doc);
    wh_arena_fini(&c.tmp);
    return rc;
}

enum wh_err
wh_trust_root_parse(struct wh_bytes json, const char *name, const struct wh_limits *limits,
                    struct wh_trust_root **out, struct wh_error *err)
{
    struct wh_trust_root *r = root_new();

    if (parse_into(r, json, name, limits, err) != WH_OK) {
        wh_trust_root_unref(r);
        return err->code;
    }
    root_seal(r);
    *out = r;
    return WH_OK;
}

/* ---- legacy PEM files ---- */

enum kind { KIND_AUTO, KIND_ROOT, KIND_FULCIO, KIND_TSA, KIND_TLOG, KIND_CTLOG };

static enum kind
split_kind(const char *spec, const char **path)
{
    static const struct {
        const char *prefix;
        enum kind kind;
    } K[] = {{"trusted-root=", KIND_ROOT},
             {"fulcio=", KIND_FULCIO},
             {"tsa=", KIND_TSA},
             {"tlog=", KIND_TLOG},
             {"ctlog=", KIND_CTLOG}};

    for (size_t i = 0; i < sizeof(K) / sizeof(K[0]); i++)
        if (strncmp(spec, K[i].prefix, strlen(K[i].prefix)) == 0) {
            *path = spec + strlen(K[i].prefix);
            return K[i].kind;
        }
    *path = spec;
    return KIND_AUTO;
}

static enum wh_err
load_pem_certs(struct wh_trust_root *r, struct wh_bytes pem, const char *path, bool is_tsa,
               struct wh_error *err)
{
    BIO *b = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    STACK_OF(X509) *sk = sk_X509_new_null();
    struct wh_trust_authority *a;
    X509 *x;

    if (b == NULL || sk == NULL)
        wh_oom();
    wh_arena_defer(&r->arena, release_chain, sk);
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        if (sk_X509_num(sk) >= MAX_CHAIN) {
            X509_free(x);
            BIO_free(b);
            return wh_error_set(err, WH_E_LIMIT, "%s: more than %d certificates", path, MAX_CHAIN);
        }
        if (sk_X509_push(sk, x) == 0)
            wh_oom();
    }
    ERR_clear_error();
    BIO_free(b);
    if (sk_X509_num(sk) == 0)
        return wh_error_set(err, WH_E_INVALID, "%s: no PEM CERTIFICATE block", path);
    a = add_authority(r, is_tsa);
    a->chain = sk;
    a->uri = "";
    a->name = wh_arena_strdup(&r->arena, path);
    a->valid_from = (time_t)INT64_MIN;
    return WH_OK;
}

static enum wh_err
load_pem_key(struct wh_trust_root *r, struct wh_bytes pem, const char *path, bool is_ct,
             struct wh_error *err)
{
    BIO *b = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    EVP_PKEY *k;
    struct wh_trust_log *l;
    unsigned char *der = NULL;
    int n;

    if (b == NULL)
        wh_oom();
    k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
    BIO_free(b);
    ERR_clear_error();
    if (k == NULL)
        return wh_error_set(err, WH_E_INVALID, "%s: no PEM PUBLIC KEY block", path);
    wh_arena_defer(&r->arena, release_pkey, k);
    n = i2d_PUBKEY(k, &der);
    if (n <= 0)
        return wh_error_openssl(err, WH_E_INVALID, path);
    l = add_log(r, is_ct);
    l->key = k;
    /* RFC 6962 §3.2 and Rekor: the log ID is sha256 of the DER SubjectPublicKeyInfo. */
    wh_digest_sha256(der, (size_t)n, l->log_id);
    OPENSSL_free(der);
    l->valid_from = (time_t)INT64_MIN;
    return WH_OK;
}

static bool
has_text(struct wh_bytes b, const char *needle)
{
    return memmem(b.ptr, b.len, needle, strlen(needle)) != NULL;
}

enum wh_err
wh_trust_root_load(const char *const *paths, size_t n, const struct wh_limits *limits,
                   struct wh_trust_root **out, struct wh_error *err)
{
    struct wh_trust_root *r = root_new();
    struct wh_arena tmp;
    enum wh_err rc = WH_OK;

    wh_arena_init(&tmp);
    if (n == 0)
        rc = wh_error_set(err, WH_E_INVALID, "trust root: no files given");
    for (size_t i = 0; rc == WH_OK && i < n; i++) {
        const char *path;
        enum kind kind = split_kind(paths[i], &path);
        struct wh_bytes data;
        size_t skip = 0;

        if ((rc = wh_file_read(path, limits->policy_bytes, &tmp, &data, err)) != WH_OK) {
            wh_error_wrap(err, "trust root");
            break;
        }
        while (skip < data.len && isspace(data.ptr[skip]))
            skip++;
        if (kind == KIND_AUTO) {
            if (skip < data.len && data.ptr[skip] == '{')
                kind = KIND_ROOT;
            else if (has_text(data, "-----BEGIN CERTIFICATE-----"))
                kind = KIND_FULCIO;
            else if (has_text(data, "-----BEGIN PUBLIC KEY-----"))
                rc = wh_error_set(err, WH_E_INVALID,
                                  "%s: a public key file needs a kind: tlog=%s or ctlog=%s", path,
                                  path, path);
            else
                rc = wh_error_set(err, WH_E_INVALID,
                                  "%s: neither trusted_root.json nor PEM certificates", path);
        }
        if (rc != WH_OK)
            break;
        switch (kind) {
        case KIND_ROOT:
            rc = parse_into(r, data, path, limits, err);
            break;
        case KIND_FULCIO:
        case KIND_TSA:
            rc = load_pem_certs(r, data, path, kind == KIND_TSA, err);
            break;
        case KIND_TLOG:
        case KIND_CTLOG:
            rc = load_pem_key(r, data, path, kind == KIND_CTLOG, err);
            break;
        case KIND_AUTO:
            rc = wh_error_set(err, WH_E_INTERNAL, "%s: kind not resolved", path);
            break;
        }
    }
    wh_arena_fini(&tmp);
    if (rc != WH_OK) {
        wh_trust_root_unref(r);
        return rc;
    }
    root_seal(r);
    *out = r;
    return WH_OK;
}
