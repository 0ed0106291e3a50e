/* Bundle verification throughput, one thread: parse + wh_verify_bundle (+ statement subject for
 * DSSE) over the bundles listed on the command line, round-robin, for SECONDS. Every bundle is
 * verified once before timing; any failure aborts the bench.
 *   bundle_verify_bench SECONDS TRUSTED_ROOT IDENTITY ISSUER (BUNDLE ARTIFACT)...
 * Prints "driftgate <N> verifications in <S> s: <R>/s". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/arena.h"
#include "base/file.h"
#include "base/limits.h"
#include "trust/root.h"
#include "verify/bundle.h"
#include "verify/intoto.h"
#include "verify/keyless.h"

static const struct wh_limits lim = WH_LIMITS_DEFAULT;

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static enum wh_err
verify_one(struct wh_bytes json, struct wh_bytes art_bytes, const struct wh_trust_root *root,
           const struct wh_bundle_policy *p, struct wh_error *err)
{
    struct wh_arena a;
    struct wh_bundle b;
    struct wh_bundle_result r;
    struct wh_verify_artifact art = {.bytes = art_bytes};
    enum wh_err rc;

    wh_arena_init(&a);
    rc = wh_verify_bundle_parse(json, &lim, &a, &b, err);
    if (rc == WH_OK)
        rc = wh_verify_bundle(&b, &art, root, NULL, p, &a, &r, err);
    if (rc == WH_OK && r.content == WH_BUNDLE_DSSE) {
        struct wh_intoto_statement st;
        char digest[WH_DIGEST_STR_LEN];

        wh_digest_sha256_str(art_bytes.ptr, art_bytes.len, digest);
        rc = wh_verify_intoto_parse(r.payload, &lim, &a, &st, err);
        if (rc == WH_OK)
            rc = wh_verify_intoto_subject(&st, digest, err);
    }
    wh_arena_fini(&a);
    return rc;
}

int
main(int argc, char **argv)
{
    struct wh_arena files;
    struct wh_trust_root *root = NULL;
    struct wh_error err = {0};
    struct wh_bundle_policy p = {0};
    struct wh_bytes *bundles, *arts;
    const char *roots[1];
    double secs, start, elapsed;
    size_t n, done = 0;

    if (argc < 7 || (argc - 5) % 2 != 0) {
        fprintf(stderr, "usage: bundle_verify_bench SECONDS TRUSTED_ROOT IDENTITY ISSUER "
                        "(BUNDLE ARTIFACT)...\n");
        return 2;
    }
    secs = atof(argv[1]);
    roots[0] = argv[2];
    p.san = argv[3];
    p.issuer = argv[4];
    n = (size_t)(argc - 5) / 2;
    wh_arena_init(&files);
    if (wh_trust_root_load(roots, 1, &lim, &root, &err) != WH_OK) {
        fprintf(stderr, "bench: %s\n", err.msg);
        return 2;
    }
    bundles = wh_arena_calloc(&files, n, sizeof(*bundles));
    arts = wh_arena_calloc(&files, n, sizeof(*arts));
    for (size_t i = 0; i < n; i++) {
        if (wh_file_read(argv[5 + 2 * i], lim.blob_bytes, &files, &bundles[i], &err) != WH_OK ||
            wh_file_read(argv[6 + 2 * i], lim.blob_bytes, &files, &arts[i], &err) != WH_OK ||
            verify_one(bundles[i], arts[i], root, &p, &err) != WH_OK) {
            fprintf(stderr, "bench: %s: %s\n", argv[5 + 2 * i], err.msg);
            return 1;
        }
    }
    start = now();
    do {
        for (size_t i = 0; i < n; i++, done++)
            if (verify_one(bundles[i], arts[i], root, &p, &err) != WH_OK) {
                fprintf(stderr, "bench: %s\n", err.msg);
                return 1;
            }
        elapsed = now() - start;
    } while (elapsed < secs);
    printf("driftgate %zu verifications in %.2f s: %.1f/s\n", done, elapsed,
           (double)done / elapsed);
    wh_trust_root_unref(root);
    wh_arena_fini(&files);
    return 0;
}
