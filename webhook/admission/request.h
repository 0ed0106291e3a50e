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
    const char *container; /* the container's (or image volume's) name; "" when it has none */
};

struct wh_annotation_kv {
    const char *key, *value;
};

/* The pod's scheduling constraints on the node labels kubernetes.io/os and kubernetes.io/arch
 * (and their beta.kubernetes.io/ aliases): the platforms of a multi-arch image it can run. */
enum wh_admission_node_op {
    WH_ADMISSION_NODE_IN,
    WH_ADMISSION_NODE_NOT_IN,
    WH_ADMISSION_NODE_EXISTS,
    WH_ADMISSION_NODE_DOES_NOT_EXIST,
    WH_ADMISSION_NODE_NEVER, /* Gt/Lt on a non-numeric label: matches no node */
};
struct wh_admission_node_expr {
    bool is_arch; /* else os */
    enum wh_admission_node_op op;
    const char *const *values;
    size_t n_values;
};
/* One requiredDuringScheduling nodeSelectorTerm (terms are ORed, expressions ANDed); expressions
 * on other labels are assumed satisfiable. */
struct wh_admission_node_term {
    struct wh_admission_node_expr *exprs;
    size_t n_exprs;
    bool matches_nothing; /* an empty term selects no node */
};
struct wh_admission_platforms {
    const char *os, *arch;                /* spec.nodeSelector values, NULL when absent */
    struct wh_admission_node_term *terms; /* required node affinity; n_terms 0: none */
    size_t n_terms;
};

/* True when a node of `os`/`arch` can satisfy `p`. A pod that constrains no OS runs on linux
 * (Kubernetes' own default for workloads without a nodeSelector is the cluster's linux nodes). */
bool wh_admission_platform_allowed(const struct wh_admission_platforms *p, const char *os,
                                   const char *arch);

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
    const char *resource_group;          /* request.resource.group: "" (core), "apps", ... */
    bool dry_run;
    /* Containers, then initContainers, then ephemeralContainers, then image volumes (path
     * "spec.volumes[N].image.reference", `container` the volume's name), in document order. Empty
     * for DELETE, CONNECT and kinds that hold no pod spec (the caller allows those). */
    struct wh_admission_image *images;
    size_t n_images;
    /* metadata.annotations of the pod (or the pod template): driftgate.dev/dev-image */
    struct wh_annotation_kv *annotations;
    size_t n_annotations;
    struct wh_admission_platforms platforms; /* from the pod spec; all zero: linux, any arch */
    bool has_object;                         /* request.object is a JSON object */
    /* The pod spec's imagePullSecrets[].name in order (entries without a name skipped; at most
     * WH_ADMISSION_MAX_PULL_SECRETS, else WH_E_LIMIT) and serviceAccountName ("" when absent).
     * The ServiceAccount admission plugin has already copied the account's pull secrets into
     * the pod spec by the time a validating webhook sees a Pod. */
    const char **image_pull_secrets;
    size_t n_image_pull_secrets;
    const char *service_account;
};

#define WH_ADMISSION_MAX_PULL_SECRETS 256

/*
 * Parses an AdmissionReview v1 body. Pod kinds: Pod (spec; also the pods/ephemeralcontainers
 * subresource), PodTemplate (template.spec), Deployment, ReplicaSet, StatefulSet, DaemonSet
 * (apps), Job (batch), ReplicationController (spec.template.spec), CronJob (batch,
 * spec.jobTemplate.spec.template.spec). Images: every container, init and ephemeral container
 * image and every image volume's reference (spec.volumes[N].image.reference).
 * WH_E_INVALID: not JSON, duplicate keys, wrong apiVersion/kind, no request, no uid, bad field
 * types, a container without an image or an image volume without a reference, a CREATE/UPDATE
 * of a pod resource (or pods/ephemeralcontainers) whose object is not its pod kind (the caller
 * answers HTTP 400). WH_E_LIMIT: body larger than lim->body_bytes, nesting deeper than
 * lim->json_depth, more than lim->images images.
 * *out is valid only on WH_OK and lives as long as `a`.
 */
WH_MUST_CHECK enum wh_err
wh_admission_request_parse(struct wh_bytes body, const struct wh_limits *lim, struct wh_arena *a,
                           struct wh_admission_request *out, struct wh_error *err);

#endif
