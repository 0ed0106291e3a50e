/*
 * SBOM-diff benchmark, driftgate side: `sbom_bench PROD.json DEV.json K` reads both files once,
 * then K times parses both (wh_sbom_parse) and diffs them (wh_sbom_diff) in a fresh arena, and
 * prints "median_ms X" plus the finding counts of the last run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/file.h"
#include "base/limits.h"
#include "sbom/diff.h"
#include "sbom/normalize.h"

static double
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int
main(int argc, char **argv)
{
    struct wh_limits lim = WH_LIMITS_DEFAULT;
    struct wh_arena files;
    struct wh_bytes prod_bytes, dev_bytes;
    struct wh_sbom_diff diff = {0};
    struct wh_error err;
    double *times, median;
    long k, i;

    if (argc != 4 || (k = strtol(argv[3], NULL, 10)) < 1 || k > 1000) {
        fprintf(stderr, "usage: sbom_bench PROD.json DEV.json K (1..1000)\n");
        return 2;
    }
    wh_arena_init(&files);
    if (wh_file_read(argv[1], lim.sbom_bytes, &files, &prod_bytes, &err) != WH_OK ||
        wh_file_read(argv[2], lim.sbom_bytes, &files, &dev_bytes, &err) != WH_OK) {
        fprintf(stderr, "sbom_bench: %s\n", err.msg);
        return 1;
    }
    times = calloc((size_t)k, sizeof(*times));
    if (times == NULL)
        wh_oom();
    for (i = 0; i < k; i++) {
        struct wh_arena a;
        struct wh_sbom prod, dev;
        double start = now_ms();

        wh_arena_init(&a);
        if (wh_sbom_parse(prod_bytes, &lim, &a, &prod, &err) != WH_OK ||
            wh_sbom_parse(dev_bytes, &lim, &a, &dev, &err) != WH_OK ||
            wh_sbom_diff(&prod, &dev, &a, &diff, &err) != WH_OK) {
            fprintf(stderr, "sbom_bench: %s\n", err.msg);
            return 1;
        }
        times[i] = now_ms() - start;
        if (i + 1 == k)
            printf("findings dev-only %zu prod-only %zu version %zu same %zu\n", diff.n_dev_only,
                   diff.n_prod_only, diff.n_version, diff.n_same);
        wh_arena_fini(&a);
    }
    qsort(times, (size_t)k, sizeof(*times), cmp_double);
    median = k % 2 ? times[k / 2] : (times[k / 2 - 1] + times[k / 2]) / 2;
    printf("median_ms %.3f\n", median);
    free(times);
    wh_arena_fini(&files);
    return 0;
}
