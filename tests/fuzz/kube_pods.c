/* One page of a v1 PodList → pods: never crashes; on success every pod has a namespace and a name,
 * every container a name, and a digest (when one was taken from imageID) is "sha256:<64 hex>" with
 * its repository; errors are invalid or limit with a message. Also the image config's revision
 * label reader (cli/reverify.h) on the same bytes. */
#include <string.h>

#include "base/arena.h"
#include "cli/reverify.h"
#include "fuzz/fuzz.h"
#include "kube/pods.h"

static void
check_pod(const struct wh_kube_pod *p)
{
    WH_ASSERT(p->namespace_ != NULL && p->name != NULL && p->phase != NULL);
    WH_ASSERT(p->n_containers <= WH_KUBE_CONTAINERS_MAX);
    for (size_t k = 0; k < p->n_containers; k++) {
        const struct wh_kube_container *c = &p->containers[k];

        WH_ASSERT(c->name != NULL && c->image_id != NULL);
        WH_ASSERT(c->index >= 0 || c->spec_image == NULL);
        WH_ASSERT((c->digest == NULL) == (c->repository == NULL));
        WH_ASSERT(c->digest == NULL ||
                  (strlen(c->digest) == 71 && strncmp(c->digest, "sha256:", 7) == 0));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wh_arena a;
    struct wh_kube_pod_page page;
    struct wh_error err;
    const char *rev;

    wh_arena_init(&a);
    if (wh_kube_pod_list_parse((struct wh_bytes){data, size}, &a, &page, &err) == WH_OK) {
        WH_ASSERT(page.n_pods <= WH_KUBE_PODS_PER_PAGE_MAX);
        WH_ASSERT(page.continue_token == NULL || page.continue_token[0] != '\0');
        for (size_t i = 0; i < page.n_pods; i++)
            check_pod(&page.pods[i]);
    } else {
        WH_ASSERT(err.code == WH_E_INVALID || err.code == WH_E_LIMIT);
        WH_ASSERT(err.msg[0] != '\0');
    }
    rev = wh_cli_reverify_revision_parse((struct wh_bytes){data, size}, &a);
    WH_ASSERT(rev == NULL || strlen(rev) <= 128);
    wh_arena_fini(&a);
    return 0;
}
