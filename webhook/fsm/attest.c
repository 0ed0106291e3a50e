/*
 * The fs-manifest attestation's predicate: parsed strictly (docs/fs-manifest.md "Attestation"),
 * then proved: the attested text hashes to the attested root, and is the text computed from the
 * image's layers for the same digest.
 */
#include "fsm/attest.h"

#include <jansson.h>
#include <string.h>

#include "base/digest.h"

static const char *
string_at(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* The optional informational fields; strings only when present. */
static enum wh_err
parse_info(json_t *root, struct wh_arena *a, struct wh_fsm_attested *out, struct wh_error *err)
{
    json_t *p = json_object_get(root, "platform"), *ix = json_object_get(root, "index");

    if ((p != NULL && !json_is_string(p)) || (ix != NULL && !json_is_string(ix)))
        return wh_error_set(err, WH_E_INVALID,
                            "fs-manifest predicate: platform and index must be strings");
    if (p != NULL)
        out->platform = wh_arena_strdup(a, json_string_value(p));
    if (ix != NULL)
        out->index_digest = wh_arena_strdup(a, json_string_value(ix));
    return WH_OK;
}

static enum wh_err
parse_descriptor(json_t *d, size_t max_text, struct wh_arena *a, struct wh_fsm_attested *out,
                 struct wh_error *err)
{
    const char *mt = string_at(d, "mediaType"), *dg = string_at(d, "digest");
    json_t *size = json_object_get(d, "size");
    json_int_t n;

    if (!json_is_object(d) || mt == NULL || dg == NULL || !json_is_integer(size))
        return wh_error_set(err, WH_E_INVALID,
                            "fs-manifest predicate: manifestDescriptor needs mediaType, digest "
                            "and an integer size");
    if (strcmp(mt, WH_FSM_MEDIA_TYPE) != 0)
        return wh_error_set(
            err, WH_E_INVALID,
            "fs-manifest predicate: manifestDescriptor.mediaType is not " WH_FSM_MEDIA_TYPE);
    if (strcmp(dg, out->root) != 0)
        return wh_error_set(err, WH_E_INVALID,
                            "fs-manifest predicate: manifestDescriptor.digest %.80s is not the "
                            "root %s (the root digest is the sha256 of the manifest text)",
                            dg, out->root);
    n = json_integer_value(size);
    if (n < 1)
        return wh_error_set(err, WH_E_INVALID,
                            "fs-manifest predicate: manifestDescriptor.size must be positive");
    if ((uint64_t)n > max_text)
        return wh_error_set(err, WH_E_LIMIT,
                            "fs-manifest predicate: the manifest blob is %lld bytes, over the "
                            "limit of %zu bytes",
                            (long long)n, max_text);
    out->blob_digest = wh_arena_strdup(a, dg);
    out->blob_size = (uint64_t)n;
    return WH_OK;
}

enum wh_err
wh_fsm_attested_parse(struct wh_bytes predicate, size_t max_text, struct wh_arena *a,
                      struct wh_fsm_attested *out, struct wh_error *err)
{
    json_error_t jerr;
    json_t *root, *text, *desc;
    const char *fmt, *alg, *rd;
    enum wh_err rc = WH_OK;

    memset(out, 0, sizeof(*out));
    root = json_loadb((const char *)predicate.ptr, predicate.len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL)
        return wh_error_set(err, WH_E_INVALID, "fs-manifest predicate: %d:%d: %s", jerr.line,
                            jerr.column, jerr.text);
    fmt = string_at(root, "format");
    alg = string_at(root, "digestAlgorithm");
    rd = string_at(root, "root");
    text = json_object_get(root, "manifest");
    desc = json_object_get(root, "manifestDescriptor");
    if (!json_is_object(root) || fmt == NULL || strcmp(fmt, WH_FSM_FORMAT) != 0)
        rc = wh_error_set(err, WH_E_INVALID,
                          "fs-manifest predicate: format is not \"" WH_FSM_FORMAT "\"");
    else if (alg == NULL || strcmp(alg, "sha256") != 0)
        rc = wh_error_set(err, WH_E_INVALID,
                          "fs-manifest predicate: digestAlgorithm is not \"sha256\"");
    else if (rd == NULL || !wh_digest_is_sha256(wh_str_c(rd)))
        rc = wh_error_set(err, WH_E_INVALID,
                          "fs-manifest predicate: root is not sha256:<64 lowercase hex>");
    else if ((text == NULL) == (desc == NULL))
        rc = wh_error_set(err, WH_E_INVALID,
                          "fs-manifest predicate: expected exactly one of manifest (inline) and "
                          "manifestDescriptor (a blob)");
    if (rc == WH_OK) {
        out->root = wh_arena_strdup(a, rd);
        rc = parse_info(root, a, out, err);
    }
    if (rc == WH_OK && text != NULL) {
        if (!json_is_string(text))
            rc = wh_error_set(err, WH_E_INVALID, "fs-manifest predicate: manifest is not a string");
        else if (json_string_length(text) > max_text)
            rc = wh_error_set(err, WH_E_LIMIT,
                              "fs-manifest predicate: the inline manifest is %zu bytes, over the "
                              "limit of %zu bytes",
                              json_string_length(text), max_text);
        else
            out->manifest = (struct wh_str){
                wh_arena_memdup(a, json_string_value(text), json_string_length(text) + 1),
                json_string_length(text)};
    } else if (rc == WH_OK) {
        rc = parse_descriptor(desc, max_text, a, out, err);
    }
    json_decref(root);
    return rc;
}

/* "line N: attested "..." computed "..."" for the first line where the two texts differ. */
static const char *
first_difference(struct wh_str x, struct wh_str y, struct wh_arena *a)
{
    size_t i = 0, line = 1, start = 0, ex, ey;

    while (i < x.len && i < y.len && x.ptr[i] == y.ptr[i]) {
        if (x.ptr[i] == '\n') {
            line++;
            start = i + 1;
        }
        i++;
    }
    for (ex = start; ex < x.len && x.ptr[ex] != '\n'; ex++)
        ;
    for (ey = start; ey < y.len && y.ptr[ey] != '\n'; ey++)
        ;
    return wh_arena_sprintf(a, "first difference at line %zu: attested \"%.*s\", computed \"%.*s\"",
                            line, (int)(ex - start > 100 ? 100 : ex - start), x.ptr + start,
                            (int)(ey - start > 100 ? 100 : ey - start), y.ptr + start);
}

const char *
wh_fsm_attested_mismatch(const struct wh_fsm_attested *att, struct wh_str text,
                         struct wh_str computed, struct wh_arena *a)
{
    char got[WH_DIGEST_STR_LEN], want[WH_DIGEST_STR_LEN];

    wh_digest_sha256_str(text.ptr, text.len, got);
    if (strcmp(got, att->root) != 0)
        return wh_arena_sprintf(a,
                                "the attested manifest text hashes to %s, not to the attested "
                                "root %s (it was altered after signing)",
                                got, att->root);
    wh_digest_sha256_str(computed.ptr, computed.len, want);
    if (strcmp(want, att->root) != 0)
        return wh_arena_sprintf(a, "attested root %s, computed %s from the image's layers: %s",
                                att->root, want, first_difference(text, computed, a));
    return NULL;
}
