/* `driftgate verify-bundle`: the sigstore-conformance client protocol for bundle verification,
 * so sigstore's suite (and any bundle) can be checked by hand. Exit 0 verified, 1 not, 2 usage or
 * I/O error. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/digest.h"
#include "base/file.h"
#include "base/limits.h"
#include "cli/commands.h"
#include "trust/root.h"
#include "verify/bundle.h"
#include "verify/intoto.h"
#include "verify/keyless.h"

#define ARTIFACT_MAX (256u << 20)
#define MAX_ROOTS 8

struct args {
    const char *bundle;
    const char *key;
    const char *roots[MAX_ROOTS];
    size_t n_roots;
    const char *artifact;
    struct wh_bundle_policy policy;
};

static int
usage(void)
{
    fputs("usage: driftgate verify-bundle --bundle FILE\n"
          "         (--certificate-identity ID | --certificate-identity-regexp RE)\n"
          "         (--certificate-oidc-issuer URL | --certificate-oidc-issuer-regexp RE)\n"
          "         | --key FILE)\n"
          "         --trusted-root FILE [--trusted-root FILE]... FILE|sha256:<hex>\n"
          "exit: 0 verified, 1 not verified (the reason is printed), 2 usage or I/O error\n",
          stderr);
    return 2;
}

static bool
parse_args(int argc, char **argv, struct args *o)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        const char **slot = NULL;

        if (strcmp(f, "--bundle") == 0)
            slot = &o->bundle;
        else if (strcmp(f, "--key") == 0)
            slot = &o->key;
        else if (strcmp(f, "--certificate-identity") == 0)
            slot = &o->policy.san;
        else if (strcmp(f, "--certificate-identity-regexp") == 0)
            slot = &o->policy.san_regex;
        else if (strcmp(f, "--certificate-oidc-issuer") == 0)
            slot = &o->policy.issuer;
        else if (strcmp(f, "--certificate-oidc-issuer-regexp") == 0)
            slot = &o->policy.issuer_regex;
        else if (strcmp(f, "--trusted-root") == 0 && o->n_roots < MAX_ROOTS)
            slot = &o->roots[o->n_roots++];
        if (slot == NULL && f[0] == '-' && f[1] == '-') {
            fprintf(stderr, "driftgate verify-bundle: unknown flag %s\n", f);
            return false;
        }
        if (slot == NULL) {
            if (o->artifact != NULL)
                return false;
            o->artifact = f;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "driftgate verify-bundle: %s needs a value\n", f);
            return false;
        }
        *slot = argv[++i];
    }
    if (o->bundle == NULL || o->artifact == NULL || o->n_roots == 0)
        return false;
    if (o->key == NULL && (o->policy.san == NULL) == (o->policy.san_regex == NULL))
        return false;
    if (o->key == NULL && (o->policy.issuer == NULL) == (o->policy.issuer_regex == NULL))
        return false;
    return true;
}

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* FILE, or "sha256:<64 lowercase hex>" for an artifact known only by its digest. */
static int
load_artifact(const char *arg, struct wh_arena *a, struct wh_verify_artifact *art)
{
    struct wh_error err = {0};

    memset(art, 0, sizeof(*art));
    if (strncmp(arg, "sha256:", 7) == 0) {
        if (!wh_digest_is_sha256(wh_str_c(arg))) {
            fprintf(stderr, "driftgate verify-bundle: %s is not sha256:<64 hex>\n", arg);
            return 2;
        }
        for (size_t i = 0; i < WH_SHA256_LEN; i++)
            art->sha256[i] = (unsigned char)(hexval(arg[7 + 2 * i]) << 4 | hexval(arg[8 + 2 * i]));
        art->has_sha256 = true;
        return 0;
    }
    if (wh_file_read(arg, ARTIFACT_MAX, a, &art->bytes, &err) != WH_OK) {
        fprintf(stderr, "driftgate verify-bundle: %s\n", err.msg);
        return 2;
    }
    wh_digest_sha256(art->bytes.ptr, art->bytes.len, art->sha256);
    art->has_sha256 = true;
    return 0;
}

/* conformance: for a DSSE bundle the artifact is the in-toto statement's subject. */
static enum wh_err
check_subject(const struct wh_bundle_result *r, const struct wh_verify_artifact *art,
              const struct wh_limits *lim, struct wh_arena *a, struct wh_error *err)
{
    struct wh_intoto_statement st;
    char digest[WH_DIGEST_STR_LEN];
    enum wh_err rc;

    if (strcmp(r->payload_type, "application/vnd.in-toto+json") != 0)
        return wh_error_set(err, WH_E_VERIFY, "DSSE payloadType \"%.80s\" is not in-toto",
                            r->payload_type);
    memcpy(digest, "sha256:", 7);
    wh_digest_hex(art->sha256, WH_SHA256_LEN, digest + 7);
    rc = wh_verify_intoto_parse(r->payload, lim, a, &st, err);
    if (rc == WH_OK)
        rc = wh_verify_intoto_subject(&st, digest, err);
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
    const struct wh_verify_artifact *art, struct wh_trust_root **root, struct wh_bundle_result *r,
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
    rc = wh_verify_bundle(&b, art, *root, o->key != NULL ? &key : NULL, &o->policy, a, r, err);
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
    struct wh_verify_artifact art;
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
