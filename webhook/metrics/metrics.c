/*
 * Counters, gauges and fixed-bucket histograms behind C11 atomics, rendered as Prometheus text.
 * A series is found by scanning its family's published prefix (acquire load of the count); only
 * the first use of a label set takes the family mutex. [prometheus/client_golang keeps a map;
 * our families are small and bounded, so a scan is cheaper and needs no rehash under readers.]
 */
#include "metrics/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

#define MAX_FAMILIES 48
#define KEY_MAX (WH_METRICS_MAX_LABELS * (WH_METRICS_LABEL_MAX + 1))
#define OTHER_SLOT (WH_METRICS_MAX_SERIES - 1)

enum kind { COUNTER, GAUGE, HISTOGRAM };

struct series {
    char key[KEY_MAX]; /* label values, each NUL-terminated, back to back */
    size_t key_len;
    _Atomic uint64_t value;                               /* counter: count; gauge: double bits */
    _Atomic uint64_t buckets[WH_METRICS_MAX_BUCKETS + 1]; /* per bucket, not cumulative */
    _Atomic uint64_t sum_bits;                            /* histogram sum (double bits) */
};

struct wh_metrics_family {
    enum kind kind;
    const char *name, *help;
    char label_names[WH_METRICS_MAX_LABELS][32];
    size_t n_labels;
    double bounds[WH_METRICS_MAX_BUCKETS];
    size_t n_bounds;
    pthread_mutex_t lock; /* appending series */
    _Atomic size_t n_series;
    atomic_bool has_other;
    struct series series[WH_METRICS_MAX_SERIES];
};

struct wh_metrics {
    struct wh_metrics_family *families[MAX_FAMILIES];
    size_t n_families;
};

static uint64_t
bits_of(double d)
{
    uint64_t u;

    memcpy(&u, &d, sizeof(u));
    return u;
}

static double
double_of(uint64_t u)
{
    double d;

    memcpy(&d, &u, sizeof(d));
    return d;
}

struct wh_metrics *
wh_metrics_new(void)
{
    struct wh_metrics *m = calloc(1, sizeof(*m));

    if (m == NULL)
        wh_oom();
    return m;
}

void
wh_metrics_free(struct wh_metrics *m)
{
    size_t i;

    if (m == NULL)
        return;
    for (i = 0; i < m->n_families; i++) {
        pthread_mutex_destroy(&m->families[i]->lock);
        free(m->families[i]);
    }
    free(m);
}

static bool
is_name(const char *s)
{
    size_t i;

    if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return false;
    return true;
}

static struct wh_metrics_family *
add_family(struct wh_metrics *m, enum kind kind, const char *name, const char *help,
           const char *labels)
{
    struct wh_metrics_family *f = calloc(1, sizeof(*f));

    if (f == NULL)
        wh_oom();
    WH_ASSERT(m->n_families < MAX_FAMILIES && is_name(name) && help != NULL);
    f->kind = kind;
    f->name = name;
    f->help = help;
    while (labels != NULL && *labels != '\0') {
        const char *comma = strchr(labels, ',');
        size_t len = comma != NULL ? (size_t)(comma - labels) : strlen(labels);

        WH_ASSERT(f->n_labels < WH_METRICS_MAX_LABELS && len > 0 &&
                  len < sizeof(f->label_names[0]));
        /* NOLINTNEXTLINE(bugprone-not-null-terminated-result): f is calloc'd and len < size */
        memcpy(f->label_names[f->n_labels], labels, len);
        WH_ASSERT(is_name(f->label_names[f->n_labels]));
        f->n_labels++;
        labels = comma != NULL ? comma + 1 : labels + len;
    }
    pthread_mutex_init(&f->lock, NULL);
    /* A family without labels has exactly one series: it renders (as 0) from the start, so a
     * dashboard or an alert on it works before the first event (no "absent" series). */
    if (f->n_labels == 0)
        atomic_store_explicit(&f->n_series, 1, memory_order_release);
    m->families[m->n_families++] = f;
    return f;
}

struct wh_metrics_family *
wh_metrics_counter_new(struct wh_metrics *m, const char *name, const char *help, const char *labels)
{
    return add_family(m, COUNTER, name, help, labels);
}

struct wh_metrics_family *
wh_metrics_gauge_new(struct wh_metrics *m, const char *name, const char *help, const char *labels)
{
    return add_family(m, GAUGE, name, help, labels);
}

struct wh_metrics_family *
wh_metrics_histogram_new(struct wh_metrics *m, const char *name, const char *help,
                         const char *labels, const double *bounds, size_t n_bounds)
{
    struct wh_metrics_family *f = add_family(m, HISTOGRAM, name, help, labels);
    size_t i;

    WH_ASSERT(n_bounds >= 1 && n_bounds <= WH_METRICS_MAX_BUCKETS);
    for (i = 0; i < n_bounds; i++) {
        WH_ASSERT(isfinite(bounds[i]) && (i == 0 || bounds[i] > bounds[i - 1]));
        f->bounds[i] = bounds[i];
    }
    f->n_bounds = n_bounds;
    return f;
}

/* Joins the label values into `key`, each cut to WH_METRICS_LABEL_MAX bytes without splitting
 * a UTF-8 sequence; a NULL value counts as "". */
static size_t
make_key(const struct wh_metrics_family *f, const char *const *values, char key[KEY_MAX])
{
    size_t i, len = 0;

    for (i = 0; i < f->n_labels; i++) {
        const char *v = values != NULL && values[i] != NULL ? values[i] : "";
        size_t n = strnlen(v, WH_METRICS_LABEL_MAX + 1);

        if (n > WH_METRICS_LABEL_MAX) {
            n = WH_METRICS_LABEL_MAX;
            while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
                n--; /* v[n] continues a sequence: cut before its lead byte */
        }
        memcpy(key + len, v, n);
        len += n;
        key[len++] = '\0';
    }
    return len;
}

static struct series *
scan(struct wh_metrics_family *f, size_t from, size_t to, const char *key, size_t key_len)
{
    size_t i;

    for (i = from; i < to; i++)
        if (f->series[i].key_len == key_len && memcmp(f->series[i].key, key, key_len) == 0)
            return &f->series[i];
    return NULL;
}

static struct series *
find_series(struct wh_metrics_family *f, const char *const *values, bool create)
{
    char key[KEY_MAX];
    size_t key_len = make_key(f, values, key);
    size_t n = atomic_load_explicit(&f->n_series, memory_order_acquire);
    struct series *s = scan(f, 0, n, key, key_len);
    size_t m, i;

    if (s != NULL || !create)
        return s;
    pthread_mutex_lock(&f->lock);
    m = atomic_load_explicit(&f->n_series, memory_order_relaxed);
    s = scan(f, n, m, key, key_len);
    if (s == NULL && m < OTHER_SLOT) {
        s = &f->series[m];
        memcpy(s->key, key, key_len);
        s->key_len = key_len;
        atomic_store_explicit(&f->n_series, m + 1, memory_order_release);
    } else if (s == NULL) {
        s = &f->series[OTHER_SLOT];
        if (!atomic_load(&f->has_other)) {
            s->key_len = 0;
            for (i = 0; i < f->n_labels; i++) {
                memcpy(s->key + s->key_len, "other", 6);
                s->key_len += 6;
            }
            atomic_store(&f->has_other, true);
        }
    }
    pthread_mutex_unlock(&f->lock);
    return s;
}

void
wh_metrics_declare(struct wh_metrics_family *f, const char *const *values)
{
    (void)find_series(f, values, true);
}

void
wh_metrics_counter_add(struct wh_metrics_family *f, const char *const *values, uint64_t n)
{
    WH_ASSERT(f->kind == COUNTER);
    atomic_fetch_add_explicit(&find_series(f, values, true)->value, n, memory_order_relaxed);
}

void
wh_metrics_counter_set(struct wh_metrics_family *f, const char *const *values, uint64_t v)
{
    WH_ASSERT(f->kind == COUNTER);
    atomic_store_explicit(&find_series(f, values, true)->value, v, memory_order_relaxed);
}

void
wh_metrics_gauge_set(struct wh_metrics_family *f, const char *const *values, double v)
{
    WH_ASSERT(f->kind == GAUGE);
    atomic_store_explicit(&find_series(f, values, true)->value, bits_of(v), memory_order_relaxed);
}

static void
add_double(_Atomic uint64_t *slot, double d)
{
    uint64_t old = atomic_load_explicit(slot, memory_order_relaxed);

    while (!atomic_compare_exchange_weak_explicit(slot, &old, bits_of(double_of(old) + d),
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
}

void
wh_metrics_gauge_add(struct wh_metrics_family *f, const char *const *values, double d)
{
    WH_ASSERT(f->kind == GAUGE);
    add_double(&find_series(f, values, true)->value, d);
}

void
wh_metrics_histogram_observe(struct wh_metrics_family *f, const char *const *values, double v)
{
    struct series *s;
    size_t i = 0;

    WH_ASSERT(f->kind == HISTOGRAM);
    if (isnan(v))
        return;
    s = find_series(f, values, true);
    while (i < f->n_bounds && v > f->bounds[i])
        i++; /* Prometheus buckets are "le": v == bound belongs to that bucket */
    atomic_fetch_add_explicit(&s->buckets[i], 1, memory_order_relaxed);
    add_double(&s->sum_bits, v);
}

double
wh_metrics_value(struct wh_metrics_family *f, const char *const *values)
{
    struct series *s = find_series(f, values, false);
    uint64_t count = 0;
    size_t i;

    if (s == NULL)
        return 0;
    switch (f->kind) {
    case COUNTER:
        return (double)atomic_load(&s->value);
    case GAUGE:
        return double_of(atomic_load(&s->value));
    case HISTOGRAM:
        for (i = 0; i <= f->n_bounds; i++)
            count += atomic_load(&s->buckets[i]);
        return (double)count;
    }
    return 0;
}

static void
append_number(struct wh_buf *b, double v)
{
    if (isnan(v))
        wh_buf_append_c(b, "NaN");
    else if (isinf(v))
        wh_buf_append_c(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == floor(v) && fabs(v) < 9007199254740992.0)
        wh_buf_printf(b, "%.0f", v); /* integers exactly, timestamps included */
    else
        wh_buf_printf(b, "%.9g", v);
}

/* Label value escaping per the exposition format: backslash, double quote and newline. */
static void
append_label_value(struct wh_buf *b, const char *v)
{
    for (; *v != '\0'; v++) {
        if (*v == '\\')
            wh_buf_append_c(b, "\\\\");
        else if (*v == '"')
            wh_buf_append_c(b, "\\\"");
        else if (*v == '\n')
            wh_buf_append_c(b, "\\n");
        else
            wh_buf_append(b, v, 1);
    }
}

/* `{a="x",b="y"` plus `extra` (e.g. `le="0.1"`), closed; nothing at all without labels. */
static void
append_labels(struct wh_buf *b, const struct wh_metrics_family *f, const struct series *s,
              const char *extra)
{
    const char *v = s->key;
    size_t i;

    if (f->n_labels == 0 && extra == NULL)
        return;
    wh_buf_append_c(b, "{");
    for (i = 0; i < f->n_labels; i++) {
        wh_buf_printf(b, "%s%s=\"", i > 0 ? "," : "", f->label_names[i]);
        append_label_value(b, v);
        wh_buf_append_c(b, "\"");
        v += strlen(v) + 1;
    }
    if (extra != NULL)
        wh_buf_printf(b, "%s%s", f->n_labels > 0 ? "," : "", extra);
    wh_buf_append_c(b, "}");
}

static void
render_series(struct wh_buf *b, const struct wh_metrics_family *f, struct series *s)
{
    uint64_t cumulative = 0;
    char le[48];
    size_t i;

    if (f->kind != HISTOGRAM) {
        wh_buf_append_c(b, f->name);
        append_labels(b, f, s, NULL);
        wh_buf_append_c(b, " ");
        if (f->kind == COUNTER)
            wh_buf_printf(b, "%llu", (unsigned long long)atomic_load(&s->value));
        else
            append_number(b, double_of(atomic_load(&s->value)));
        wh_buf_append_c(b, "\n");
        return;
    }
    for (i = 0; i <= f->n_bounds; i++) {
        cumulative += atomic_load(&s->buckets[i]);
        if (i < f->n_bounds)
            snprintf(le, sizeof(le), "le=\"%g\"", f->bounds[i]);
        else
            snprintf(le, sizeof(le), "le=\"+Inf\"");
        wh_buf_printf(b, "%s_bucket", f->name);
        append_labels(b, f, s, le);
        wh_buf_printf(b, " %llu\n", (unsigned long long)cumulative);
    }
    wh_buf_printf(b, "%s_sum", f->name);
    append_labels(b, f, s, NULL);
    wh_buf_append_c(b, " ");
    append_number(b, double_of(atomic_load(&s->sum_bits)));
    wh_buf_printf(b, "\n%s_count", f->name);
    append_labels(b, f, s, NULL);
    wh_buf_printf(b, " %llu\n", (unsigned long long)cumulative);
}

void
wh_metrics_render(struct wh_metrics *m, struct wh_buf *out)
{
    static const char *const types[] = {"counter", "gauge", "histogram"};
    size_t i, j, n;

    for (i = 0; i < m->n_families; i++) {
        struct wh_metrics_family *f = m->families[i];

        wh_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name,
                      types[f->kind]);
        n = atomic_load_explicit(&f->n_series, memory_order_acquire);
        for (j = 0; j < n; j++)
            render_series(out, f, &f->series[j]);
        if (atomic_load(&f->has_other))
            render_series(out, f, &f->series[OTHER_SLOT]);
    }
}
