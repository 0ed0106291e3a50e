#ifndef WH_ADMISSION_REQUEST_H
#define WH_ADMISSION_REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/limits.h"
#include "base/str.h"

/* One container image of the reviewed object, with where it was found. */
struct wh_admission_image {
    const char *path;      /* "spec.template.spec.initContainers[0].image" */
    const char *image;     /* as written */
    const char *container; /* the container's name; "" when it has none */
};

struct wh_annotation_kv {
    const char *key, *value;
};

/*
 * What driftgate needs from an admission.k8s.io/v1 AdmissionReview request. Every string is
 * NUL-terminated in the arena (never NULL: absent optional fields are ""); no jansson object
 * outlives the parse.
 */
struct wh_admission_request {
    const char *uid;
    const char *operation; /* CREATE UPDATE DELETE CONNECT */
    const char *namespace_, *name;
    const char *group, *version, *kind;  /* request.kind */
    const char *resource, *sub_resource; /* "pods", "ephemeralcontainers" or "" */
    bool dry_run;
    /* Containers, then initContainers, then ephemeralContainers, in document order. Empty for
     * DELETE, CONNECT and kinds that hold no pod spec (the caller allows those). */
    struct wh_admission_image *images;
    size_t n_images;
    /* metadata.annotations of the pod (or the pod template): driftgate.dev/dev-image */
    struct wh_annotation_kv *annotations;
    size_t n_annotations;
    bool has_object; /* request.object is a JSON object */
};

/*
 * Parses an AdmissionReview v1 body. Pod kinds: Pod (spec; also the pods/ephemeralcontainers
 * subresource), PodTemplate (template.spec), Deployment, ReplicaSet, StatefulSet, DaemonSet
 * (apps), Job (batch), ReplicationController (spec.template.spec), CronJob (batch,
 * spec.jobTemplate.spec.template.spec).
 * WH_E_INVALID: not JSON, duplicate keys, wrong apiVersion/kind, no request, no uid, bad field
 * types, a container without an image (the caller answers HTTP 400). WH_E_LIMIT: body larger
 * than lim->body_bytes, nesting deeper than lim->json_depth, more than lim->images images.
 * *out is valid only on WH_OK and lives as long as `a`.
 */
WH_MUST_CHECK enum wh_err
wh_admission_request_parse(struct wh_bytes body, const struct wh_limits *lim, struct wh_arena *a,
                           struct wh_admission_request *out, struct wh_error *err);

#endif
