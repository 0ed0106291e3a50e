/* in-toto Statement v0.1/v1 parsing and the subject-digest binding check. */
#include "verify/intoto.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/digest.h"
#include "verify/json_depth.h"

#define MAX_SUBJECTS 1024

/* digest.<alg> of subject `i` as "<alg>:<lowercase hex>" into *out (NULL when absent). in-toto
 * ResourceDescriptor: digests are lowercase hex; uppercase is accepted and compared lowered. */
static enum wh_err
parse_digest(json_t *digest, const char *alg, size_t hex_len, size_t i, struct wh_arena *a,
             const char **out, struct wh_error *err)
{
    json_t *v = json_object_get(digest, alg);
    size_t prefix = strlen(alg) + 1, n;
    const char *hex;
    char *text;

    *out = NULL;
    if (v == NULL)
        return WH_OK;
    if (!json_is_string(v))
        return wh_error_set(err, WH_E_INVALID, "statement subject[%zu].digest.%s is not a string",
                            i, alg);
    hex = json_string_value(v);
    n = json_string_length(v);
    text = wh_arena_sprintf(a, "%s:%s", alg, hex);
    for (char *p = text + prefix; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'F')
            *p = (char)(*p - 'A' + 'a');
    if (n != hex_len || strlen(hex) != n || strspn(text + prefix, "0123456789abcdef") != n)
        return wh_error_set(err, WH_E_INVALID,
                            "statement subject[%zu].digest.%s \"%.80s\" is not %zu hex digits", i,
                            alg, hex, hex_len);
    *out = text;
    return WH_OK;
}

static enum wh_err
parse_subject(json_t *s, size_t i, struct wh_arena *a, struct wh_intoto_subject *out,
              struct wh_error *err)
{
    json_t *name = json_object_get(s, "name");
    json_t *digest = json_object_get(s, "digest");
    enum wh_err rc;

    if (!json_is_object(s))
        return wh_error_set(err, WH_E_INVALID, "statement subject[%zu] is not an object", i);
    if (name != NULL && !json_is_string(name))
        return wh_error_set(err, WH_E_INVALID, "statement subject[%zu].name is not a string", i);
    out->name = wh_arena_strdup(a, name != NULL ? json_string_value(name) : "");
    /* in-toto v1 ResourceDescriptor: a subject may name only a "uri" (guac writes such v0.1
     * statements too); it parses but can never bind to an image digest. */
    if (digest == NULL)
        return WH_OK;
    if (!json_is_object(digest))
        return wh_error_set(err, WH_E_INVALID, "statement subject[%zu].digest is not an object", i);
    /* Other algorithms are ignored: nothing here binds to them. sha512 names npm tarballs. */
    rc = parse_digest(digest, "sha256", 2 * 32, i, a, &out->sha256, err);
    if (rc == WH_OK)
        rc = parse_digest(digest, "sha512", 2 * 64, i, a, &out->sha512, err);
    return rc;
}

static enum wh_err
parse_root(json_t *root, const struct wh_limits *lim, struct wh_arena *a,
           struct wh_intoto_statement *out, struct wh_error *err)
{
    json_t *type = json_object_get(root, "_type");
    json_t *ptype = json_object_get(root, "predicateType");
    json_t *subjects = json_object_get(root, "subject");
    json_t *pred = json_object_get(root, "predicate");
    size_t n = json_array_size(subjects);
    size_t len;
    char *dump;

    if (!json_is_string(type))
        return wh_error_set(err, WH_E_INVALID, "statement has no \"_type\" string");
    if (strcmp(json_string_value(type), WH_INTOTO_STATEMENT_V01) != 0 &&
        strcmp(json_string_value(type), WH_INTOTO_STATEMENT_V1) != 0)
        return wh_error_set(err, WH_E_INVALID, "unsupported statement _type \"%.100s\"",
                            json_string_value(type));
    out->type = wh_arena_strdup(a, json_string_value(type));
    if (!json_is_string(ptype) || json_string_length(ptype) == 0)
        return wh_error_set(err, WH_E_INVALID, "statement has no \"predicateType\" string");
    out->predicate_type = wh_arena_strdup(a, json_string_value(ptype));
    if (!json_is_array(subjects) || n == 0)
        return wh_error_set(err, WH_E_INVALID, "statement has no subjects");
    if (n > MAX_SUBJECTS)
        return wh_error_set(err, WH_E_LIMIT, "statement has %zu subjects, limit is %d", n,
                            MAX_SUBJECTS);
    out->subjects = wh_arena_calloc(a, n, sizeof(*out->subjects));
    for (size_t i = 0; i < n; i++) {
        enum wh_err rc = parse_subject(json_array_get(subjects, i), i, a, &out->subjects[i], err);

        if (rc != WH_OK)
            return rc;
    }
    out->n_subjects = n;
    if (pred == NULL) {
        out->predicate = (struct wh_bytes){(const unsigned char *)wh_arena_strdup(a, "null"), 4};
        return WH_OK;
    }
    len = json_dumpb(pred, NULL, 0, JSON_COMPACT | JSON_ENCODE_ANY);
    if (len == 0)
        return wh_error_set(err, WH_E_INVALID, "statement predicate cannot be re-encoded");
    if (len > lim->sbom_bytes)
        return wh_error_set(err, WH_E_LIMIT, "predicate of %zu bytes exceeds the limit of %zu", len,
                            lim->sbom_bytes);
    dump = wh_arena_alloc(a, len + 1);
    if (json_dumpb(pred, dump, len, JSON_COMPACT | JSON_ENCODE_ANY) != len)
        return wh_error_set(err, WH_E_INTERNAL, "predicate changed size while encoding");
    out->predicate = (struct wh_bytes){(const unsigned char *)dump, len};
    return WH_OK;
}

enum wh_err
wh_verify_intoto_parse(struct wh_bytes json, const struct wh_limits *lim, struct wh_arena *a,
                       struct wh_intoto_statement *out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root;
    enum wh_err rc;

    if (json.len > lim->blob_bytes)
        return wh_error_set(err, WH_E_LIMIT, "statement of %zu bytes exceeds the limit of %zu",
                            json.len, lim->blob_bytes);
    root = json_loadb((const char *)json.ptr, json.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "statement JSON %d:%d: %s", jerr.line, jerr.column,
                            jerr.text);
    memset(out, 0, sizeof(*out));
    if (!json_is_object(root))
        rc = wh_error_set(err, WH_E_INVALID, "statement is not a JSON object");
    else if (wh_verify_json_depth(root, lim->json_depth + 1) > lim->json_depth)
        rc = wh_error_set(err, WH_E_LIMIT, "statement nests deeper than %zu levels",
                          lim->json_depth);
    else
        rc = parse_root(root, lim, a, out, err);
    json_decref(root);
    return rc;
}

enum wh_err
wh_verify_intoto_subject(const struct wh_intoto_statement *stmt, const char *digest,
                         struct wh_error *err)
{
    bool is_sha512 = strncmp(digest, "sha512:", 7) == 0;
    char have[200];
    size_t used = 0;

    for (size_t i = 0; i < stmt->n_subjects; i++) {
        const char *d = is_sha512 ? stmt->subjects[i].sha512 : stmt->subjects[i].sha256;

        if (d != NULL && strcmp(d, digest) == 0)
            return WH_OK;
    }
    have[0] = '\0';
    for (size_t i = 0; i < stmt->n_subjects && used < sizeof(have); i++) {
        const char *d = is_sha512 ? stmt->subjects[i].sha512 : stmt->subjects[i].sha256;
        int w = snprintf(have + used, sizeof(have) - used, "%s%s", i == 0 ? "" : ", ",
                         d != NULL   ? d
                         : is_sha512 ? "(no sha512)"
                                     : "(no sha256)");
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return wh_error_set(err, WH_E_VERIFY, "statement subject %s does not include the %s digest %s",
                        have, is_sha512 ? "artifact" : "image", digest);
}
