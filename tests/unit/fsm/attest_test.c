/* fsm/attest.c: the fs-manifest predicate parsed strictly, and attested = computed proved. */
#include "fsm/attest.h"

#include <stdio.h>
#include <string.h>

#include "base/arena.h"
#include "base/digest.h"
#include "policy/model.h"
#include "unit/harness.h"

static const char TEXT[] = "#driftgate-fsm v1 sha256\n. type=dir mode=0755 uid=0 gid=0\n";
static const char OTHER[] = "#driftgate-fsm v1 sha256\n. type=dir mode=0700 uid=0 gid=0\n";

static enum wh_err
parse(const char *json, size_t max, struct wh_arena *a, struct wh_fsm_attested *out,
      struct wh_error *err)
{
    return wh_fsm_attested_parse((struct wh_bytes){(const unsigned char *)json, strlen(json)}, max,
                                 a, out, err);
}

int
main(void)
{
    struct wh_arena a;
    struct wh_fsm_attested att;
    struct wh_error err;
    char root[WH_DIGEST_STR_LEN], json[1024];
    const char *why;

    wh_arena_init(&a);
    ok(strcmp(WH_FSM_PREDICATE_TYPE, WH_POLICY_FS_MANIFEST_PREDICATE) == 0,
       "fsm/ and policy/ name the same predicate type");
    wh_digest_sha256_str(TEXT, strlen(TEXT), root);
    snprintf(json, sizeof(json),
             "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"%s\","
             "\"entries\":1,\"platform\":\"linux/amd64\",\"manifest\":\"#driftgate-fsm v1 "
             "sha256\\n. type=dir mode=0755 uid=0 gid=0\\n\"}",
             root);
    ok(parse(json, 1 << 20, &a, &att, &err) == WH_OK && strcmp(att.root, root) == 0 &&
           att.manifest.len == strlen(TEXT) && att.blob_digest == NULL &&
           strcmp(att.platform, "linux/amd64") == 0,
       "inline predicate parsed");
    ok(wh_fsm_attested_mismatch(&att, att.manifest, wh_str_c(TEXT), &a) == NULL,
       "attested = computed proves");
    why = wh_fsm_attested_mismatch(&att, att.manifest, wh_str_c(OTHER), &a);
    ok(why != NULL && strstr(why, "computed sha256:") != NULL &&
           strstr(why, "line 2: attested \". type=dir mode=0755") != NULL,
       "other layers: both roots and the first differing line: %s", why);
    why = wh_fsm_attested_mismatch(&att, wh_str_c(OTHER), wh_str_c(OTHER), &a);
    ok(why != NULL && strstr(why, "altered after signing") != NULL,
       "a text that does not hash to the attested root is refused even when it is the computed "
       "one: %s",
       why);
    ok(parse(json, 10, &a, &att, &err) == WH_E_LIMIT, "inline text over the cap: %s", err.msg);

    snprintf(json, sizeof(json),
             "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"%s\","
             "\"manifestDescriptor\":{\"mediaType\":\"" WH_FSM_MEDIA_TYPE
             "\",\"digest\":\"%s\",\"size\":%zu}}",
             root, root, strlen(TEXT));
    ok(parse(json, 1 << 20, &a, &att, &err) == WH_OK && att.manifest.ptr == NULL &&
           strcmp(att.blob_digest, root) == 0 && att.blob_size == strlen(TEXT),
       "descriptor predicate parsed");
    ok(parse(json, 20, &a, &att, &err) == WH_E_LIMIT && strstr(err.msg, "over the limit") != NULL,
       "a blob over the cap is refused before any fetch: %s", err.msg);

    static const char *const bad[] = {
        "[]",
        "{\"format\":\"other\",\"digestAlgorithm\":\"sha256\",\"root\":\"R\",\"manifest\":\"x\"}",
        "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha512\",\"root\":\"R\","
        "\"manifest\":\"x\"}",
        "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"sha256:AB\","
        "\"manifest\":\"x\"}",
        "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"R\"}",
        "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"R\","
        "\"manifest\":\"x\",\"manifestDescriptor\":{}}",
        "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"R\","
        "\"manifest\":7}",
        "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"R\","
        "\"manifestDescriptor\":{\"mediaType\":\"text/plain\",\"digest\":\"R\",\"size\":1}}",
        "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"R\","
        "\"manifestDescriptor\":{\"mediaType\":\"" WH_FSM_MEDIA_TYPE
        "\",\"digest\":\"sha256:0000000000000000000000000000000000000000000000000000000000000000\","
        "\"size\":1}}",
        "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"R\","
        "\"manifestDescriptor\":{\"mediaType\":\"" WH_FSM_MEDIA_TYPE
        "\",\"digest\":\"R\",\"size\":0}}",
        "{\"format\":\"driftgate-fsm/v1\",\"format\":\"driftgate-fsm/v1\"}",
        "{\"format\":\"driftgate-fsm/v1\",\"digestAlgorithm\":\"sha256\",\"root\":\"R\","
        "\"manifest\":\"x\",\"platform\":1}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* "R" stands for the root digest */
        const char *p = bad[i], *r;
        char buf[1024];
        size_t n = 0;
        while ((r = strchr(p, 'R')) != NULL && r[1] == '"' && r[-1] == '"' && n < 900) {
            memcpy(buf + n, p, (size_t)(r - p));
            n += (size_t)(r - p);
            memcpy(buf + n, root, strlen(root));
            n += strlen(root);
            p = r + 1;
        }
        snprintf(buf + n, sizeof(buf) - n, "%s", p);
        ok(parse(buf, 1 << 20, &a, &att, &err) == WH_E_INVALID &&
               strncmp(err.msg, "fs-manifest predicate: ", 23) == 0,
           "malformed predicate %zu refused: %s", i, err.msg);
    }
    wh_arena_fini(&a);
    return done_testing();
}
