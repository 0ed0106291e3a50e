/* cosign `.sig` layers: the signature over the simple-signing payload, then the payload's binding
 * to the image digest. */
#include "verify/cosign_sig.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static enum wh_err
get_path_string(json_t *root, const char *a_key, const char *b_key, bool required,
                struct wh_arena *a, const char **out, struct wh_error *err)
{
    json_t *v = json_object_get(json_object_get(root, a_key), b_key);

    if (v == NULL && !required) {
        *out = "";
        return WH_OK;
    }
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "payload critical.%s%s%s is %s", a_key,
                            b_key != NULL ? "." : "", b_key != NULL ? b_key : "",
                            v == NULL ? "missing" : "not a string");
    *out = wh_arena_strdup(a, json_string_value(v));
    return WH_OK;
}

enum wh_err
wh_verify_cosign_payload_parse(struct wh_bytes payload, struct wh_arena *a,
                               struct wh_cosign_payload *out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root, *critical;
    enum wh_err rc;

    if (payload.len > WH_COSIGN_PAYLOAD_MAX)
        return wh_error_set(err, WH_E_LIMIT, "simple-signing payload of %zu bytes exceeds %u",
                            payload.len, WH_COSIGN_PAYLOAD_MAX);
    root = json_loadb((const char *)payload.ptr, payload.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "simple-signing payload JSON %d:%d: %s", jerr.line,
                            jerr.column, jerr.text);
    memset(out, 0, sizeof(*out));
    critical = json_object_get(root, "critical");
    if (!json_is_object(critical)) {
        rc = wh_error_set(err, WH_E_INVALID, "payload has no \"critical\" object");
        goto out;
    }
    rc = get_path_string(critical, "image", "docker-manifest-digest", true, a,
                         &out->manifest_digest, err);
    if (rc == WH_OK)
        rc = get_path_string(critical, "identity", "docker-reference", false, a,
                             &out->docker_reference, err);
    if (rc == WH_OK) {
        json_t *type = json_object_get(critical, "type");

        if (!json_is_string(type))
            rc = wh_error_set(err, WH_E_INVALID, "payload critical.type is %s",
                              type == NULL ? "missing" : "not a string");
        else
            out->type = wh_arena_strdup(a, json_string_value(type));
    }
out:
    json_decref(root);
    return rc;
}

enum wh_err
wh_verify_cosign_sig(struct wh_bytes payload, struct wh_bytes sig,
                     const struct wh_verify_key *const *keys, size_t n_keys, const char *digest,
                     struct wh_arena *a, int *which_key, struct wh_cosign_payload *out,
                     struct wh_error *err)
{
    struct wh_cosign_payload parsed = {0};
    struct wh_error last = {.code = WH_E_VERIFY, .msg = "no keys"};
    enum wh_err rc;
    int found = -1;

    if (payload.len > WH_COSIGN_PAYLOAD_MAX)
        return wh_error_set(err, WH_E_LIMIT, "simple-signing payload of %zu bytes exceeds %u",
                            payload.len, WH_COSIGN_PAYLOAD_MAX);
    /* Signature first, over the exact bytes: nothing untrusted is parsed before it verifies. */
    for (size_t k = 0; k < n_keys && found < 0; k++)
        if (wh_verify_key_signature(keys[k], payload, sig, &last) == WH_OK)
            found = (int)k;
    if (found < 0) {
        char names[200];

        wh_verify_keys_describe(keys, n_keys, names, sizeof(names));
        if (n_keys == 1)
            return wh_error_set(err, WH_E_VERIFY, "cosign signature: %s", last.msg);
        return wh_error_set(err, WH_E_VERIFY,
                            "cosign signature verifies with none of the keys (%s)", names);
    }
    rc = wh_verify_cosign_payload_parse(payload, a, &parsed, err);
    if (rc != WH_OK)
        return rc;
    if (WH_NEVER(parsed.type == NULL || parsed.manifest_digest == NULL))
        return wh_error_set(err, WH_E_INTERNAL, "parsed payload without type or digest");
    /* cosign pkg/cosign/verify.go: "invalid type" unless critical.type is this exact string. */
    if (strcmp(parsed.type, WH_COSIGN_SIGNATURE_TYPE) != 0)
        return wh_error_set(err, WH_E_VERIFY, "payload type \"%.80s\" is not \"%s\"", parsed.type,
                            WH_COSIGN_SIGNATURE_TYPE);
    /* cosign: the payload's docker-manifest-digest must equal the digest being verified. */
    if (strcmp(parsed.manifest_digest, digest) != 0)
        return wh_error_set(err, WH_E_VERIFY,
                            "signature is for %.80s, not for the image digest %.80s",
                            parsed.manifest_digest, digest);
    if (which_key != NULL)
        *which_key = found;
    if (out != NULL)
        *out = parsed;
    return WH_OK;
}
