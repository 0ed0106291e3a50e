/* `driftgate verify-bundle`: the sigstore-conformance client protocol for bundle verification,
 * so sigstore's suite (and any bundle) can be checked by hand, plus the evidence thresholds
 * (--require-tlog, --require-timestamps) and sha512 artifacts (npm). Exit 0 verified, 1 not, 2
 * usage or I/O error. */
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/limits.h"
#include "base/str.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "trust/root.h"
#include "verify/bundle.h"
#include "verify/intoto.h"
#include "verify/keyless.h"

#define ARTIFACT_MAX (256u << 20)
#define MAX_ROOTS 8
#define SHA512_LEN 64

struct args {
    const char *bundle;
    const char *key;
    const char *roots[MAX_ROOTS];
    size_t n_roots;
    const char *artifact;
    const char *require_tlog;       /* decimal, default "1" */
    const char *require_timestamps; /* decimal, default "0" */
    struct wh_bundle_policy policy;
};

/* The artifact with the digests its subject may carry: sha512 only for npm-style statements. */
struct artifact {
    struct wh_verify_artifact v; /* bytes and/or sha256, for wh_verify_bundle */
    bool has_sha512;
    unsigned char sha512[SHA512_LEN];
};

static int
usage(void)
{
    fputs(
        "usage: driftgate verify-bundle --bundle FILE\n"
        "         (--certificate-identity ID | --certificate-identity-regexp RE)\n"
        "         (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE)\n"
        "         | --key FILE)\n"
        "         --trusted-root FILE [--trusted-root FILE]...\n"
        "         [--require-tlog N] [--require-timestamps N]\n"
        "         FILE|sha256:<hex>|sha512:<hex>\n"
        "  --require-tlog N        verified transparency log entries needed (default 1; 0 accepts\n"
        "                          a bundle whose only evidence is RFC 3161 timestamps)\n"
        "  --require-timestamps N  verified RFC 3161 timestamps needed (default 0)\n"
        "  sha512:<hex>            a DSSE statement's subject digest (npm provenance)\n"
        "exit: 0 verified, 1 not verified (the reason is printed), 2 usage or I/O error\n",
        stderr);
    return 2;
}

/* "0".."16" (a bundle carries at most WH_BUNDLE_MAX_ENTRIES of each); *out untouched on error. */
static bool
parse_count(const char *flag, const char *text, size_t *out)
{
    size_t n = 0;

    if (text[0] == '\0' || strlen(text) > 2 || strspn(text, "0123456789") != strlen(text))
        goto bad;
    for (const char *p = text; *p != '\0'; p++)
        n = n * 10 + (size_t)(*p - '0');
    if (n > WH_BUNDLE_MAX_ENTRIES)
        goto bad;
    *out = n;
    return true;
bad:
    fprintf(stderr, "driftgate verify-bundle: %s %s: expected a count from 0 to %d\n", flag, text,
            WH_BUNDLE_MAX_ENTRIES);
    return false;
}

/* Strict by default (one tlog entry, no timestamp needed); each relaxation is asked for. */
static bool
parse_thresholds(struct args *o)
{
    size_t tlog = 1;

    if (o->require_tlog != NULL && !parse_count("--require-tlog", o->require_tlog, &tlog))
        return false;
    if (o->require_timestamps != NULL &&
        !parse_count("--require-timestamps", o->require_timestamps, &o->policy.timestamp_threshold))
        return false;
    o->policy.tlog_threshold = tlog;
    o->policy.skip_tlog_unsafe = tlog == 0;
    return true;
}

enum flag {
    F_BUNDLE = 256,
    F_KEY,
    F_IDENTITY,
    F_IDENTITY_RE,
    F_ISSUER,
    F_ISSUER_RE,
    F_TRUSTED_ROOT,
    F_REQUIRE_TLOG,
    F_REQUIRE_TIMESTAMPS,
};

static const struct option flags[] = {
    {"bundle", required_argument, NULL, F_BUNDLE},
    {"key", required_argument, NULL, F_KEY},
    {"certificate-identity", required_argument, NULL, F_IDENTITY},
    {"certificate-identity-regexp", required_argument, NULL, F_IDENTITY_RE},
    {"certificate-oidc-issuer", required_argument, NULL, F_ISSUER},
    {"certificate-oidc-issuer-regexp", required_argument, NULL, F_ISSUER_RE},
    {"trusted-root", required_argument, NULL, F_TRUSTED_ROOT},
    {"require-tlog", required_argument, NULL, F_REQUIRE_TLOG},
    {"require-timestamps", required_argument, NULL, F_REQUIRE_TIMESTAMPS},
    {NULL, 0, NULL, 0},
};

/* Where flag `c` keeps its value; NULL for a --trusted-root past MAX_ROOTS. */
static const char **
slot_of(struct args *o, int c)
{
    switch (c) {
    case F_BUNDLE:
        return &o->bundle;
    case F_KEY:
        return &o->key;
    case F_IDENTITY:
        return &o->policy.san;
    case F_IDENTITY_RE:
        return &o->policy.san_regex;
    case F_ISSUER:
        return &o->policy.issuer;
    case F_ISSUER_RE:
        return &o->policy.issuer_regex;
    case F_REQUIRE_TLOG:
        return &o->require_tlog;
    case F_REQUIRE_TIMESTAMPS:
        return &o->require_timestamps;
    default:
        return o->n_roots < MAX_ROOTS ? &o->roots[o->n_roots++] : NULL;
    }
}

/* Exactly one of the two identity (and issuer) spellings, unless a key verifies. */
static bool
has_identity(const struct args *o)
{
    if (o->key != NULL)
        return true;
    return (o->policy.san == NULL) != (o->policy.san_regex == NULL) &&
           (o->policy.issuer == NULL) != (o->policy.issuer_regex == NULL);
}

static bool
parse_args(int argc, char **argv, struct args *o)
{
    struct wh_cli_args walk = {
        .argc = argc, .argv = argv, .flags = flags, .prog = "driftgate verify-bundle"};
    const char **slot, *v;
    int c;

    memset(o, 0, sizeof(*o));
    while ((c = wh_cli_args_next(&walk, &v)) != -1) {
        if (c == WH_CLI_ARG_BAD)
            return false;
        if (c == WH_CLI_ARG_POSITIONAL) {
            if (o->artifact != NULL)
                return false;
            o->artifact = v;
            continue;
        }
        if ((slot = slot_of(o, c)) == NULL) {
            fprintf(stderr, "driftgate verify-bundle: unknown flag --trusted-root\n");
            return false;
        }
        *slot = v;
    }
    if (o->bundle == NULL || o->artifact == NULL || o->n_roots == 0 || !has_identity(o))
        return false;
    return parse_thresholds(o);
}

/* "<alg>:<2*n lowercase hex>" into out[n]; false when malformed. */
static bool
parse_hex_digest(const char *hex, size_t n, unsigned char *out)
{
    return strlen(hex) == 2 * n && strspn(hex, "0123456789abcdef") == 2 * n &&
           wh_str_hex_decode(hex, n, out);
}

/* FILE, or "sha256:<64 lowercase hex>" / "sha512:<128 lowercase hex>" for an artifact known only
 * by its digest (sha512: a DSSE statement's subject, as npm provenance names tarballs). */
static int
load_artifact(const char *arg, struct wh_arena *a, struct artifact *art)
{
    struct wh_error err = {0};

    memset(art, 0, sizeof(*art));
    if (strncmp(arg, "sha256:", 7) == 0) {
        if (!wh_digest_is_sha256(wh_str_c(arg)) ||
            !parse_hex_digest(arg + 7, WH_SHA256_LEN, art->v.sha256)) {
            fprintf(stderr, "driftgate verify-bundle: %s is not sha256:<64 hex>\n", arg);
            return 2;
        }
        art->v.has_sha256 = true;
        return 0;
    }
    if (strncmp(arg, "sha512:", 7) == 0) {
        if (!parse_hex_digest(arg + 7, SHA512_LEN, art->sha512)) {
            fprintf(stderr, "driftgate verify-bundle: %s is not sha512:<128 lowercase hex>\n", arg);
            return 2;
        }
        art->has_sha512 = true;
        return 0;
    }
    if (wh_file_read(arg, ARTIFACT_MAX, a, &art->v.bytes, &err) != WH_OK) {
        fprintf(stderr, "driftgate verify-bundle: %s\n", err.msg);
        return 2;
    }
    wh_digest_sha256(art->v.bytes.ptr, art->v.bytes.len, art->v.sha256);
    art->v.has_sha256 = true;
    if (EVP_Digest(art->v.bytes.ptr, art->v.bytes.len, art->sha512, NULL, EVP_sha512(), NULL) != 1)
        wh_oom();
    art->has_sha512 = true;
    return 0;
}

static bool
has_sha512(const struct wh_intoto_statement *st)
{
    for (size_t i = 0; i < st->n_subjects; i++)
        if (st->subjects[i].sha512 != NULL)
            return true;
    return false;
}

/* conformance: for a DSSE bundle the artifact is the in-toto statement's subject, by its sha256,
 * or by its sha512 (npm provenance subjects carry only that). */
static enum wh_err
check_subject(const struct wh_bundle_result *r, const struct artifact *art,
              const struct wh_limits *lim, struct wh_arena *a, struct wh_error *err)
{
    struct wh_intoto_statement st;
    char digest[7 + 2 * SHA512_LEN + 1];
    enum wh_err rc;

    if (strcmp(r->payload_type, "application/vnd.in-toto+json") != 0)
        return wh_error_set(err, WH_E_VERIFY, "DSSE payloadType \"%.80s\" is not in-toto",
                            r->payload_type);
    rc = wh_verify_intoto_parse(r->payload, lim, a, &st, err);
    if (rc == WH_OK && art->v.has_sha256) {
        /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): wh_digest_hex adds hex and NUL */
        memcpy(digest, "sha256:", 7);
        wh_digest_hex(art->v.sha256, WH_SHA256_LEN, digest + 7);
        rc = wh_verify_intoto_subject(&st, digest, err);
    }
    /* A file given by its bytes may be named by either digest: sha512 decides when sha256 was not
     * given, or failed and the statement names subjects by sha512. */
    if (((rc == WH_OK && !art->v.has_sha256) || (rc == WH_E_VERIFY && has_sha512(&st))) &&
        art->has_sha512) {
        /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): wh_digest_hex adds hex and NUL */
        memcpy(digest, "sha512:", 7);
        wh_digest_hex(art->sha512, SHA512_LEN, digest + 7);
        rc = wh_verify_intoto_subject(&st, digest, err);
    }
    if (rc != WH_OK)
        return wh_error_wrap(err, "statement");
    return WH_OK;
}

static void
print_verified(const struct wh_bundle_result *r)
{
    char when[32] = "?";
    struct tm tm;

    if (gmtime_r(&r->signing_time, &tm) != NULL)
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (r->is_keyless)
        printf("verified: %s (issuer %s)", r->identity.san,
               r->identity.issuer != NULL ? r->identity.issuer : "-");
    else
        printf("verified: signed by the given key");
    printf(", signed at %s (%s), %zu tlog entr%s, %zu timestamp%s\n", when, r->time_source,
           r->n_tlog_verified, r->n_tlog_verified == 1 ? "y" : "ies", r->n_timestamps_verified,
           r->n_timestamps_verified == 1 ? "" : "s");
}

static enum wh_err
run(const struct args *o, const struct wh_limits *lim, struct wh_arena *a,
    const struct artifact *art, struct wh_trust_root **root, struct wh_bundle_result *r,
    struct wh_error *err)
{
    struct wh_bytes json, pem;
    struct wh_bundle b;
    struct wh_bundle_key key;
    enum wh_err rc;

    rc = wh_trust_root_load(o->roots, o->n_roots, lim, root, err);
    if (rc != WH_OK)
        return wh_error_wrap(err, "trusted root");
    rc = wh_file_read(o->bundle, lim->blob_bytes, a, &json, err);
    if (rc == WH_OK)
        rc = wh_verify_bundle_parse(json, lim, a, &b, err);
    if (rc != WH_OK)
        return rc;
    if (o->key != NULL) {
        rc = wh_file_read(o->key, WH_VERIFY_KEY_PEM_MAX, a, &pem, err);
        if (rc == WH_OK)
            rc = wh_verify_bundle_key_parse(pem, a, &key, err);
        if (rc != WH_OK)
            return wh_error_wrap(err, "%s", o->key);
    }
    if (b.content == WH_BUNDLE_MESSAGE_SIGNATURE && art->v.bytes.ptr == NULL && !art->v.has_sha256)
        return wh_error_set(err, WH_E_INVALID,
                            "a message signature is over the artifact's sha256: give the file or "
                            "sha256:<hex>, not only its sha512");
    rc = wh_verify_bundle(&b, &art->v, *root, o->key != NULL ? &key : NULL, &o->policy, a, r, err);
    if (rc == WH_OK && r->content == WH_BUNDLE_DSSE)
        rc = check_subject(r, art, lim, a, err);
    return rc;
}

int
wh_cli_verify_bundle(int argc, char **argv)
{
    static const struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct args o;
    struct wh_arena a;
    struct artifact art;
    struct wh_trust_root *root = NULL;
    struct wh_bundle_result r;
    struct wh_error err = {0};
    enum wh_err rc;
    int status;

    if (!parse_args(argc, argv, &o))
        return usage();
    wh_arena_init(&a);
    status = load_artifact(o.artifact, &a, &art);
    if (status == 0) {
        rc = run(&o, &lim, &a, &art, &root, &r, &err);
        if (rc == WH_OK) {
            print_verified(&r);
        } else {
            printf("not verified: %s: %s\n", wh_error_name(rc), err.msg);
            status = 1;
        }
    }
    wh_trust_root_unref(root);
    wh_arena_fini(&a);
    return status;
}
