#ifndef WH_ADMISSION_PODSPEC_H
#define WH_ADMISSION_PODSPEC_H

#include "admission/request.h"

/*
 * Module-internal (request.c only): finds the pod spec of a Kubernetes object and lists its
 * images. This is the one header where a jansson object crosses, inside admission/.
 */
struct json_t;

/* JSON path of the pod spec for a kind ("spec", "spec.template.spec", ...), or NULL when the
 * kind holds no pod spec. `group` is "" for the core API group. */
const char *wh_admission_podspec_path(const char *group, const char *kind);

/*
 * Fills out->images and out->annotations from `object` (a JSON object) of `group`/`kind`.
 * Unknown kinds leave both empty. WH_E_INVALID names the JSON path of what is wrong;
 * WH_E_LIMIT when there are more than `max_images` images. Allocates from `a`.
 */
WH_MUST_CHECK enum wh_err wh_admission_podspec_images(struct json_t *object, const char *group,
                                                      const char *kind, size_t max_images,
                                                      struct wh_arena *a,
                                                      struct wh_admission_request *out,
                                                      struct wh_error *err);

#endif
