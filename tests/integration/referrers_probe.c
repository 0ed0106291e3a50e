/*
 * Lists an image's OCI referrers the way the webhook finds them and fetches each one:
 *   referrers_probe [--plain HOST:PORT] REGISTRY/REPO@sha256:HEX [ARTIFACT_TYPE]
 * Prints one line per referrer ("<manifest digest> <artifactType> <blob bytes> <predicateType>")
 * then "requests=N"; exit 0 on success, 1 on an error (printed to stderr).
 */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "image/ref.h"
#include "registry/referrers.h"

int
main(int argc, char **argv)
{
    const char *plain[1];
    struct wh_registry_options o = {.limits = WH_LIMITS_DEFAULT};
    struct wh_registry_client *c;
    struct wh_image_ref ref;
    struct wh_registry_descriptor *d;
    struct wh_arena a;
    struct wh_error err = {0};
    size_t n;
    int i = 1, rc = 0;
    int64_t deadline = wh_clock_mono_ms() + 20000;

    if (argc > 2 && strcmp(argv[1], "--plain") == 0) {
        plain[0] = argv[2];
        o.plain_http_hosts = plain;
        o.n_plain_http_hosts = 1;
        i = 3;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: referrers_probe [--plain HOST:PORT] IMAGE@DIGEST [TYPE]\n");
        return 2;
    }
    wh_arena_init(&a);
    if (wh_image_ref_parse(wh_str_c(argv[i]), &a, &ref, &err) != WH_OK || ref.digest == NULL) {
        fprintf(stderr, "referrers_probe: %s: %s\n", argv[i],
                ref.digest == NULL ? "needs a digest" : err.msg);
        return 2;
    }
    if (wh_registry_client_new(&o, &c, &err) != WH_OK) {
        fprintf(stderr, "referrers_probe: %s\n", err.msg);
        return 1;
    }
    if (wh_registry_referrers(c, &ref, ref.digest, i + 1 < argc ? argv[i + 1] : NULL, deadline, &a,
                              &d, &n, &err) != WH_OK) {
        fprintf(stderr, "referrers_probe: %s\n", err.msg);
        rc = 1;
    } else {
        for (size_t k = 0; k < n; k++) {
            struct wh_registry_referrer r;
            const char *pt;

            if (wh_registry_referrer_fetch(c, &ref, ref.digest, &d[k], deadline, &a, &r, &err) !=
                WH_OK) {
                fprintf(stderr, "referrers_probe: %s\n", err.msg);
                rc = 1;
                continue;
            }
            pt = wh_registry_annotation_get(r.annotations, r.n_annotations,
                                            "dev.sigstore.bundle.predicateType");
            printf("%s %s %zu %s\n", r.manifest_digest, r.artifact_type, r.blob.len,
                   pt != NULL ? pt : "-");
        }
    }
    printf("requests=%lu\n", wh_registry_client_requests(c));
    wh_registry_client_free(c);
    wh_arena_fini(&a);
    return rc;
}
