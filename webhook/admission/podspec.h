#ifndef WH_ADMISSION_PODSPEC_H
#define WH_ADMISSION_PODSPEC_H

#include "admission/request.h"
#include "base/json_scan.h"

/*
 * Module-internal (request.c only). request.c scans the AdmissionReview once with
 * base/json_scan.h and keeps only the values on the paths this module reads, as a sparse tree of
 * `struct wh_admission_jval` in the arena; podspec.c finds the pod spec of the object in it and
 * lists its images.
 *
 * A kept value records its kind; a string its decoded text; a boolean its truth; an object the
 * members the decoder was told to keep (all, for maps such as annotations), in document order;
 * an array its item count `n` and, when its items are read, every item. Keys of every object
 * whose members are read are unique (a duplicate is a JSON error, as it was to jansson).
 */
struct wh_admission_jval {
    enum wh_json_scan_kind kind;
    bool truth;
    struct wh_str str;                      /* STRING: decoded, never holds NUL */
    struct wh_str key;                      /* member of an object: its key */
    size_t n;                               /* ARRAY: items; OBJECT: members kept */
    struct wh_admission_jval *first, *last; /* kept members or items */
    struct wh_admission_jval *next;
};

/* The kept member `key` of `obj`; NULL when `obj` is not an object or has no such member. */
const struct wh_admission_jval *wh_admission_jval_get(const struct wh_admission_jval *obj,
                                                      const char *key);

/* JSON path of the pod spec for a kind ("spec", "spec.template.spec", ...), or NULL when the
 * kind holds no pod spec. `group` is "" for the core API group. */
const char *wh_admission_podspec_path(const char *group, const char *kind);

/* The pod kind a resource's objects are ("pods" -> "Pod", "cronjobs" in "batch" -> "CronJob"),
 * or NULL when the resource holds no pod spec. */
const char *wh_admission_pod_resource_kind(const char *group, const char *resource);

/*
 * Fills out->images (containers, initContainers, ephemeralContainers, then image volumes at
 * spec.volumes[N].image.reference), out->annotations and out->platforms from `object` (a kept
 * JSON object) of `group`/`kind`. Unknown kinds leave them empty. WH_E_INVALID names the JSON
 * path of what is wrong; WH_E_LIMIT when there are more than `max_images` images. Allocates
 * from `a`.
 */
WH_MUST_CHECK enum wh_err wh_admission_podspec_images(const struct wh_admission_jval *object,
                                                      const char *group, const char *kind,
                                                      size_t max_images, struct wh_arena *a,
                                                      struct wh_admission_request *out,
                                                      struct wh_error *err);

#endif
