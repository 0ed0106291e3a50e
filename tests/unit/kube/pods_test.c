/*
 * Running pods: a status imageID reduced to the digest pulled (every runtime's spelling), a PodList
 * page joined with the spec by container name, and every bound and wrong type of a page. The paged
 * API call runs against a stand-in apiserver in tests/integration/reverify_test.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kube/pods.c"
#include "unit/harness.h"
#include "unit/last_parse.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"

static void
test_image_id(void)
{
    struct wh_arena a;
    const char *d, *r;

    wh_arena_init(&a);
    wh_kube_image_id_digest("docker-pullable://reg.example/app@" D1, &a, &d, &r);
    ok(d != NULL && strcmp(d, D1) == 0 && strcmp(r, "reg.example/app") == 0,
       "docker-pullable:// prefix dropped: digest and repository");
    wh_kube_image_id_digest("reg.example:5000/team/app@" D2, &a, &d, &r);
    ok(d != NULL && strcmp(d, D2) == 0 && strcmp(r, "reg.example:5000/team/app") == 0,
       "containerd/CRI-O repo@digest");
    wh_kube_image_id_digest("docker://" D1, &a, &d, &r);
    ok(d == NULL && r == NULL, "docker://sha256:<image id>: a local image ID, not a digest");
    wh_kube_image_id_digest(D1, &a, &d, &r);
    ok(d == NULL, "a bare sha256: is an image (config) ID");
    wh_kube_image_id_digest("", &a, &d, &r);
    ok(d == NULL, "empty imageID (not pulled yet)");
    wh_kube_image_id_digest("reg/app@sha256:ABCD", &a, &d, &r);
    ok(d == NULL, "a malformed digest is no digest");
    wh_kube_image_id_digest("@" D1, &a, &d, &r);
    ok(d == NULL, "a digest without a repository is refused");
    wh_arena_fini(&a);
}

/* What the last parse gave (see last_parse.h). */
static struct wh_kube_pod_page pg;

static enum wh_err
parse(const char *json)
{
    return wh_kube_pod_list_parse(text_bytes(json), last_parse_arena(), &pg, &err);
}

static void
test_join(void)
{
    const char *page =
        "{\"kind\":\"PodList\",\"metadata\":{\"continue\":\"tok\"},\"items\":[{\"metadata\":"
        "{\"name\":\"p\",\"namespace\":\"n\",\"uid\":\"u\"},\"spec\":{\"containers\":[{\"name\":"
        "\"a\",\"image\":\"r/a:1\"},{\"name\":\"b\",\"image\":\"r/b@" D2 "\"}],\"initContainers\":"
        "[{\"name\":\"i\",\"image\":\"r/i:1\"}]},\"status\":{\"phase\":\"Running\","
        "\"containerStatuses\":[{\"name\":\"b\",\"imageID\":\"r/b@" D2 "\"},{\"name\":\"a\","
        "\"imageID\":\"docker-pullable://r/a@" D1 "\"}],\"initContainerStatuses\":[{\"name\":"
        "\"i\",\"imageID\":\"\"}],\"ephemeralContainerStatuses\":[{\"name\":\"dbg\",\"imageID\":"
        "\"r/d@" D1 "\"}]}},{\"metadata\":{\"name\":\"q\",\"namespace\":\"n\"}}]}";
    const struct wh_kube_pod *p;

    if (parse(page) != WH_OK || pg.n_pods != 2 || pg.pods == NULL) {
        ok(0, "a page with two pods parses (%s)", err.msg);
        return;
    }
    ok(1, "a page with two pods parses");
    p = &pg.pods[0];
    ok(pg.continue_token != NULL && strcmp(pg.continue_token, "tok") == 0,
       "metadata.continue kept");
    ok(p->n_containers == 4 && strcmp(p->phase, "Running") == 0 && strcmp(p->uid, "u") == 0,
       "init, app and ephemeral statuses: 4");
    ok(strcmp(p->containers[0].field, "initContainers") == 0 && p->containers[0].index == 0 &&
           p->containers[0].digest == NULL,
       "init status first, not pulled yet: no digest");
    ok(strcmp(p->containers[1].name, "b") == 0 && p->containers[1].index == 1 &&
           strcmp(p->containers[1].spec_image, "r/b@" D2) == 0 &&
           strcmp(p->containers[1].digest, D2) == 0,
       "statuses are joined with the spec by name, not by position");
    ok(strcmp(p->containers[2].name, "a") == 0 && p->containers[2].index == 0 &&
           strcmp(p->containers[2].digest, D1) == 0,
       "the second status names spec.containers[0]");
    ok(strcmp(p->containers[3].field, "ephemeralContainers") == 0 && p->containers[3].index == -1 &&
           p->containers[3].spec_image == NULL,
       "a status without a spec entry: index -1");
    ok(pg.pods[1].n_containers == 0 && strcmp(pg.pods[1].phase, "") == 0 &&
           strcmp(pg.pods[1].uid, "") == 0,
       "a pod without status: no containers, empty phase");
    ok(parse("{\"kind\":\"PodList\",\"metadata\":{\"continue\":\"\"},\"items\":[]}") == WH_OK &&
           pg.continue_token == NULL,
       "an empty continue is the last page");
}

static void
test_refused(void)
{
    char *big;
    struct wh_buf b;

    expect_rc(parse("{"), WH_E_INVALID, "PodList JSON 1:", "truncated JSON");
    expect_rc(parse("{\"kind\":\"Pod\"}"), WH_E_INVALID, "not a v1 PodList",
              "a Pod is not a PodList");
    expect_rc(parse("[]"), WH_E_INVALID, "not a v1 PodList", "an array");
    expect_rc(parse("{\"kind\":\"PodList\",\"kind\":\"PodList\"}"), WH_E_INVALID, "duplicate",
              "duplicate keys");
    expect_rc(parse("{\"kind\":\"PodList\",\"items\":{}}"), WH_E_INVALID, "items is not an array",
              "items not an array");
    expect_rc(parse("{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\"}}]}"),
              WH_E_INVALID, "items[0] has no metadata.namespace", "a pod without a namespace");
    expect_rc(
        parse("{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":1,\"namespace\":\"n\"}}]}"),
        WH_E_INVALID, "items[0].name is not a string", "a name that is a number");
    expect_rc(
        parse("{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},"
              "\"status\":{\"containerStatuses\":[{\"imageID\":\"x\"}]}}]}"),
        WH_E_INVALID, "has no name", "a status without a name");
    expect_rc(
        parse(
            "{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\\u0000x\",\"namespace\":"
            "\"n\"}}]}"),
        WH_E_INVALID, "is not allowed", "a NUL in a name (jansson refuses it)");
    wh_buf_init(&b, 64u << 20);
    wh_buf_append_c(&b, "{\"kind\":\"PodList\",\"items\":[");
    for (int i = 0; i < 1001; i++)
        wh_buf_append_c(&b, i > 0 ? ",{}" : "{}");
    wh_buf_append_c(&b, "]}");
    wh_buf_append(&b, "", 1);
    expect_rc(parse(b.ptr), WH_E_LIMIT, "1001 items (limit 1000)",
              "more items than a page may hold");
    wh_buf_reset(&b);
    wh_buf_append_c(&b, "{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\","
                        "\"namespace\":\"n\"},\"status\":{\"containerStatuses\":[");
    for (int i = 0; i < 257; i++)
        wh_buf_printf(&b, "%s{\"name\":\"c%d\"}", i > 0 ? "," : "", i);
    wh_buf_append_c(&b, "]}}]}");
    wh_buf_append(&b, "", 1);
    expect_rc(parse(b.ptr), WH_E_LIMIT, "257 container statuses (limit 256)", "too many statuses");
    wh_buf_reset(&b);
    wh_buf_append_c(&b, "{\"kind\":\"PodList\",\"metadata\":{\"continue\":\"");
    for (int i = 0; i < 4097; i++)
        wh_buf_append_c(&b, "x");
    wh_buf_append_c(&b, "\"}}");
    wh_buf_append(&b, "", 1);
    expect_rc(parse(b.ptr), WH_E_LIMIT, "is 4097 bytes (limit 4096)",
              "a continue token over 4 KiB");
    wh_buf_fini(&b);
    big = calloc(1, WH_KUBE_POD_PAGE_MAX + 2);
    memset(big, ' ', WH_KUBE_POD_PAGE_MAX + 1);
    expect_rc(parse(big), WH_E_LIMIT, "limit 16777216", "a page over 16 MiB");
    free(big);
}

/* What `reverify --fsm` reads of the spec: each container's UID/GID (its own over the pod's,
 * matched to its status by name, not by position), and spec.ephemeralContainers by name. */
static void
test_fsm_fields(void)
{
    const char *page =
        "{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\",\"namespace\":\"n\"},"
        "\"spec\":{\"securityContext\":{\"runAsUser\":1000,\"runAsGroup\":3000},\"containers\":"
        "[{\"name\":\"app\",\"securityContext\":{\"runAsUser\":2000}},{\"name\":\"side\"}],"
        "\"ephemeralContainers\":[{\"name\":\"driftgate-fsm\",\"image\":\"r/d@" D1 "\","
        "\"targetContainerName\":\"app\"},{\"image\":\"nameless\"}]},\"status\":{"
        "\"containerStatuses\":[{\"name\":\"side\",\"imageID\":\"\"},{\"name\":\"app\","
        "\"imageID\":\"\"},{\"name\":\"gone\",\"imageID\":\"\"}]}},"
        "{\"metadata\":{\"name\":\"q\",\"namespace\":\"n\"},\"spec\":{\"containers\":[{\"name\":"
        "\"c\"}]},\"status\":{\"containerStatuses\":[{\"name\":\"c\",\"imageID\":\"\"}]}}]}";
    const struct wh_kube_pod *p;

    if (parse(page) != WH_OK || pg.n_pods != 2) {
        ok(0, "a page with security contexts and ephemeral containers parses (%s)", err.msg);
        return;
    }
    p = &pg.pods[0];
    ok(p->run_as_user == 1000 && p->run_as_group == 3000 && p->n_containers == 3,
       "the pod's runAsUser and runAsGroup");
    ok(strcmp(p->containers[1].name, "app") == 0 && p->containers[1].index == 0 &&
           p->containers[1].run_as_user == 2000 && p->containers[1].run_as_group == 3000,
       "containers[0] (second status): its own runAsUser over the pod's, the pod's runAsGroup");
    ok(strcmp(p->containers[0].name, "side") == 0 && p->containers[0].index == 1 &&
           p->containers[0].run_as_user == 1000 && p->containers[0].run_as_group == 3000,
       "containers[1] (first status): the pod's UID and GID");
    ok(p->containers[2].index == -1 && p->containers[2].run_as_user == 1000,
       "a status with no spec entry: index -1, the pod's UID");
    ok(p->n_ephemeral == 1 && strcmp(p->ephemeral[0].name, "driftgate-fsm") == 0 &&
           strcmp(p->ephemeral[0].image, "r/d@" D1) == 0 &&
           strcmp(p->ephemeral[0].target, "app") == 0,
       "spec.ephemeralContainers: name, image, targetContainerName (a nameless one dropped)");
    p = &pg.pods[1];
    ok(p->run_as_user == WH_KUBE_UID_UNSET && p->n_containers == 1 &&
           p->containers[0].run_as_user == WH_KUBE_UID_UNSET &&
           p->containers[0].run_as_group == WH_KUBE_UID_UNSET && p->n_ephemeral == 0,
       "no securityContext: UID unknown, no ephemeral containers");
    expect_rc(parse("{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\",\"namespace\":"
                    "\"n\"},\"spec\":{\"securityContext\":{\"runAsUser\":-1}}}]}"),
              WH_E_INVALID, "securityContext.runAsUser is not a UID", "a negative UID");
    expect_rc(
        parse("{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\",\"namespace\":"
              "\"n\"},\"spec\":{\"containers\":[{\"name\":\"a\",\"securityContext\":{\"runAsUser\":"
              "\"0\"}}]},\"status\":{\"containerStatuses\":[{\"name\":\"a\"}]}}]}"),
        WH_E_INVALID, "is not a UID", "a container's UID that is a string");
    expect_rc(parse("{\"kind\":\"PodList\",\"items\":[{\"metadata\":{\"name\":\"p\",\"namespace\":"
                    "\"n\"},\"spec\":{\"ephemeralContainers\":[1]}}]}"),
              WH_E_INVALID, "an ephemeral container is not an object",
              "an ephemeral entry not an object");
}

int
main(void)
{
    test_image_id();
    test_join();
    test_refused();
    test_fsm_fields();
    last_parse_fini();
    return done_testing();
}
