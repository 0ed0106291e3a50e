/*
 * Golden driver for sbom/: `sbom_diff PROD DEV` prints the drift findings of two SBOM files, one
 * per line, then a summary; `sbom_diff --dump FILE` prints the normalised components. Errors go
 * to stdout as "error <code>: <message>" so golden files can hold expected failures. Exit 0 on
 * success, 1 on a parse error, 2 on usage.
 */
#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/file.h"
#include "base/limits.h"
#include "sbom/diff.h"
#include "sbom/normalize.h"

static int
load(const char *path, const struct wh_limits *lim, struct wh_arena *a, struct wh_sbom *out)
{
    struct wh_error err;
    struct wh_bytes bytes;

    if (wh_file_read(path, lim->sbom_bytes + 1, a, &bytes, &err) != WH_OK ||
        wh_sbom_parse(bytes, lim, a, out, &err) != WH_OK) {
        printf("error %s: %s\n", wh_error_name(err.code), err.msg);
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena a;
    struct wh_sbom prod, dev;
    struct wh_sbom_diff diff;
    struct wh_error err;
    int rc = 0;
    size_t i;

    if (argc != 3) {
        fprintf(stderr, "usage: sbom_diff PROD.json DEV.json | sbom_diff --dump FILE.json\n");
        return 2;
    }
    wh_arena_init(&a);
    if (strcmp(argv[1], "--dump") == 0) {
        if ((rc = load(argv[2], &lim, &a, &prod)) == 0) {
            printf("format %s components %zu\n",
                   prod.format == WH_SBOM_CYCLONEDX ? "cyclonedx" : "spdx", prod.n_components);
            for (i = 0; i < prod.n_components; i++)
                printf("%s %s %s\n", prod.components[i].key, prod.components[i].name,
                       prod.components[i].version[0] == '\0' ? "-" : prod.components[i].version);
        }
        goto out;
    }
    if ((rc = load(argv[1], &lim, &a, &prod)) != 0 || (rc = load(argv[2], &lim, &a, &dev)) != 0)
        goto out;
    if (wh_sbom_diff(&prod, &dev, &a, &diff, &err) != WH_OK) {
        printf("error %s: %s\n", wh_error_name(err.code), err.msg);
        rc = 1;
        goto out;
    }
    for (i = 0; i < diff.n_findings; i++) {
        const struct wh_sbom_finding *f = &diff.findings[i];
        switch (f->kind) {
        case WH_DRIFT_DEV_ONLY:
            printf("dev-only %s (%s) %s\n", f->key, f->name, f->dev_version);
            break;
        case WH_DRIFT_PROD_ONLY:
            printf("prod-only %s (%s) %s\n", f->key, f->name, f->prod_version);
            break;
        case WH_DRIFT_VERSION:
            printf("version %s %s (%s) dev %s prod %s\n", wh_sbom_drift_size_name(f->size), f->key,
                   f->name, f->dev_version, f->prod_version);
            break;
        }
    }
    printf("summary dev-only %zu prod-only %zu version %zu same %zu\n", diff.n_dev_only,
           diff.n_prod_only, diff.n_version, diff.n_same);
out:
    wh_arena_fini(&a);
    return rc;
}
