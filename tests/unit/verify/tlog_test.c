/* verify/tlog.c: the rekor-set vectors, every sigstore-conformance bundle's tlog entry against its
 * trusted root, and entries minted here (multi-leaf trees, checkpoints, SETs) with OpenSSL keys. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/str.h"
#include "support/testsign.h"
#include "trust/root.h"
#include "unit/harness.h"
#include "verify/tlog.h"
#include "verify/tsa.h"

static const char *
vec(struct wh_arena *a, const char *name)
{
    const char *shared = getenv("DG_SHARED");

    return wh_arena_sprintf(a, "%s/vectors/%s", shared != NULL ? shared : "../shared", name);
}

static struct wh_bytes
read_vec(struct wh_arena *a, const char *name)
{
    struct wh_bytes out = {NULL, 0};
    struct wh_error err = {0};

    if (wh_file_read(vec(a, name), 4 << 20, a, &out, &err) != WH_OK) {
        fprintf(stderr, "read %s: %s\n", name, err.msg);
        exit(2);
    }
    return out;
}

static void
free_pkey(void *p)
{
    EVP_PKEY_free(p);
}

static EVP_PKEY *
pem_pubkey(struct wh_bytes pem, struct wh_arena *a)
{
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    EVP_PKEY *k = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);

    BIO_free(bio);
    if (k == NULL)
        exit(2);
    wh_arena_defer(a, free_pkey, k);
    return k;
}

/* DER inside the first PEM block (certificate or public key). */
static struct wh_bytes
pem_der(struct wh_bytes pem, struct wh_arena *a)
{
    BIO *bio = BIO_new_mem_buf(pem.ptr, (int)pem.len);
    char *name, *header;
    unsigned char *der;
    long len;
    struct wh_bytes out;

    if (PEM_read_bio(bio, &name, &header, &der, &len) != 1)
        exit(2);
    BIO_free(bio);
    out = (struct wh_bytes){wh_arena_memdup(a, der, (size_t)len), (size_t)len};
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(der);
    return out;
}

/* ---- the rekor-set vector (cosign annotation, production Rekor) ---- */

static void
test_rekor_set_vectors(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_tlog_entry e;
    struct wh_tlog_expect x = {0};
    EVP_PKEY *rekor, *other;
    struct wh_bytes payload, layer;
    json_t *m;
    const char *ann;

    wh_arena_init(&a);
    rekor = pem_pubkey(read_vec(&a, "trust/rekor.pub"), &a);
    other = pem_pubkey(read_vec(&a, "cosign-classic/keys/cosign.pub"), &a);
    ok(wh_verify_tlog_entry_parse_cosign(read_vec(&a, "cosign-classic/rekor-set/rekor-set"), &a, &e,
                                         &err) == WH_OK,
       "rekor-set parses: %s", err.msg);
    ok(strcmp(e.kind, "hashedrekord") == 0 && strcmp(e.api_version, "0.0.1") == 0,
       "rekor-set is a hashedrekord 0.0.1");
    /* INDEX: rekor-set pass */
    ok(wh_verify_tlog_set(&e, rekor, &err) == WH_OK, "SET verifies with trust/rekor.pub: %s",
       err.msg);
    /* INDEX: rekor-set fail [with cosign.pub] */
    ok(wh_verify_tlog_set(&e, other, &err) == WH_E_VERIFY &&
           strstr(err.msg, "signed entry timestamp does not verify") != NULL,
       "SET with another key is WH_E_VERIFY: %s", err.msg);
    payload = read_vec(&a, "cosign-classic/rekor-set/rekor-payload");
    x.has_artifact_sha256 = true;
    wh_digest_sha256(payload.ptr, payload.len, x.artifact_sha256);
    x.signature = testsign_b64(
        wh_arena_strndup(&a, (const char *)read_vec(&a, "cosign-classic/rekor-set/rekor-sig").ptr,
                         96),
        &a);
    x.verifier = pem_der(read_vec(&a, "cosign-classic/rekor-set/rekor-cert"), &a);
    ok(x.signature.len > 0, "rekor-sig decodes");
    ok(wh_verify_tlog_body(&e, &x, &err) == WH_OK, "body carries payload hash, sig and cert: %s",
       err.msg);
    /* INDEX: rekor-set fail [swap material]: another signature's certificate and signature. */
    layer = read_vec(&a, "cosign-classic/dir-img-cosign-fulcio-rekor-valid/manifest.json");
    (void)layer;
    m = json_load_file(vec(&a, "cosign-classic/dir-img-cosign-fulcio-rekor-valid/signature-1"), 0,
                       NULL);
    ann = NULL;
    if (m == NULL) {
        /* containers/image "sigstore-json" file: a 1-byte prefix + "sigstore-json\n" + JSON */
        struct wh_bytes raw =
            read_vec(&a, "cosign-classic/dir-img-cosign-fulcio-rekor-valid/signature-1");
        const char *j = memchr(raw.ptr, '{', raw.len);

        m = j != NULL ? json_loadb(j, raw.len - (size_t)(j - (const char *)raw.ptr), 0, NULL)
                      : NULL;
    }
    ann = json_string_value(
        json_object_get(json_object_get(m, "annotations"), "dev.sigstore.cosign/certificate"));
    ok(ann != NULL, "other signature's certificate found");
    if (ann != NULL) {
        struct wh_tlog_expect y = x;
        const char *sig = json_string_value(json_object_get(json_object_get(m, "annotations"),
                                                            "dev.cosignproject.cosign/signature"));

        y.verifier = pem_der((struct wh_bytes){(const unsigned char *)ann, strlen(ann)}, &a);
        ok(wh_verify_tlog_body(&e, &y, &err) == WH_E_VERIFY &&
               strstr(err.msg, "public key is not the certificate or key that verified") != NULL,
           "another certificate is WH_E_VERIFY: %s", err.msg);
        y = x;
        y.signature = testsign_b64(sig, &a);
        ok(wh_verify_tlog_body(&e, &y, &err) == WH_E_VERIFY &&
               strstr(err.msg, "signature differs") != NULL,
           "another signature is WH_E_VERIFY: %s", err.msg);
        y = x;
        y.artifact_sha256[0] ^= 1;
        ok(wh_verify_tlog_body(&e, &y, &err) == WH_E_VERIFY &&
               strstr(err.msg, "artifact hash differs") != NULL,
           "another artifact is WH_E_VERIFY: %s", err.msg);
    }
    json_decref(m);
    /* A tampered SET payload (index off by one) no longer verifies. */
    e.log_index++;
    ok(wh_verify_tlog_set(&e, rekor, &err) == WH_E_VERIFY, "SET over another logIndex fails");
    wh_arena_fini(&a);
}

/* ---- sigstore-conformance: every case's tlog entry ---- */

/* Fail cases whose defect lives in the tlog entry (the others fail in cert/identity/signature
 * checks, outside this module). */
static const char *const tlog_fail_cases[] = {
    "checkpoint-bad-keyhint_fail",
    "checkpoint-wrong-roothash_fail",
    "inclusion-proof-corrupted-hash_fail",
    "invalid-inclusion-proof_fail",
    "invalid-checkpoint-signature_fail",
    "set-invalid-signature_fail",
    "incorrect-public-key_fail",
    "wrong-hashedrekord-artifact_fail",
    "wrong-hashedrekord-cert-and-sig_fail",
    "wrong-hashedrekord-entry_fail",
    "intoto-log-entry-mismatch_fail",
    "intoto-missing-inclusion-proof_fail",
    "rekor2-checkpoint-missing-log-signature_fail",
    "rekor2-checkpoint-missing-origin_fail",
    "rekor2-checkpoint-missing-root-hash_fail",
    "rekor2-checkpoint-missing-size_fail",
    "rekor2-checkpoint-no-matching-signature_fail",
    "rekor2-no-inclusion-proof_fail",
    "rekor2-no-timestamp_fail",
    "bundle-negative-log-index_fail",
    "dsse-mismatch-envelope_fail",
    "rekor2-dsse-mismatch-envelope_fail",
    NULL,
};

static bool
is_tlog_fail_case(const char *name)
{
    size_t i;

    for (i = 0; tlog_fail_cases[i] != NULL; i++)
        if (strcmp(tlog_fail_cases[i], name) == 0)
            return true;
    return false;
}

/* The steps of wh_verify_tlog_entry with the log key read here from trusted_root.json "tlogs", for
 * roots trust/root.c does not load (yet): keeps this module's coverage independent of it. */
static enum wh_err
check_with_local_tlogs(struct wh_bytes root_json, const struct wh_tlog_entry *e,
                       const struct wh_tlog_expect *x, struct wh_arena *a, struct wh_error *err)
{
    json_t *tr = json_loadb((const char *)root_json.ptr, root_json.len, 0, NULL), *t;
    size_t i;
    enum wh_err rc = WH_E_NOT_FOUND;

    wh_error_set(err, WH_E_NOT_FOUND, "no trusted transparency log with the entry's ID");
    json_array_foreach(json_object_get(tr, "tlogs"), i, t)
    {
        struct wh_bytes id = testsign_b64(
            json_string_value(json_object_get(json_object_get(t, "logId"), "keyId")), a);
        struct wh_bytes der = testsign_b64(
            json_string_value(json_object_get(json_object_get(t, "publicKey"), "rawBytes")), a);
        const unsigned char *p = der.ptr;
        EVP_PKEY *k;

        if (id.len != 32 || memcmp(id.ptr, e->log_id, 32) != 0 || der.len == 0)
            continue;
        k = d2i_PUBKEY(NULL, &p, (long)der.len);
        if (k == NULL)
            continue;
        wh_arena_defer(a, free_pkey, k);
        rc = wh_verify_tlog_body(e, x, err);
        if (rc == WH_OK && e->set.len > 0)
            rc = wh_verify_tlog_set(e, k, err);
        if (rc == WH_OK && e->proof.present)
            rc = wh_verify_tlog_inclusion(e, k, err);
        else if (rc == WH_OK && x->require_inclusion_proof)
            rc = wh_error_set(err, WH_E_VERIFY, "tlog entry has no inclusion proof");
        break;
    }
    json_decref(tr);
    return rc;
}

/* Runs this module's checks on one bundle; WH_OK when the tlog entry is sound. */
static enum wh_err
check_case(json_t *c, struct wh_arena *a, struct wh_error *err)
{
    const struct wh_limits limits = WH_LIMITS_DEFAULT;
    struct wh_trust_root *root = NULL;
    struct wh_tlog_entry e;
    struct wh_tlog_expect x = {0};
    json_t *b, *vm, *entry, *dsse, *ts;
    struct wh_bytes raw, root_json, cert = {NULL, 0}, sigbytes = {NULL, 0};
    struct wh_error root_err = {0};
    const char *media, *key;
    char *dump;
    time_t ts_time = 0, signed_time = 0;
    enum wh_err rc;

    raw = read_vec(a, json_string_value(json_object_get(c, "bundle")));
    b = json_loadb((const char *)raw.ptr, raw.len, 0, NULL);
    if (b == NULL)
        return wh_error_set(err, WH_E_INVALID, "bundle is not JSON");
    vm = json_object_get(b, "verificationMaterial");
    entry = json_array_get(json_object_get(vm, "tlogEntries"), 0);
    if (entry == NULL) {
        json_decref(b);
        return wh_error_set(err, WH_E_NOT_FOUND, "no tlog entry");
    }
    dump = json_dumps(entry, JSON_COMPACT);
    rc = wh_verify_tlog_entry_parse_bundle((struct wh_bytes){(unsigned char *)dump, strlen(dump)},
                                           a, &e, err);
    free(dump);
    if (rc != WH_OK) {
        json_decref(b);
        return rc;
    }
    root_json = read_vec(a, json_string_value(json_object_get(c, "trusted_root")));
    if (wh_trust_root_parse(root_json, "trusted_root", &limits, &root, &root_err) != WH_OK) {
        printf("# trust/root.c refuses %s: %s; using the test's tlog reader\n",
               json_string_value(json_object_get(c, "trusted_root")), root_err.msg);
        root = NULL;
    }
    media = json_string_value(json_object_get(b, "mediaType"));
    x.require_inclusion_proof = media == NULL || strstr(media, "0.1") == NULL;
    key = json_string_value(json_object_get(c, "key"));
    if (json_object_get(vm, "certificate") != NULL)
        cert = testsign_b64(
            json_string_value(json_object_get(json_object_get(vm, "certificate"), "rawBytes")), a);
    else if (json_object_get(vm, "x509CertificateChain") != NULL)
        cert = testsign_b64(
            json_string_value(json_object_get(
                json_array_get(
                    json_object_get(json_object_get(vm, "x509CertificateChain"), "certificates"),
                    0),
                "rawBytes")),
            a);
    else if (key != NULL)
        cert = pem_der(read_vec(a, key), a);
    x.verifier = cert;
    dsse = json_object_get(b, "dsseEnvelope");
    if (dsse != NULL) {
        const char *type = json_string_value(json_object_get(dsse, "payloadType"));
        struct wh_bytes pae;

        x.payload = testsign_b64(json_string_value(json_object_get(dsse, "payload")), a);
        sigbytes = testsign_b64(json_string_value(json_object_get(
                                    json_array_get(json_object_get(dsse, "signatures"), 0), "sig")),
                                a);
        /* Rekor v2 logs a DSSE signature as a hashedrekord over its PAE. */
        pae = testsign_pae(type != NULL ? type : "", x.payload, a);
        x.has_artifact_sha256 = true;
        wh_digest_sha256(pae.ptr, pae.len, x.artifact_sha256);
    } else {
        const char *hex = json_string_value(json_object_get(c, "artifact_sha256"));
        size_t i;

        sigbytes = testsign_b64(
            json_string_value(json_object_get(json_object_get(b, "messageSignature"), "signature")),
            a);
        x.has_artifact_sha256 = hex != NULL && strlen(hex) == 64;
        for (i = 0; x.has_artifact_sha256 && i < 32; i++) {
            char h[3] = {hex[2 * i], hex[2 * i + 1], 0};
            x.artifact_sha256[i] = (unsigned char)strtoul(h, NULL, 16);
        }
    }
    x.signature = sigbytes;
    ts = json_array_get(
        json_object_get(json_object_get(vm, "timestampVerificationData"), "rfc3161Timestamps"), 0);
    if (root == NULL) {
        rc = check_with_local_tlogs(root_json, &e, &x, a, err);
        /* Same rule as wh_verify_tlog_entry: some signed time must exist (SET or timestamp). */
        if (rc == WH_OK && e.set.len == 0 && ts == NULL)
            rc = wh_error_set(err, WH_E_VERIFY, "no SET and no signed timestamp");
        json_decref(b);
        return rc;
    }
    if (ts != NULL) {
        struct wh_error tserr = {0};

        if (wh_verify_timestamp(
                testsign_b64(json_string_value(json_object_get(ts, "signedTimestamp")), a),
                sigbytes, root, &ts_time, &tserr) != WH_OK)
            ts_time = 0;
    }
    rc = wh_verify_tlog_entry(&e, root, &x, ts_time, &signed_time, err);
    if (rc == WH_OK && signed_time == 0)
        rc = wh_error_set(err, WH_E_INTERNAL, "no signed time");
    wh_trust_root_unref(root);
    json_decref(b);
    return rc;
}

static void
test_conformance_tlog_entries(void)
{
    struct wh_arena a;
    json_t *exp, *cases, *c;
    const char *name;
    int pass = 0, fail = 0, other = 0;

    wh_arena_init(&a);
    exp = json_load_file(vec(&a, "sigstore-conformance/expectations.json"), 0, NULL);
    cases = json_object_get(exp, "cases");
    ok(json_object_size(cases) > 50, "conformance cases: %zu", json_object_size(cases));
    json_object_foreach(cases, name, c)
    {
        struct wh_error err = {0};
        const char *want = json_string_value(json_object_get(c, "expect"));
        enum wh_err rc = check_case(c, &a, &err);

        if (strcmp(want, "pass") == 0) {
            ok(rc == WH_OK, "conformance %s: tlog entry verifies: %s", name, err.msg);
            pass++;
        } else if (is_tlog_fail_case(name)) {
            ok(rc != WH_OK, "conformance %s: tlog check fails: %s %s", name, wh_error_name(rc),
               err.msg);
            fail++;
        } else {
            printf("# conformance %s: not a tlog defect; tlog check says %s %s\n", name,
                   wh_error_name(rc), err.msg);
            other++;
        }
    }
    printf("# conformance: %d pass cases, %d tlog fail cases, %d others\n", pass, fail, other);
    json_decref(exp);
    wh_arena_fini(&a);
}

/* ---- minted entries: an independent RFC 6962 tree, checkpoints and SETs ---- */

#define LEAVES 7

/* MTH(D[lo:hi]) per RFC 6962 §2.1, written independently of tlog.c's iterative check. */
static void
mth(unsigned char leaves[][32], int lo, int hi, unsigned char out[32])
{
    unsigned char buf[65], l[32], r[32];
    int k = 1;

    if (hi - lo == 1) {
        memcpy(out, leaves[lo], 32);
        return;
    }
    while (k * 2 < hi - lo)
        k *= 2;
    mth(leaves, lo, lo + k, l);
    mth(leaves, lo + k, hi, r);
    buf[0] = 1;
    memcpy(buf + 1, l, 32);
    memcpy(buf + 33, r, 32);
    wh_digest_sha256(buf, sizeof(buf), out);
}

/* PATH(m, D[lo:hi]) per RFC 6962 §2.1.1, leaf-side first. */
static void
path(unsigned char leaves[][32], int m, int lo, int hi, unsigned char (*out)[32], size_t *n)
{
    int k = 1;

    if (hi - lo == 1)
        return;
    while (k * 2 < hi - lo)
        k *= 2;
    if (m - lo < k) {
        path(leaves, m, lo, lo + k, out, n);
        mth(leaves, lo + k, hi, out[(*n)++]);
    } else {
        path(leaves, m, lo + k, hi, out, n);
        mth(leaves, lo, lo + k, out[(*n)++]);
    }
}

static char *
checkpoint(EVP_PKEY *key, const unsigned char id[32], const char *origin, int64_t size,
           const unsigned char root[32], struct wh_arena *a)
{
    char *text = wh_arena_sprintf(a, "%s\n%lld\n%s\n", origin, (long long)size,
                                  wh_digest_base64_encode(root, 32, a));
    struct wh_bytes sig =
        testsign_sign(key, NULL, (struct wh_bytes){(unsigned char *)text, strlen(text)}, a);
    unsigned char *blob = wh_arena_alloc(a, sig.len + 4);

    memcpy(blob, id, 4);
    memcpy(blob + 4, sig.ptr, sig.len);
    {
        const char *dash = strstr(origin, " - ");
        int name_len = dash != NULL ? (int)(dash - origin) : (int)strlen(origin);

        return wh_arena_sprintf(a, "%s\n\xE2\x80\x94 %.*s %s\n", text, name_len, origin,
                                wh_digest_base64_encode(blob, sig.len + 4, a));
    }
}

static void
log_id_of(EVP_PKEY *key, struct wh_arena *a, unsigned char id[32])
{
    struct wh_bytes der = testsign_pubkey_der(key, a);

    wh_digest_sha256(der.ptr, der.len, id);
}

static void
test_minted_tree_proofs_and_checkpoints(const char *kind)
{
    struct wh_arena a;
    struct wh_error err = {0};
    EVP_PKEY *key, *other;
    unsigned char leaves[LEAVES][32], root[32], id[32], other_id[32];
    unsigned char(*hashes)[32];
    struct wh_tlog_entry e;
    char body[64];
    int m, good = 0;

    wh_arena_init(&a);
    key = testsign_key_new(kind, &a);
    other = testsign_key_new(kind, &a);
    log_id_of(key, &a, id);
    log_id_of(other, &a, other_id);
    for (m = 0; m < LEAVES; m++) {
        snprintf(body, sizeof(body), "{\"leaf\":%d}", m);
        wh_verify_tlog_leaf_hash((struct wh_bytes){(unsigned char *)body, strlen(body)}, leaves[m]);
    }
    mth(leaves, 0, LEAVES, root);
    for (m = 0; m < LEAVES; m++) {
        hashes = wh_arena_calloc(&a, 8, 32);
        memset(&e, 0, sizeof(e));
        snprintf(body, sizeof(body), "{\"leaf\":%d}", m);
        e.body = (struct wh_bytes){wh_arena_memdup(&a, body, strlen(body)), strlen(body)};
        memcpy(e.log_id, id, 32);
        e.proof.present = true;
        e.proof.log_index = m;
        e.proof.tree_size = LEAVES;
        memcpy(e.proof.root_hash, root, 32);
        e.proof.hashes = hashes;
        path(leaves, m, 0, LEAVES, hashes, &e.proof.n_hashes);
        e.proof.checkpoint = wh_str_c(checkpoint(key, id, "log.test - 42", LEAVES, root, &a));
        good += wh_verify_tlog_inclusion(&e, key, &err) == WH_OK;
        if (m == 2) {
            struct wh_tlog_entry f = e;

            f.proof.log_index = 3; /* off by one */
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "computed root hash differs") != NULL,
               "%s: index off by one is WH_E_VERIFY: %s", kind, err.msg);
            f = e;
            f.proof.tree_size = LEAVES + 1;
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY,
               "%s: tree size off by one is WH_E_VERIFY: %s", kind, err.msg);
            f.proof.tree_size = LEAVES - 1;
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY,
               "%s: tree size one short is WH_E_VERIFY: %s", kind, err.msg);
            f = e;
            f.proof.hashes = wh_arena_memdup(&a, hashes, 8 * 32);
            f.proof.hashes[1][5] ^= 0x40;
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "computed root hash differs") != NULL,
               "%s: a wrong proof hash is WH_E_VERIFY: %s", kind, err.msg);
            f = e;
            f.proof.n_hashes--;
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "fewer than the tree needs") != NULL,
               "%s: a missing proof hash is WH_E_VERIFY: %s", kind, err.msg);
            f = e;
            f.proof.log_index = LEAVES;
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "outside a tree") != NULL,
               "%s: index past the tree is WH_E_VERIFY: %s", kind, err.msg);
            /* checkpoint of another log: signed by its key (hint differs from our log ID) */
            f = e;
            f.proof.checkpoint =
                wh_str_c(checkpoint(other, other_id, "log.test - 42", LEAVES, root, &a));
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "no signature with the log's key hint") != NULL,
               "%s: checkpoint of another log's key is WH_E_VERIFY: %s", kind, err.msg);
            /* ... or claiming our hint but signed by the other key */
            f.proof.checkpoint = wh_str_c(checkpoint(other, id, "log.test - 42", LEAVES, root, &a));
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "checkpoint signature does not verify") != NULL,
               "%s: checkpoint forged with our hint is WH_E_VERIFY: %s", kind, err.msg);
            /* ... or another key under our hint and another origin */
            f.proof.checkpoint = wh_str_c(
                checkpoint(other, id, "rekor-00001-deployment-abc - 42", LEAVES, root, &a));
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "checkpoint signature does not verify") != NULL,
               "%s: another origin forged with our hint is WH_E_VERIFY: %s", kind, err.msg);
            /* Issue 11: the origin line is the deployment's name, not the log URL's host; the
             * log's key binds the checkpoint (sigstore-go). */
            f.proof.checkpoint = wh_str_c(
                checkpoint(key, id, "rekor-00001-deployment-abc - 6364", LEAVES, root, &a));
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_OK,
               "%s: a checkpoint with a private deployment's origin, signed by the log key, "
               "verifies: %s",
               kind, err.msg);
            /* The hint is sha256(SPKI)[0:4] even when the trust root names the log otherwise. */
            f.log_id[0] ^= 0xff;
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_OK,
               "%s: the key hint is the log key's SPKI hash, whatever the log ID: %s", kind,
               err.msg);
            f.proof.checkpoint =
                wh_str_c(checkpoint(other, f.log_id, "log.test - 42", LEAVES, root, &a));
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "checkpoint signature does not verify") != NULL,
               "%s: another key under the log ID's hint is WH_E_VERIFY: %s", kind, err.msg);
            f.log_id[0] ^= 0xff;
            /* a checkpoint of another tree size / root */
            f.proof.checkpoint = wh_str_c(checkpoint(key, id, "log.test", LEAVES + 1, root, &a));
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "checkpoint tree size") != NULL,
               "%s: checkpoint of another size is WH_E_VERIFY: %s", kind, err.msg);
            f.proof.checkpoint = wh_str_c(checkpoint(key, id, "log.test", LEAVES, leaves[0], &a));
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_VERIFY &&
                   strstr(err.msg, "checkpoint root hash differs") != NULL,
               "%s: checkpoint of another root is WH_E_VERIFY: %s", kind, err.msg);
            f.proof.checkpoint = (struct wh_str){NULL, 0};
            ok(wh_verify_tlog_inclusion(&f, key, &err) == WH_E_NOT_FOUND,
               "%s: proof without checkpoint is WH_E_NOT_FOUND: %s", kind, err.msg);
            /* SET: signed by our key verifies, by another does not */
            f = e;
            f.has_integrated_time = true;
            f.integrated_time = 1700000000;
            f.log_index = 123456;
            {
                struct wh_bytes p;

                ok(wh_verify_tlog_set_payload(&f, &a, &p, &err) == WH_OK, "%s: SET payload", kind);
                f.set = testsign_sign(key, NULL, p, &a);
                ok(wh_verify_tlog_set(&f, key, &err) == WH_OK, "%s: minted SET verifies: %s", kind,
                   err.msg);
                f.set = testsign_sign(other, NULL, p, &a);
                ok(wh_verify_tlog_set(&f, key, &err) == WH_E_VERIFY,
                   "%s: SET signed by another key is WH_E_VERIFY: %s", kind, err.msg);
                f.set = (struct wh_bytes){NULL, 0};
                ok(wh_verify_tlog_set(&f, key, &err) == WH_E_NOT_FOUND,
                   "%s: no SET is WH_E_NOT_FOUND", kind);
            }
        }
    }
    ok(good == LEAVES, "%s: all %d leaves of a %d-leaf tree prove inclusion", kind, good, LEAVES);
    wh_arena_fini(&a);
}

static void
test_set_payload_matches_cosign_form(void)
{
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_tlog_entry e = {0};
    struct wh_bytes p;

    wh_arena_init(&a);
    e.body = (struct wh_bytes){(const unsigned char *)"hi", 2};
    memset(e.log_id, 0xab, 32);
    e.log_index = 7;
    e.integrated_time = 1674247893;
    e.has_integrated_time = true;
    ok(wh_verify_tlog_set_payload(&e, &a, &p, &err) == WH_OK &&
           strcmp((const char *)p.ptr,
                  "{\"body\":\"aGk=\",\"integratedTime\":1674247893,\"logID\":"
                  "\"abababababababababababababababababababababababababababababababab\","
                  "\"logIndex\":7}") == 0,
       "SET payload is sorted, compact: %s", p.ptr);
    wh_arena_fini(&a);
}

static void
test_malformed_entries_are_rejected(void)
{
    static const char *const bad[] = {
        "",
        "[]",
        "{\"SignedEntryTimestamp\":\"!!\",\"Payload\":{}}",
        "{\"SignedEntryTimestamp\":\"AA==\",\"Payload\":{\"body\":\"e30=\",\"integratedTime\":1,"
        "\"logIndex\":-1,\"logID\":\"00\"}}",
        "{\"SignedEntryTimestamp\":\"AA==\",\"Payload\":{\"body\":\"e30=\",\"integratedTime\":1,"
        "\"logIndex\":1,\"logID\":\"zz\"}}",
        NULL,
    };
    struct wh_arena a;
    struct wh_error err = {0};
    struct wh_tlog_entry e;
    size_t i;

    wh_arena_init(&a);
    for (i = 0; bad[i] != NULL; i++)
        ok(wh_verify_tlog_entry_parse_cosign(
               (struct wh_bytes){(const unsigned char *)bad[i], strlen(bad[i])}, &a, &e, &err) ==
               WH_E_INVALID,
           "malformed cosign bundle %zu is WH_E_INVALID: %s", i, err.msg);
    ok(wh_verify_tlog_entry_parse_bundle(
           (struct wh_bytes){(const unsigned char *)"{\"logIndex\":\"-5\"}", 17}, &a, &e, &err) ==
               WH_E_INVALID &&
           strstr(err.msg, "negative") != NULL,
       "negative bundle logIndex is WH_E_INVALID: %s", err.msg);
    wh_arena_fini(&a);
}

int
main(void)
{
    test_set_payload_matches_cosign_form();
    test_malformed_entries_are_rejected();
    test_minted_tree_proofs_and_checkpoints("ec-p256");
    test_minted_tree_proofs_and_checkpoints("ed25519");
    test_rekor_set_vectors();
    test_conformance_tlog_entries();
    return done_testing();
}
