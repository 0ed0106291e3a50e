/* metrics/metrics.c: exposition format, label handling, histogram buckets, bounded series,
 * concurrent updates. */
#include "metrics/metrics.h"

#include <pthread.h>
#include <string.h>

#include "unit/harness.h"

/* The exposition text of `m`, valid until the next render. */
static struct wh_buf out;

static char *
render(struct wh_metrics *m)
{
    wh_buf_reset(&out);
    wh_metrics_render(m, &out);
    wh_buf_append(&out, "", 1); /* NUL for strstr */
    return out.ptr;
}

static void
test_counter_with_labels_renders_help_type_and_series(void)
{
    struct wh_metrics *m = wh_metrics_new();
    struct wh_metrics_family *f =
        wh_metrics_counter_new(m, "driftgate_admission_reviews_total", "Reviews.", "verdict");
    char *t;

    wh_metrics_counter_add(f, (const char *[]){"allow"}, 2);
    wh_metrics_counter_add(f, (const char *[]){"deny"}, 1);
    wh_metrics_counter_add(f, (const char *[]){"allow"}, 3);
    t = render(m);
    ok(strcmp(t, "# HELP driftgate_admission_reviews_total Reviews.\n"
                 "# TYPE driftgate_admission_reviews_total counter\n"
                 "driftgate_admission_reviews_total{verdict=\"allow\"} 5\n"
                 "driftgate_admission_reviews_total{verdict=\"deny\"} 1\n") == 0,
       "counter: exact exposition text (%s)", t);
    ok(wh_metrics_value(f, (const char *[]){"allow"}) == 5, "value of a series");
    ok(wh_metrics_value(f, (const char *[]){"warn"}) == 0, "an untouched series reads 0");
    t = render(m);
    ok(strstr(t, "warn") == NULL, "reading a value does not create a series");
    wh_metrics_free(m);
}

static void
test_gauge_without_labels_and_number_formats(void)
{
    struct wh_metrics *m = wh_metrics_new();
    struct wh_metrics_family *g = wh_metrics_gauge_new(m, "x_seconds", "X.", NULL);
    struct wh_metrics_family *h = wh_metrics_gauge_new(m, "y", "Y.", NULL);
    char *t;

    wh_metrics_gauge_set(g, NULL, 1764150000.0);
    wh_metrics_gauge_set(h, NULL, 0.25);
    wh_metrics_gauge_add(h, NULL, -1.0);
    t = render(m);
    ok(strstr(t, "\nx_seconds 1764150000\n") != NULL, "timestamps print as exact integers (%s)", t);
    ok(strstr(t, "\ny -0.75\n") != NULL, "gauge add goes below zero");
    wh_metrics_free(m);
}

static void
test_histogram_buckets_are_cumulative_and_le_inclusive(void)
{
    static const double bounds[] = {0.01, 0.1, 1};
    struct wh_metrics *m = wh_metrics_new();
    struct wh_metrics_family *f = wh_metrics_histogram_new(m, "d_seconds", "D.", "step", bounds, 3);
    char *t;

    wh_metrics_histogram_observe(f, (const char *[]){"verify"}, 0.01); /* == bound: in it */
    wh_metrics_histogram_observe(f, (const char *[]){"verify"}, 0.05);
    wh_metrics_histogram_observe(f, (const char *[]){"verify"}, 0.5);
    wh_metrics_histogram_observe(f, (const char *[]){"verify"}, 7);
    t = render(m);
    ok(strstr(t, "d_seconds_bucket{step=\"verify\",le=\"0.01\"} 1\n"
                 "d_seconds_bucket{step=\"verify\",le=\"0.1\"} 2\n"
                 "d_seconds_bucket{step=\"verify\",le=\"1\"} 3\n"
                 "d_seconds_bucket{step=\"verify\",le=\"+Inf\"} 4\n"
                 "d_seconds_sum{step=\"verify\"} 7.56\n"
                 "d_seconds_count{step=\"verify\"} 4\n") != NULL,
       "histogram: cumulative buckets, +Inf, sum, count (%s)", t);
    ok(strstr(t, "# TYPE d_seconds histogram\n") != NULL, "histogram TYPE line");
    ok(wh_metrics_value(f, (const char *[]){"verify"}) == 4, "histogram value is its count");
    wh_metrics_free(m);
}

static void
test_label_values_are_escaped_and_capped(void)
{
    struct wh_metrics *m = wh_metrics_new();
    struct wh_metrics_family *f = wh_metrics_counter_new(m, "r_total", "R.", "registry,status");
    char longv[300];
    char *t;

    wh_metrics_counter_add(f, (const char *[]){"a\"b\\c\nd", "200"}, 1);
    t = render(m);
    ok(strstr(t, "r_total{registry=\"a\\\"b\\\\c\\nd\",status=\"200\"} 1\n") != NULL,
       "quote, backslash and newline escaped (%s)", t);
    /* 94 ASCII bytes then a 3-byte UTF-8 sequence straddling the cap: cut before it. */
    memset(longv, 'x', sizeof(longv));
    memcpy(longv + 94, "\xe2\x82\xac", 3);
    longv[299] = '\0';
    wh_metrics_counter_add(f, (const char *[]){longv, NULL}, 1);
    t = render(m);
    longv[94] = '\0';
    {
        char want[400];

        snprintf(want, sizeof(want), "r_total{registry=\"%s\",status=\"\"} 1\n", longv);
        ok(strstr(t, want) != NULL, "long value cut at 95 bytes on a UTF-8 boundary; NULL → \"\"");
    }
    wh_metrics_free(m);
}

static void
test_series_beyond_the_cap_fold_into_other(void)
{
    struct wh_metrics *m = wh_metrics_new();
    struct wh_metrics_family *f = wh_metrics_counter_new(m, "c_total", "C.", "registry,status");
    char name[32];
    char *t;
    size_t lines = 0;
    int i;

    for (i = 0; i < 1000; i++) {
        snprintf(name, sizeof(name), "reg%d.example", i);
        wh_metrics_counter_add(f, (const char *[]){name, "200"}, 1);
    }
    t = render(m);
    for (char *p = t; (p = strstr(p, "\nc_total{")) != NULL; p++)
        lines++;
    ok(lines == WH_METRICS_MAX_SERIES, "1000 label sets render as %d series (got %zu)",
       WH_METRICS_MAX_SERIES, lines);
    ok(strstr(t, "c_total{registry=\"other\",status=\"other\"} 937\n") != NULL,
       "the overflow is counted under other/other: 1000 - 63 = 937");
    wh_metrics_free(m);
}

struct hammer {
    struct wh_metrics_family *c, *h;
};

static void *
hammer_run(void *p)
{
    struct hammer *hm = p;
    char v[16];

    for (int i = 0; i < 20000; i++) {
        snprintf(v, sizeof(v), "v%d", i % 8);
        wh_metrics_counter_add(hm->c, (const char *[]){v}, 1);
        wh_metrics_histogram_observe(hm->h, NULL, 0.001);
    }
    return NULL;
}

static void
test_concurrent_updates_lose_nothing(void)
{
    static const double bounds[] = {0.01};
    struct wh_metrics *m = wh_metrics_new();
    struct hammer hm = {wh_metrics_counter_new(m, "h_total", "H.", "v"),
                        wh_metrics_histogram_new(m, "h_seconds", "H.", NULL, bounds, 1)};
    pthread_t t[4];
    double total = 0;
    char v[16];
    int i;

    for (i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, hammer_run, &hm);
    for (i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (i = 0; i < 8; i++) {
        snprintf(v, sizeof(v), "v%d", i);
        total += wh_metrics_value(hm.c, (const char *[]){v});
    }
    ok(total == 80000, "4 threads x 20000 increments over 8 new label sets: %.0f", total);
    ok(wh_metrics_value(hm.h, NULL) == 80000, "histogram count under contention");
    wh_metrics_free(m);
}

static void
test_known_series_render_zero_from_the_start(void)
{
    static const double bounds[] = {0.1, 1};
    struct wh_metrics *m = wh_metrics_new();
    struct wh_metrics_family *q = wh_metrics_counter_new(m, "q_total", "Q.", NULL);
    struct wh_metrics_family *v = wh_metrics_counter_new(m, "v_total", "V.", "verdict");
    struct wh_metrics_family *h = wh_metrics_histogram_new(m, "h_seconds", "H.", "step", bounds, 2);
    char *t;

    wh_metrics_declare(v, (const char *[]){"allow"});
    wh_metrics_declare(v, (const char *[]){"error"});
    wh_metrics_declare(h, (const char *[]){"verify"});
    t = render(m);
    ok(strstr(t, "# TYPE q_total counter\nq_total 0\n") != NULL,
       "a family without labels renders 0 before any update (%s)", t);
    ok(strstr(t, "v_total{verdict=\"allow\"} 0\nv_total{verdict=\"error\"} 0\n") != NULL,
       "declared label values render 0, in declaration order");
    ok(strstr(t, "h_seconds_bucket{step=\"verify\",le=\"+Inf\"} 0\n") != NULL &&
           strstr(t, "h_seconds_count{step=\"verify\"} 0\n") != NULL,
       "a declared histogram series renders empty buckets and count 0");
    wh_metrics_counter_add(v, (const char *[]){"error"}, 2);
    wh_metrics_counter_add(q, NULL, 1);
    wh_metrics_declare(v, (const char *[]){"error"});
    t = render(m);
    ok(strstr(t, "v_total{verdict=\"error\"} 2\n") != NULL && strstr(t, "\nq_total 1\n") != NULL,
       "updates add to the declared series; declaring again changes nothing");
    wh_metrics_free(m);
}

int
main(void)
{
    wh_buf_init(&out, 1 << 20);
    test_counter_with_labels_renders_help_type_and_series();
    test_gauge_without_labels_and_number_formats();
    test_histogram_buckets_are_cumulative_and_le_inclusive();
    test_label_values_are_escaped_and_capped();
    test_series_beyond_the_cap_fold_into_other();
    test_concurrent_updates_lose_nothing();
    test_known_series_render_zero_from_the_start();
    wh_buf_fini(&out);
    return done_testing();
}
