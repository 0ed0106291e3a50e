#ifndef WH_METRICS_METRICS_H
#define WH_METRICS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/str.h"

/*
 * Process metrics in the Prometheus text exposition format (version 0.0.4): counters, gauges
 * and histograms with fixed buckets, each a family with 0..WH_METRICS_MAX_LABELS label names.
 * Updates are lock-free atomics; the first update of a new label set takes the family's mutex
 * once. A family holds at most WH_METRICS_MAX_SERIES label sets; later new sets are folded into
 * one series whose label values are all "other", so hostile label values (registry names come
 * from admitted objects) cannot grow memory. Families are registered at start-up, before other
 * threads use the registry; updating and rendering are thread-safe.
 */
struct wh_metrics;
struct wh_metrics_family;

#define WH_METRICS_MAX_LABELS 3
#define WH_METRICS_MAX_SERIES 64
#define WH_METRICS_MAX_BUCKETS 16
#define WH_METRICS_LABEL_MAX 95 /* longer label values are cut (on a UTF-8 boundary) */

struct wh_metrics *wh_metrics_new(void);
void wh_metrics_free(struct wh_metrics *m);

/* Registers a family. `name` and `help` are static strings; `labels` is a comma-separated list
 * of label names ("verdict", "registry,status") or NULL. `bounds` (histograms only) are the
 * ascending upper bounds of the buckets, at most WH_METRICS_MAX_BUCKETS; +Inf is implicit.
 * The family lives as long as `m`. Aborts on a programming error (bad name, too many labels). */
struct wh_metrics_family *wh_metrics_counter_new(struct wh_metrics *m, const char *name,
                                                 const char *help, const char *labels);
struct wh_metrics_family *wh_metrics_gauge_new(struct wh_metrics *m, const char *name,
                                               const char *help, const char *labels);
struct wh_metrics_family *wh_metrics_histogram_new(struct wh_metrics *m, const char *name,
                                                   const char *help, const char *labels,
                                                   const double *bounds, size_t n_bounds);

/* Creates the series of a label set with value 0 (a histogram: no observations), so it renders
 * from the start: every known label value of a family ("verdict" allow, warn, deny, error) is
 * declared at registration, and a rate over it exists before the first event. A family without
 * labels has its one series from registration. */
void wh_metrics_declare(struct wh_metrics_family *f, const char *const *values);

/* `values` holds one value per label name (NULL for a family without labels). */
void wh_metrics_counter_add(struct wh_metrics_family *f, const char *const *values, uint64_t n);
/* For counters owned elsewhere (cache stats): sets the running total. */
void wh_metrics_counter_set(struct wh_metrics_family *f, const char *const *values, uint64_t v);
void wh_metrics_gauge_set(struct wh_metrics_family *f, const char *const *values, double v);
void wh_metrics_gauge_add(struct wh_metrics_family *f, const char *const *values, double d);
void wh_metrics_histogram_observe(struct wh_metrics_family *f, const char *const *values, double v);

/* Current value of one series (0 when it was never touched): for tests and readyz. A histogram
 * answers its observation count. */
double wh_metrics_value(struct wh_metrics_family *f, const char *const *values);

/* Appends every family in registration order, series in first-use order. */
void wh_metrics_render(struct wh_metrics *m, struct wh_buf *out);

#endif
