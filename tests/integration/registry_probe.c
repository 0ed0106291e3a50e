/*
 * registry_probe: drives webhook/registry against a real registry for
 * tests/integration/registry_test.sh. Resolves REF, then fetches the cosign layers for each
 * SUFFIX (sig|att), printing key=value lines (digest, layers, annotations, request counts).
 * On failure prints "error=<code>: <message>" and exits 1; usage errors exit 2. --then resolves
 * one more REF afterwards with the same client (same connections and TLS state), printing
 * "then.digest=" or "then.error=<code>: <message>".
 *
 *   registry_probe [--docker-config FILE] [--ca-file PEM] [--plain HOST:PORT]...
 *                  [--registry-ca HOST[:PORT]=PEM]... [--then REF]
 *                  [--timeout-ms N] [--repeat]
 *                  [--manifest REFERENCE] REF [SUFFIX...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/clock.h"
#include "base/error.h"
#include "base/limits.h"
#include "image/ref.h"
#include "registry/client.h"
#include "registry/cosign_refs.h"

#define MAX_PLAIN 8
#define MAX_CAS 8

static int
fail(const struct wh_error *err)
{
    printf("error=%s: %s\n", wh_error_name(err->code), err->msg);
    return 1;
}

static int
usage(void)
{
    fprintf(stderr, "usage: registry_probe [--docker-config FILE] [--ca-file PEM] "
                    "[--plain HOST:PORT]... [--registry-ca HOST=PEM]... [--then REF] "
                    "[--timeout-ms N] [--repeat] [--manifest REFERENCE] REF [sig|att]...\n");
    return 2;
}

static void
print_opt(const char *key, size_t i, const char *value)
{
    if (value != NULL)
        printf("layer[%zu].%s=%s\n", i, key, value);
}

static int
run(struct wh_registry_client *c, struct wh_arena *a, const struct wh_image_ref *ref,
    int64_t timeout_ms, bool repeat, const char *manifest_ref, char **suffixes, int n_suffixes)
{
    struct wh_error err;
    const char *digest;
    unsigned long before;

    before = wh_registry_client_requests(c);
    if (wh_registry_resolve(c, ref, wh_clock_mono_ms() + timeout_ms, a, &digest, &err) != WH_OK)
        return fail(&err);
    printf("digest=%s\n", digest);
    printf("requests.resolve=%lu\n", wh_registry_client_requests(c) - before);
    if (repeat) {
        before = wh_registry_client_requests(c);
        if (wh_registry_resolve(c, ref, wh_clock_mono_ms() + timeout_ms, a, &digest, &err) != WH_OK)
            return fail(&err);
        printf("requests.resolve_again=%lu\n", wh_registry_client_requests(c) - before);
    }
    if (manifest_ref != NULL) {
        struct wh_registry_manifest m;

        before = wh_registry_client_requests(c);
        if (wh_registry_manifest_get(c, ref, manifest_ref, wh_clock_mono_ms() + timeout_ms, a, &m,
                                     &err) != WH_OK)
            return fail(&err);
        printf("manifest.media_type=%s\nmanifest.digest=%s\nmanifest.layers=%zu\n", m.media_type,
               m.digest, m.n_layers);
        printf("requests.manifest=%lu\n", wh_registry_client_requests(c) - before);
    }
    for (int s = 0; s < n_suffixes; s++) {
        struct wh_registry_cosign_layer *layers;
        size_t n;

        before = wh_registry_client_requests(c);
        if (wh_registry_cosign_layers(c, ref, digest, suffixes[s], wh_clock_mono_ms() + timeout_ms,
                                      a, &layers, &n, &err) != WH_OK)
            return fail(&err);
        printf("%s.layers=%zu\n", suffixes[s], n);
        for (size_t i = 0; i < n; i++) {
            printf("layer[%zu].media_type=%s\nlayer[%zu].digest=%s\nlayer[%zu].blob_bytes=%zu\n", i,
                   layers[i].media_type, i, layers[i].digest, i, layers[i].blob.len);
            print_opt("signature", i, layers[i].signature);
            print_opt("predicate_type", i, layers[i].predicate_type);
            print_opt("certificate", i, layers[i].certificate);
            print_opt("chain", i, layers[i].chain);
            print_opt("bundle", i, layers[i].bundle);
        }
        printf("requests.%s=%lu\n", suffixes[s], wh_registry_client_requests(c) - before);
    }
    printf("requests.total=%lu\n", wh_registry_client_requests(c));
    return 0;
}

int
main(int argc, char **argv)
{
    const char *plain[MAX_PLAIN];
    const char *ca_hosts[MAX_CAS], *ca_files[MAX_CAS];
    const char *then_ref = NULL;
    struct wh_registry_options o = {.limits = WH_LIMITS_DEFAULT};
    struct wh_registry_client *c;
    struct wh_image_ref ref;
    struct wh_arena a;
    struct wh_error err;
    const char *manifest_ref = NULL;
    int64_t timeout_ms = 10000;
    bool repeat = false;
    int i, rc;

    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        if (strcmp(argv[i], "--repeat") == 0) {
            repeat = true;
            continue;
        }
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "--docker-config") == 0) {
            o.docker_config = argv[++i];
        } else if (strcmp(argv[i], "--ca-file") == 0) {
            o.ca_file = argv[++i];
        } else if (strcmp(argv[i], "--plain") == 0) {
            if (o.n_plain_http_hosts == MAX_PLAIN)
                return usage();
            plain[o.n_plain_http_hosts++] = argv[++i];
        } else if (strcmp(argv[i], "--registry-ca") == 0) {
            char *eq = strchr(argv[++i], '=');

            if (eq == NULL || o.n_registry_ca_files == MAX_CAS)
                return usage();
            *eq = '\0';
            ca_hosts[o.n_registry_ca_files] = argv[i];
            ca_files[o.n_registry_ca_files++] = eq + 1;
        } else if (strcmp(argv[i], "--then") == 0) {
            then_ref = argv[++i];
        } else if (strcmp(argv[i], "--timeout-ms") == 0) {
            timeout_ms = strtoll(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--manifest") == 0) {
            manifest_ref = argv[++i];
        } else {
            return usage();
        }
    }
    if (i >= argc)
        return usage();
    o.plain_http_hosts = plain;
    o.registry_ca_hosts = ca_hosts;
    o.registry_ca_files = ca_files;
    wh_arena_init(&a);
    if (wh_image_ref_parse(wh_str_c(argv[i]), &a, &ref, &err) != WH_OK) {
        rc = fail(&err);
        goto out;
    }
    if (wh_registry_client_new(&o, &c, &err) != WH_OK) {
        rc = fail(&err);
        goto out;
    }
    rc = run(c, &a, &ref, timeout_ms, repeat, manifest_ref, argv + i + 1, argc - i - 1);
    if (then_ref != NULL) {
        struct wh_image_ref then;
        const char *digest;

        if (wh_image_ref_parse(wh_str_c(then_ref), &a, &then, &err) != WH_OK ||
            wh_registry_resolve(c, &then, wh_clock_mono_ms() + timeout_ms, &a, &digest, &err) !=
                WH_OK)
            printf("then.error=%s: %s\n", wh_error_name(err.code), err.msg);
        else
            printf("then.digest=%s\n", digest);
    }
    wh_registry_client_free(c);
out:
    wh_arena_fini(&a);
    return rc;
}
