#include "admission/request.h"

#include <stdio.h>
#include <stdlib.h>

#include "unit/harness.h"
#include "unit/last_parse.h"

static const struct wh_limits limits = WH_LIMITS_DEFAULT;

/* request.resource.resource of a kind, as the apiserver names it. */
static const char *
resource_of(const char *kind)
{
    static const char *const map[][2] = {
        {"Pod", "pods"},
        {"PodTemplate", "podtemplates"},
        {"ReplicationController", "replicationcontrollers"},
        {"Deployment", "deployments"},
        {"ReplicaSet", "replicasets"},
        {"StatefulSet", "statefulsets"},
        {"DaemonSet", "daemonsets"},
        {"Job", "jobs"},
        {"CronJob", "cronjobs"},
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], kind) == 0)
            return map[i][1];
    return "configmaps";
}

/* An AdmissionReview as the apiserver sends it, around `object` (JSON text or "null"). */
static char *
review(const char *op, const char *group, const char *kind, const char *object)
{
    static char buf[16384];

    snprintf(buf, sizeof(buf),
             "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
             "\"uid\":\"705ab4f5-6393-11e8-b7cc-42010a800002\",\"kind\":{\"group\":\"%s\","
             "\"version\":\"v1\",\"kind\":\"%s\"},\"resource\":{\"group\":\"%s\",\"version\":"
             "\"v1\",\"resource\":\"%s\"},\"namespace\":\"prod\",\"name\":\"web\","
             "\"operation\":\"%s\",\"userInfo\":{\"username\":\"admin\"},\"dryRun\":true,"
             "\"object\":%s,\"oldObject\":null}}",
             group, kind, group, resource_of(kind), op, object);
    return buf;
}

/* What the last parse gave (see last_parse.h). */
static struct wh_admission_request req;

static enum wh_err
parse(const char *text)
{
    return wh_admission_request_parse(text_bytes(text), &limits, last_parse_arena(), &req, &err);
}

static void
test_pod_fields_and_images_in_order(void)
{
    const char *pod =
        "{\"metadata\":{\"name\":\"web\",\"annotations\":{\"driftgate.dev/dev-image\":\"dev:1\","
        "\"other\":\"x\"}},\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1\"},"
        "{\"name\":\"side\",\"image\":\"ghcr.io/a/b@sha256:"
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}],"
        "\"initContainers\":[{\"name\":\"init\",\"image\":\"busybox\"}],"
        "\"ephemeralContainers\":[{\"name\":\"dbg\",\"image\":\"debug:x\"}]}}";

    if (!ok(parse(review("CREATE", "", "Pod", pod)) == WH_OK, "pod parses")) {
        printf("# %s\n", err.msg);
        return;
    }
    ok(strcmp(req.uid, "705ab4f5-6393-11e8-b7cc-42010a800002") == 0, "uid");
    ok(strcmp(req.operation, "CREATE") == 0 && strcmp(req.namespace_, "prod") == 0 &&
           strcmp(req.name, "web") == 0,
       "operation, namespace, name");
    ok(strcmp(req.group, "") == 0 && strcmp(req.version, "v1") == 0 && strcmp(req.kind, "Pod") == 0,
       "request.kind");
    ok(strcmp(req.resource, "pods") == 0 && strcmp(req.sub_resource, "") == 0, "resource");
    ok(req.dry_run && req.has_object, "dryRun and object");
    ok(req.n_images == 4, "four images (%zu)", req.n_images);
    if (req.n_images == 4) {
        ok(strcmp(req.images[0].path, "spec.containers[0].image") == 0 &&
               strcmp(req.images[0].image, "nginx:1") == 0 &&
               strcmp(req.images[0].container, "app") == 0,
           "containers[0]: %s", req.images[0].path);
        ok(strcmp(req.images[1].path, "spec.containers[1].image") == 0, "containers[1]");
        ok(strcmp(req.images[2].path, "spec.initContainers[0].image") == 0 &&
               strcmp(req.images[2].image, "busybox") == 0,
           "initContainers[0]: %s", req.images[2].path);
        ok(strcmp(req.images[3].path, "spec.ephemeralContainers[0].image") == 0 &&
               strcmp(req.images[3].container, "dbg") == 0,
           "ephemeralContainers[0]: %s", req.images[3].path);
    }
    ok(req.n_annotations == 2 && strcmp(req.annotations[0].key, "driftgate.dev/dev-image") == 0 &&
           strcmp(req.annotations[0].value, "dev:1") == 0,
       "pod annotations");
}

static void
test_workload_kinds_use_their_pod_template(void)
{
    static const struct {
        const char *group, *kind, *object, *path;
    } cases[] = {
        {"apps", "Deployment",
         "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":"
         "\"a\"}]}}}}",
         "spec.template.spec.containers[0].image"},
        {"apps", "StatefulSet",
         "{\"spec\":{\"template\":{\"spec\":{\"initContainers\":[{"
         "\"image\":\"a\"}]}}}}",
         "spec.template.spec.initContainers[0].image"},
        {"apps", "DaemonSet",
         "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":"
         "\"a\"}]}}}}",
         "spec.template.spec.containers[0].image"},
        {"apps", "ReplicaSet",
         "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":"
         "\"a\"}]}}}}",
         "spec.template.spec.containers[0].image"},
        {"", "ReplicationController",
         "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{"
         "\"image\":\"a\"}]}}}}",
         "spec.template.spec.containers[0].image"},
        {"batch", "Job",
         "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":\"a\"}]}}}}",
         "spec.template.spec.containers[0].image"},
        {"batch", "CronJob",
         "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{"
         "\"containers\":[{\"image\":\"a\"}]}}}}}}",
         "spec.jobTemplate.spec.template.spec.containers[0].image"},
        {"", "PodTemplate", "{\"template\":{\"spec\":{\"containers\":[{\"image\":\"a\"}]}}}",
         "template.spec.containers[0].image"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum wh_err rc;

        rc = parse(review("CREATE", cases[i].group, cases[i].kind, cases[i].object));
        ok(rc == WH_OK && req.n_images == 1 && strcmp(req.images[0].path, cases[i].path) == 0 &&
               strcmp(req.images[0].image, "a") == 0,
           "%s/%s image at %s (%s)", cases[i].group, cases[i].kind, cases[i].path,
           rc == WH_OK ? (req.n_images > 0 ? req.images[0].path : "none") : err.msg);
    }
}

static void
test_template_annotations_are_the_pods(void)
{
    ok(parse(review("CREATE", "apps", "Deployment",
                    "{\"metadata\":{\"annotations\":{\"top\":\"no\"}},\"spec\":{\"template\":{"
                    "\"metadata\":{\"annotations\":{\"driftgate.dev/dev-image\":\"d\"}},"
                    "\"spec\":{\"containers\":[{\"image\":\"a\"}]}}}}")) == WH_OK &&
           req.n_annotations == 1 && strcmp(req.annotations[0].key, "driftgate.dev/dev-image") == 0,
       "deployment annotations come from the pod template");
}

static void
test_unknown_kind_and_delete_have_no_images(void)
{
    ok(parse(review("CREATE", "", "ConfigMap", "{\"data\":{\"image\":\"x\"}}")) == WH_OK &&
           req.n_images == 0 && req.has_object,
       "unknown kind: no images");
    ok(parse(review("CREATE", "extensions", "Deployment", "{\"spec\":{}}")) == WH_OK &&
           req.n_images == 0,
       "kind matched by group too: extensions/Deployment is not apps/Deployment");
    ok(parse(review("DELETE", "", "Pod", "null")) == WH_OK && req.n_images == 0 &&
           !req.has_object && strcmp(req.operation, "DELETE") == 0,
       "DELETE: uid only");
    ok(parse(review("CONNECT", "", "Pod", "{\"spec\":{\"containers\":[{}]}}")) == WH_OK &&
           req.n_images == 0,
       "CONNECT: images not read");
    ok(parse(review("UPDATE", "", "Pod",
                    "{\"spec\":{\"ephemeralContainers\":[{\"name\":\"d\",\"image\":\"busybox\"}],"
                    "\"containers\":[{\"image\":\"nginx\"}]}}")) == WH_OK &&
           req.n_images == 2 &&
           strcmp(req.images[1].path, "spec.ephemeralContainers[0].image") == 0,
       "UPDATE (ephemeralcontainers subresource shape) lists ephemeral containers");
}

static void
test_malformed_envelopes_are_invalid(void)
{
    expect_rc(parse("not json"), WH_E_INVALID, "AdmissionReview is not valid JSON: 1:", "not JSON");
    expect_rc(parse("[1]"), WH_E_INVALID, "not a JSON object", "array root");
    expect_rc(parse("{\"apiVersion\":\"admission.k8s.io/v1beta1\",\"kind\":\"AdmissionReview\"}"),
              WH_E_INVALID, "unsupported apiVersion \"admission.k8s.io/v1beta1\"",
              "v1beta1 refused");
    expect_rc(parse("{\"kind\":\"AdmissionReview\"}"), WH_E_INVALID, "has no apiVersion",
              "missing apiVersion");
    expect_rc(parse("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"Pod\"}"), WH_E_INVALID,
              "kind is \"Pod\", want AdmissionReview", "wrong kind");
    expect_rc(parse("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\"}"),
              WH_E_INVALID, "has no request", "missing request");
    expect_rc(parse("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                    "\"request\":{\"operation\":\"CREATE\"}}"),
              WH_E_INVALID, "request.uid is missing", "missing uid");
    expect_rc(parse("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                    "\"request\":{\"uid\":\"\"}}"),
              WH_E_INVALID, "request.uid is empty", "empty uid");
    expect_rc(parse("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                    "\"request\":{\"uid\":7}}"),
              WH_E_INVALID, "request.uid is not a string", "numeric uid");
    expect_rc(
        parse("{\"apiVersion\":\"admission.k8s.io/v1\",\"apiVersion\":\"admission.k8s.io/v1\","
              "\"kind\":\"AdmissionReview\"}"),
        WH_E_INVALID, "duplicate object key", "duplicate keys");
    expect_rc(
        parse("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
              "\"request\":{\"uid\":\"u\",\"operation\":\"PATCH\",\"kind\":{\"kind\":\"Pod\"}}}"),
        WH_E_INVALID, "request.operation \"PATCH\" is not CREATE", "bad operation");
    expect_rc(parse("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\","
                    "\"request\":{\"uid\":\"u\",\"operation\":\"CREATE\"}}"),
              WH_E_INVALID, "request.kind is missing", "missing request.kind");
    expect_rc(parse(review("CREATE", "", "Pod", "{\"spec\":{}}")), WH_OK, "", "empty pod spec ok");
}

static void
test_bad_objects_name_the_path(void)
{
    expect_rc(parse(review("CREATE", "", "Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}")),
              WH_E_INVALID, "request.object (Pod): spec.containers[0].image is missing",
              "container without image");
    expect_rc(
        parse(review("CREATE", "apps", "Deployment",
                     "{\"spec\":{\"template\":{\"spec\":{\"initContainers\":[{\"image\":5}]}}}}")),
        WH_E_INVALID, "spec.template.spec.initContainers[0].image is missing or not a",
        "numeric image");
    expect_rc(parse(review("CREATE", "", "Pod", "{\"spec\":{\"containers\":[{\"image\":\"\"}]}}")),
              WH_E_INVALID, "spec.containers[0].image is empty", "empty image");
    expect_rc(parse(review("CREATE", "", "Pod", "{\"spec\":{\"containers\":{}}}")), WH_E_INVALID,
              "spec.containers is not an array", "containers not an array");
    expect_rc(parse(review("CREATE", "", "Pod", "{\"spec\":{\"containers\":[\"nginx\"]}}")),
              WH_E_INVALID, "spec.containers[0] is not an object", "container not an object");
    expect_rc(parse(review("CREATE", "apps", "Deployment", "{\"spec\":{}}")), WH_E_INVALID,
              "Deployment object has no spec.template.spec", "deployment without pod spec");
    expect_rc(parse(review("CREATE", "apps", "Deployment", "{\"spec\":[]}")), WH_E_INVALID,
              "spec.template: parent is not an object", "spec is an array");
    expect_rc(parse(review("CREATE", "", "Pod", "null")), WH_E_INVALID,
              "request.object is missing for CREATE Pod", "CREATE without object");
    expect_rc(
        parse(review("CREATE", "", "Pod",
                     "{\"metadata\":{\"annotations\":{\"k\":1}},\"spec\":{\"containers\":[]}}")),
        WH_E_INVALID, "metadata.annotations[\"k\"] is not a string", "non-string annotation");
}

static void
test_limits_are_enforced(void)
{
    struct wh_limits lim = limits;
    const char *two = review("CREATE", "", "Pod",
                             "{\"spec\":{\"containers\":[{\"image\":\"a\"},{\"image\":\"b\"}]}}");
    struct wh_bytes body = {(const unsigned char *)two, strlen(two)};
    char deep[400];
    size_t i;

    lim.images = 1;
    ok(wh_admission_request_parse(body, &lim, last_parse_arena(), &req, &err) == WH_E_LIMIT &&
           strstr(err.msg, "more than 1 container images") != NULL,
       "image limit: %s", err.msg);
    lim = limits;
    lim.body_bytes = 100;
    ok(wh_admission_request_parse(body, &lim, last_parse_arena(), &req, &err) == WH_E_LIMIT &&
           strstr(err.msg, "over the limit of 100") != NULL,
       "body limit: %s", err.msg);
    for (i = 0; i < 100; i++)
        deep[i] = '[';
    memcpy(deep + 100, "\"[[[[\"", 6);
    for (i = 0; i < 100; i++)
        deep[106 + i] = ']';
    lim = limits;
    lim.json_depth = 100;
    ok(wh_admission_request_parse((struct wh_bytes){(unsigned char *)deep, 206}, &lim,
                                  last_parse_arena(), &req, &err) == WH_E_INVALID,
       "depth 100 passes the pre-scan (brackets in strings ignored): %s", err.msg);
    lim.json_depth = 99;
    ok(wh_admission_request_parse((struct wh_bytes){(unsigned char *)deep, 206}, &lim,
                                  last_parse_arena(), &req, &err) == WH_E_LIMIT &&
           strstr(err.msg, "nests deeper than 99 levels") != NULL,
       "depth limit: %s", err.msg);
}

static void
test_output_outlives_json_and_reads_only_the_body(void)
{
    const char *text =
        review("CREATE", "", "Pod", "{\"spec\":{\"containers\":[{\"image\":\"x\"}]}}");
    size_t n = strlen(text);
    unsigned char *copy = malloc(n); /* no NUL: ASan catches a read past the body */

    memcpy(copy, text, n);
    ok(wh_admission_request_parse((struct wh_bytes){copy, n}, &limits, last_parse_arena(), &req,
                                  &err) == WH_OK,
       "parse from an unterminated body");
    memset(copy, 'Z', n);
    free(copy);
    ok(req.n_images == 1 && strcmp(req.images[0].image, "x") == 0 && strcmp(req.kind, "Pod") == 0,
       "strings live in the arena, not the body or jansson");
}

static void
test_pull_secrets_and_service_account(void)
{
    ok(parse(review("CREATE", "apps", "Deployment",
                    "{\"spec\":{\"template\":{\"spec\":{\"serviceAccountName\":\"builder\","
                    "\"imagePullSecrets\":[{\"name\":\"regcred\"},{},{\"name\":\"\"},"
                    "{\"name\":\"other\"}],\"containers\":[{\"image\":\"a\"}]}}}}")) == WH_OK &&
           req.n_image_pull_secrets == 2 && strcmp(req.image_pull_secrets[0], "regcred") == 0 &&
           strcmp(req.image_pull_secrets[1], "other") == 0 &&
           strcmp(req.service_account, "builder") == 0,
       "template imagePullSecrets names in order (unnamed skipped), serviceAccountName");
    ok(parse(review("CREATE", "", "Pod", "{\"spec\":{\"containers\":[{\"image\":\"a\"}]}}")) ==
               WH_OK &&
           req.n_image_pull_secrets == 0 && strcmp(req.service_account, "") == 0,
       "none: no pull secrets, service account \"\"");
    ok(parse(review("DELETE", "", "Pod", "null")) == WH_OK && req.service_account != NULL &&
           req.n_image_pull_secrets == 0,
       "DELETE: service account \"\", never NULL");
    expect_rc(
        parse(review("CREATE", "", "Pod",
                     "{\"spec\":{\"imagePullSecrets\":{},\"containers\":[{\"image\":\"a\"}]}}")),
        WH_E_INVALID, "spec.imagePullSecrets is not an array", "imagePullSecrets object");
    expect_rc(parse(review("CREATE", "", "Pod",
                           "{\"spec\":{\"imagePullSecrets\":[{\"name\":1}],\"containers\":[{"
                           "\"image\":\"a\"}]}}")),
              WH_E_INVALID, "spec.imagePullSecrets[0].name is not a string", "numeric name");
    expect_rc(
        parse(review("CREATE", "", "Pod",
                     "{\"spec\":{\"serviceAccountName\":[],\"containers\":[{\"image\":\"a\"}]}}")),
        WH_E_INVALID, "spec.serviceAccountName is not a string", "array service account");
}

/* The decoder is one pass over the bytes: members come in any order, and what it reads of the
 * request is decided when the whole body has been validated. */
static void
test_member_order_does_not_matter(void)
{
    const char *text =
        "{\"request\":{\"object\":{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"image\":"
        "\"a\",\"name\":\"c\"}]},\"metadata\":{\"annotations\":{\"k\":\"v\"}}}}},"
        "\"operation\":\"CREATE\",\"kind\":{\"kind\":\"Deployment\",\"group\":\"apps\"},"
        "\"uid\":\"u\"},\"kind\":\"AdmissionReview\",\"apiVersion\":\"admission.k8s.io/v1\"}";

    ok(parse(text) == WH_OK && req.n_images == 1 &&
           strcmp(req.images[0].path, "spec.template.spec.containers[0].image") == 0 &&
           strcmp(req.images[0].container, "c") == 0 && req.n_annotations == 1 &&
           strcmp(req.kind, "Deployment") == 0,
       "kind after object, apiVersion last: %s", err.msg);
}

static void
test_escapes_are_decoded_in_keys_and_values(void)
{
    ok(parse(review("CREATE", "", "Pod",
                    "{\"spec\":{\"containers\":[{\"\\u0069mage\":\"reg\\/app:\\u00e9\"}]}}")) ==
               WH_OK &&
           req.n_images == 1 && strcmp(req.images[0].image, "reg/app:\xc3\xa9") == 0,
       "\\u0069mage is the image key; its value decoded: %s", err.msg);
}

static void
test_duplicate_keys_in_read_objects_are_invalid(void)
{
    static const char *const objects[] = {
        "{\"spec\":{\"containers\":[{\"image\":\"a\",\"image\":\"b\"}]}}",
        "{\"spec\":{\"containers\":[{\"image\":\"a\",\"ports\":[],\"ports\":[]}]}}",
        "{\"spec\":{\"containers\":[],\"containers\":[{\"image\":\"b\"}]}}",
        "{\"metadata\":{\"annotations\":{\"k\":\"1\",\"k\":\"2\"}},\"spec\":{}}",
        "{\"spec\":{\"nodeSelector\":{\"kubernetes.io/os\":\"linux\",\"kubernetes.io/os\":\"x\"}}}",
        "{\"spec\":{},\"spec\":{}}",
    };
    size_t i;

    for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
        char name[32];
        snprintf(name, sizeof(name), "duplicate key case %zu", i);
        expect_rc(parse(review("CREATE", "", "Pod", objects[i])), WH_E_INVALID,
                  "AdmissionReview is not valid JSON: 1:", name);
    }
    expect_rc(
        parse(
            "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":"
            "{\"uid\":\"u\",\"uid\":\"v\",\"operation\":\"DELETE\",\"kind\":{\"kind\":\"Pod\"}}}"),
        WH_E_INVALID, "duplicate object key \"uid\"", "duplicate request.uid");
}

static void
test_duplicates_in_unread_objects_are_not_refused(void)
{
    const char *text =
        review("CREATE", "", "Pod",
               "{\"status\":{\"phase\":\"a\",\"phase\":\"b\"},\"spec\":{"
               "\"containers\":[{\"image\":\"a\",\"resources\":{\"x\":1,\"x\":2}}]}}");

    /* jansson refused these too; nothing driftgate reads can differ, so the decoder skips them. */
    ok(parse(text) == WH_OK && req.n_images == 1,
       "duplicates inside object.status and a container's resources are skipped: %s", err.msg);
}

/* Past 32 keys the duplicate check switches to a hash index: both sides of it are right. */
static void
test_duplicate_check_in_large_objects(void)
{
    static char obj[16384];
    size_t n = 0, i;
    int dup;

    for (dup = 0; dup < 2; dup++) {
        n = (size_t)snprintf(obj, sizeof(obj), "{\"metadata\":{\"annotations\":{");
        for (i = 0; i < 300; i++)
            n += (size_t)snprintf(obj + n, sizeof(obj) - n, "%s\"key-%zu\":\"v\"", i ? "," : "",
                                  dup && i == 299 ? (size_t)7 : i);
        snprintf(obj + n, sizeof(obj) - n, "}},\"spec\":{}}");
        if (dup) {
            expect_rc(parse(review("CREATE", "", "Pod", obj)), WH_E_INVALID,
                      "duplicate object key \"key-7\"", "300 annotations, key-7 twice");
        } else {
            ok(parse(review("CREATE", "", "Pod", obj)) == WH_OK && req.n_annotations == 300 &&
                   strcmp(req.annotations[299].key, "key-299") == 0,
               "300 distinct annotations in order: %s", err.msg);
        }
    }
}

static void
test_syntax_is_checked_before_meaning(void)
{
    struct wh_limits lim = limits;
    char deep[64];

    /* A wrong apiVersion followed by broken JSON is a JSON error, as it was with jansson. */
    expect_rc(parse("{\"apiVersion\":\"v0\",\"kind\":\"AdmissionReview\","), WH_E_INVALID,
              "AdmissionReview is not valid JSON: 1:", "syntax error after a wrong field");
    expect_rc(parse("{\"apiVersion\":\"admission.k8s.io/v1\"} x"), WH_E_INVALID,
              "AdmissionReview is not valid JSON: 1:", "trailing bytes");
    expect_rc(parse("\"AdmissionReview\""), WH_E_INVALID,
              "AdmissionReview is not valid JSON: 1:1:", "a string root");
    expect_rc(parse(""), WH_E_INVALID, "AdmissionReview is not valid JSON: 1:1:", "empty body");
    expect_rc(
        parse(review("CREATE", "", "Pod", "{\"spec\":{\"containers\":[{\"image\":\"a\\x\"}]}}")),
        WH_E_INVALID, "AdmissionReview is not valid JSON: 1:", "bad escape in an image");
    expect_rc(parse(review("CREATE", "", "Pod",
                           "{\"spec\":{\"containers\":[{\"image\":\"\xc0\xaf\"}]}}")),
              WH_E_INVALID, "AdmissionReview is not valid JSON: 1:", "overlong UTF-8 in an image");
    /* Too deep and malformed: the depth verdict wins, as the pre-scan ran first. */
    memset(deep, '{', 40);
    memcpy(deep + 40, "\"x\":", 5);
    lim.json_depth = 10;
    ok(wh_admission_request_parse((struct wh_bytes){(unsigned char *)deep, 44}, &lim,
                                  last_parse_arena(), &req, &err) == WH_E_LIMIT &&
           strstr(err.msg, "nests deeper than 10 levels") != NULL,
       "unclosed and too deep: %s", err.msg);
    ok(wh_admission_request_parse((struct wh_bytes){(unsigned char *)"{{", 2}, &lim,
                                  last_parse_arena(), &req, &err) == WH_E_INVALID &&
           strstr(err.msg, "AdmissionReview is not valid JSON: 1:2:") != NULL,
       "shallow and malformed: %s", err.msg);
}

/* An AdmissionReview of `resource`/`sub` whose object is of `group`/`kind`. */
static char *
review_of(const char *op, const char *rgroup, const char *resource, const char *sub,
          const char *group, const char *kind, const char *object)
{
    static char buf[16384];

    snprintf(buf, sizeof(buf),
             "{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"request\":{"
             "\"uid\":\"u\",\"kind\":{\"group\":\"%s\",\"version\":\"v1\",\"kind\":\"%s\"},"
             "\"resource\":{\"group\":\"%s\",\"version\":\"v1\",\"resource\":\"%s\"},"
             "\"subResource\":\"%s\",\"namespace\":\"prod\",\"operation\":\"%s\","
             "\"object\":%s}}",
             group, kind, rgroup, resource, sub, op, object);
    return buf;
}

static void
test_image_volumes_are_checked_like_containers(void)
{
    const char *pod =
        "{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"reg.io/app:v1\"}],"
        "\"volumes\":[{\"name\":\"data\",\"image\":{\"reference\":\"reg.io/data:v1\","
        "\"pullPolicy\":\"IfNotPresent\"}},{\"name\":\"cfg\",\"configMap\":{\"name\":\"c\"}},"
        "{\"name\":\"none\",\"image\":null},{\"name\":\"model\",\"image\":{\"reference\":"
        "\"reg.io/model@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}}"
        "]}}";

    ok(parse(review("CREATE", "", "Pod", pod)) == WH_OK && req.n_images == 3 &&
           strcmp(req.images[0].path, "spec.containers[0].image") == 0 &&
           strcmp(req.images[1].path, "spec.volumes[0].image.reference") == 0 &&
           strcmp(req.images[1].image, "reg.io/data:v1") == 0 &&
           strcmp(req.images[1].container, "data") == 0 &&
           strcmp(req.images[2].path, "spec.volumes[3].image.reference") == 0 &&
           strncmp(req.images[2].image, "reg.io/model@sha256:", 20) == 0,
       "image volumes listed after the containers, at spec.volumes[N].image.reference (%s)",
       err.msg);
    /* pods/ephemeralcontainers carries the whole Pod: its image volumes are checked too. */
    ok(parse(review_of("UPDATE", "", "pods", "ephemeralcontainers", "", "Pod",
                       "{\"spec\":{\"ephemeralContainers\":[{\"name\":\"d\",\"image\":\"dbg\"}],"
                       "\"volumes\":[{\"name\":\"v\",\"image\":{\"reference\":\"vol\"}}]}}")) ==
               WH_OK &&
           req.n_images == 2 &&
           strcmp(req.images[1].path, "spec.volumes[0].image.reference") == 0 &&
           strcmp(req.images[1].image, "vol") == 0,
       "pods/ephemeralcontainers: the pod's image volumes too (%s)", err.msg);
}

static void
test_image_volumes_in_every_pod_kind(void)
{
    static const struct {
        const char *group, *kind, *before, *after, *path;
    } cases[] = {
        {"", "Pod", "{\"spec\":", "}", "spec"},
        {"", "PodTemplate", "{\"template\":{\"spec\":", "}}", "template.spec"},
        {"", "ReplicationController", "{\"spec\":{\"template\":{\"spec\":", "}}}",
         "spec.template.spec"},
        {"apps", "Deployment", "{\"spec\":{\"template\":{\"spec\":", "}}}", "spec.template.spec"},
        {"apps", "ReplicaSet", "{\"spec\":{\"template\":{\"spec\":", "}}}", "spec.template.spec"},
        {"apps", "StatefulSet", "{\"spec\":{\"template\":{\"spec\":", "}}}", "spec.template.spec"},
        {"apps", "DaemonSet", "{\"spec\":{\"template\":{\"spec\":", "}}}", "spec.template.spec"},
        {"batch", "Job", "{\"spec\":{\"template\":{\"spec\":", "}}}", "spec.template.spec"},
        {"batch", "CronJob", "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":",
         "}}}}}", "spec.jobTemplate.spec.template.spec"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char obj[512], want[128];
        enum wh_err rc;

        snprintf(obj, sizeof(obj),
                 "%s{\"containers\":[{\"name\":\"c\",\"image\":\"app\"}],\"volumes\":[{\"name\":"
                 "\"v\",\"image\":{\"reference\":\"vol\",\"pullPolicy\":\"Always\"}}]}%s",
                 cases[i].before, cases[i].after);
        snprintf(want, sizeof(want), "%s.volumes[0].image.reference", cases[i].path);
        rc = parse(review("CREATE", cases[i].group, cases[i].kind, obj));
        ok(rc == WH_OK && req.n_images == 2 && strcmp(req.images[1].path, want) == 0 &&
               strcmp(req.images[1].image, "vol") == 0,
           "%s: image volume at %s (%s)", cases[i].kind, want,
           rc != WH_OK        ? err.msg
           : req.n_images > 1 ? req.images[1].path
                              : "not listed");
    }
}

static void
test_malformed_image_volumes_are_refused(void)
{
    static const struct str_case cases[] = {
        {"{\"volumes\":[{\"name\":\"v\",\"image\":{}}]}",
         "request.object (Pod): spec.volumes[0].image.reference is missing or not a string: an "
         "image volume must name the image it mounts"},
        {"{\"volumes\":[{\"name\":\"v\",\"image\":{\"pullPolicy\":\"Always\"}}]}",
         "spec.volumes[0].image.reference is missing"},
        {"{\"volumes\":[{\"name\":\"v\",\"image\":{\"reference\":\"\"}}]}",
         "spec.volumes[0].image.reference is empty: an image volume must name the image it mounts"},
        {"{\"volumes\":[{\"name\":\"v\",\"image\":{\"reference\":null}}]}",
         "spec.volumes[0].image.reference is missing or not a string"},
        {"{\"volumes\":[{\"name\":\"v\",\"image\":{\"reference\":7}}]}",
         "spec.volumes[0].image.reference is missing or not a string"},
        {"{\"volumes\":[{\"name\":\"v\",\"image\":\"reg.io/x\"}]}",
         "spec.volumes[0].image is not an object"},
        {"{\"volumes\":[{\"name\":\"v\",\"image\":{\"reference\":\"x\",\"pullPolicy\":1}}]}",
         "spec.volumes[0].image.pullPolicy is not a string"},
        {"{\"volumes\":[{\"name\":1}]}", "spec.volumes[0].name is not a string"},
        {"{\"volumes\":[7]}", "spec.volumes[0] is not an object"},
        {"{\"volumes\":{}}", "spec.volumes is not an array"},
        {"{\"volumes\":[{\"name\":\"a\"},{\"name\":\"b\",\"image\":{\"reference\":\"x\","
         "\"reference\":\"y\"}}]}",
         "duplicate object key"},
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char obj[512];

        snprintf(obj, sizeof(obj), "{\"spec\":%s}", cases[i].in);
        expect_rc(parse(review("CREATE", "", "Pod", obj)), WH_E_INVALID, cases[i].want,
                  cases[i].want);
    }
}

static void
test_image_volumes_count_toward_the_image_limit(void)
{
    struct wh_limits lim = limits;
    const char *text = review("CREATE", "", "Pod",
                              "{\"spec\":{\"containers\":[{\"image\":\"a\"}],\"volumes\":[{"
                              "\"name\":\"v\",\"image\":{\"reference\":\"b\"}}]}}");

    lim.images = 1;
    ok(wh_admission_request_parse((struct wh_bytes){(const unsigned char *)text, strlen(text)},
                                  &lim, last_parse_arena(), &req, &err) == WH_E_LIMIT &&
           strstr(err.msg, "more than 1 container images") != NULL,
       "an image volume past the image limit: %s", err.msg);
}

static void
test_pod_resources_must_carry_their_pod_kind(void)
{
    expect_rc(
        parse(review_of("UPDATE", "", "pods", "ephemeralcontainers", "", "EphemeralContainers",
                        "{\"ephemeralContainers\":[{\"name\":\"d\",\"image\":\"evil\"}]}")),
        WH_E_INVALID,
        "request.kind EphemeralContainers for resource pods/ephemeralcontainers is not Pod: "
        "its images cannot be checked",
        "pods/ephemeralcontainers of another kind");
    expect_rc(parse(review_of("CREATE", "apps", "deployments", "", "apps", "Pod", "{\"spec\":{}}")),
              WH_E_INVALID,
              "request.kind apps/Pod for resource apps/deployments is not "
              "apps/Deployment",
              "deployments of another kind");
    expect_rc(parse(review_of("CREATE", "apps", "deployments", "", "extensions", "Deployment",
                              "{\"spec\":{}}")),
              WH_E_INVALID, "is not apps/Deployment", "deployments of another group's kind");
    ok(parse(review_of("UPDATE", "apps", "deployments", "scale", "autoscaling", "Scale",
                       "{\"spec\":{\"replicas\":3}}")) == WH_OK &&
           req.n_images == 0,
       "deployments/scale (a Scale) holds no images: %s", err.msg);
    ok(parse(review_of("DELETE", "", "pods", "", "", "Binding", "null")) == WH_OK,
       "DELETE admits nothing new: kind not checked");
    ok(parse(review_of("CREATE", "", "configmaps", "", "", "ConfigMap", "{}")) == WH_OK &&
           req.n_images == 0,
       "other resources: no images");
}

int
main(void)
{
    test_pod_fields_and_images_in_order();
    test_workload_kinds_use_their_pod_template();
    test_template_annotations_are_the_pods();
    test_unknown_kind_and_delete_have_no_images();
    test_malformed_envelopes_are_invalid();
    test_bad_objects_name_the_path();
    test_limits_are_enforced();
    test_output_outlives_json_and_reads_only_the_body();
    test_pull_secrets_and_service_account();
    test_member_order_does_not_matter();
    test_escapes_are_decoded_in_keys_and_values();
    test_duplicate_keys_in_read_objects_are_invalid();
    test_duplicates_in_unread_objects_are_not_refused();
    test_duplicate_check_in_large_objects();
    test_syntax_is_checked_before_meaning();
    test_image_volumes_are_checked_like_containers();
    test_image_volumes_in_every_pod_kind();
    test_malformed_image_volumes_are_refused();
    test_image_volumes_count_toward_the_image_limit();
    test_pod_resources_must_carry_their_pod_kind();
    last_parse_fini();
    return done_testing();
}
