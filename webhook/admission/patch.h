#ifndef WH_ADMISSION_PATCH_H
#define WH_ADMISSION_PATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "base/str.h"

/* One image of the reviewed object to pin to the digest driftgate verified for it. */
struct wh_admission_pin {
    const char *path;   /* where podspec.c found it: "spec.template.spec.initContainers[0].image" */
    const char *image;  /* as written in the object */
    const char *digest; /* "sha256:<64 hex>" (or "sha512:<128 hex>") */
};

/* True when `image` already names a digest ("name@sha256:…", "name:tag@sha256:…"): a reference
 * holds '@' only before its digest. Pinning such an image is a no-op. */
bool wh_admission_pin_is_pinned(const char *image);

/*
 * Appends the RFC 6901 JSON Pointer of a podspec.c path: "spec.containers[0].image" becomes
 * "/spec/containers/0/image". Keys are separated by '.', array indexes written "[N]" (decimal,
 * no leading zero); in each key '~' becomes "~0" and '/' becomes "~1". WH_E_INVALID (naming the
 * path) for an empty key, a key holding '[' or ']', or a malformed index; `out` then holds
 * partial output. Pure.
 */
WH_MUST_CHECK enum wh_err wh_admission_patch_pointer(struct wh_str path, struct wh_buf *out,
                                                     struct wh_error *err);

/*
 * Appends the JSONPatch (RFC 6902) that pins every image of `pins` not pinned yet:
 * [{"op":"replace","path":"/spec/containers/0/image","value":"IMAGE@DIGEST"},...], keeping the
 * tag ("name:TAG@sha256:D"); "[]" when there is nothing to pin. Idempotent: applying the patch
 * and rendering again for the patched images yields "[]". *n_ops is the number of operations.
 * WH_E_INVALID for a malformed path or digest or text that is not UTF-8; WH_E_LIMIT when `out`'s
 * cap is exceeded. Outputs are valid only on WH_OK. Pure.
 */
WH_MUST_CHECK enum wh_err wh_admission_patch_render(const struct wh_admission_pin *pins, size_t n,
                                                    struct wh_buf *out, size_t *n_ops,
                                                    struct wh_error *err);

/*
 * Appends the AdmissionReview v1 response of POST /mutate: {"apiVersion":"admission.k8s.io/v1",
 * "kind":"AdmissionReview","response":{"uid":..,"allowed":true,"patchType":"JSONPatch",
 * "patch":"<base64 of patch>"}}; without patchType and patch when `patch` is empty or "[]".
 * A mutating answer never denies: the validating webhook does. WH_E_INTERNAL for an empty uid,
 * WH_E_LIMIT when `out`'s cap is exceeded.
 */
WH_MUST_CHECK enum wh_err wh_admission_mutate_response_render(const char *uid, struct wh_str patch,
                                                              struct wh_buf *out,
                                                              struct wh_error *err);

#endif
