#ifndef WH_KUBE_PODS_H
#define WH_KUBE_PODS_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

struct wh_kube_client;

/* Bounds on one page of GET /api/v1/pods (an untrusted answer: the API server is trusted, but a
 * cluster's tenants write the pods it lists). */
#define WH_KUBE_POD_PAGE_MAX (16u << 20) /* bytes of one page */
#define WH_KUBE_PODS_PER_PAGE_MAX 1000   /* items in one page (we ask for fewer) */
#define WH_KUBE_CONTAINERS_MAX 256       /* init + app + ephemeral statuses of one pod */
#define WH_KUBE_FIELD_MAX 4096           /* bytes of one image, imageID or continue token */

/* One container status of a running pod, joined with its spec entry by name. */
struct wh_kube_container {
    const char *field; /* the spec field: "initContainers", "containers", "ephemeralContainers" */
    const char *name;  /* container name */
    long index;        /* index in spec.<field>, -1 when the spec has no entry by that name */
    const char *spec_image; /* spec.<field>[index].image, NULL when index is -1 */
    const char *image_id;   /* status imageID as the runtime reported it ("" before the pull) */
    /* From image_id: the registry digest actually pulled ("sha256:<64 hex>") and the repository it
     * came from, or NULL when image_id holds none (not pulled yet, or a local image ID
     * "sha256:<config digest>" as docker:// reports for images it did not pull by digest). */
    const char *digest;
    const char *repository;
    /* The UID/GID it runs as: its spec entry's securityContext.runAsUser/runAsGroup, else the
     * pod's; WH_KUBE_UID_UNSET when neither says (the image's USER then: unknown here). */
    int64_t run_as_user, run_as_group;
};

/* One entry of spec.ephemeralContainers (what `reverify --fsm` looks for by name). */
struct wh_kube_ephemeral {
    const char *name;
    const char *image;  /* NULL when absent */
    const char *target; /* targetContainerName, NULL when absent */
};

#define WH_KUBE_UID_UNSET (-1)

struct wh_kube_pod {
    const char *namespace_;
    const char *name;
    const char *uid;
    const char *phase; /* status.phase, "" when absent */
    struct wh_kube_container *containers;
    size_t n_containers;
    /* spec.securityContext.runAsUser/runAsGroup (each container's own overrides them: see
     * wh_kube_container), WH_KUBE_UID_UNSET when absent. */
    int64_t run_as_user, run_as_group;
    struct wh_kube_ephemeral *ephemeral; /* spec.ephemeralContainers, at most CONTAINERS_MAX */
    size_t n_ephemeral;
    /* spec.imagePullSecrets[].name (the ServiceAccount admission plugin copies the service
     * account's there at creation), at most WH_KUBE_PULL_SECRETS_MAX. */
    const char **pull_secrets;
    size_t n_pull_secrets;
};

#define WH_KUBE_PULL_SECRETS_MAX 16

struct wh_kube_pod_page {
    struct wh_kube_pod *pods;
    size_t n_pods;
    const char *continue_token; /* metadata.continue: NULL on the last page */
};

/*
 * Pure: one page of a v1 PodList (JSON) → its pods. Over WH_KUBE_POD_PAGE_MAX bytes, more than
 * WH_KUBE_PODS_PER_PAGE_MAX items or WH_KUBE_CONTAINERS_MAX statuses in a pod, a string field
 * over WH_KUBE_FIELD_MAX → WH_E_LIMIT; not a PodList, a pod without metadata.namespace/name, a
 * field of the wrong type → WH_E_INVALID naming the item. *out (in `a`) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_kube_pod_list_parse(struct wh_bytes body, struct wh_arena *a,
                                                 struct wh_kube_pod_page *out,
                                                 struct wh_error *err);

/*
 * Pure: a status imageID → the digest pulled and its repository (both NULL when it names none).
 * Runtime prefixes ("docker-pullable://", "docker://", any "<scheme>://") are dropped;
 * "repo@sha256:<hex>" gives both, anything else neither. Strings in `a`.
 */
void wh_kube_image_id_digest(const char *image_id, struct wh_arena *a, const char **digest,
                             const char **repository);

/*
 * Every Running pod of the cluster: GET /api/v1/pods?limit=<page>&fieldSelector=status.phase=
 * Running, following metadata.continue. More than max_pods pods, or more pages than max_pods /
 * page + 1, → WH_E_LIMIT; a continue token seen twice → WH_E_INVALID; the API's errors as
 * wh_kube_request gives them (a 403 names `list` on pods). Pods not Running are dropped even when
 * the server ignored the selector. *pods (in `a`) valid only on WH_OK.
 */
WH_MUST_CHECK enum wh_err wh_kube_pods_list(struct wh_kube_client *k, size_t page, size_t max_pods,
                                            int64_t deadline_ms, struct wh_arena *a,
                                            struct wh_kube_pod **pods, size_t *n_pods,
                                            struct wh_error *err);

#endif
