/*
 * The OCI distribution calls: tag → digest (HEAD, else GET and hash), manifests and blobs checked
 * against the digest that named them and kept once per review (the client's memo), and the
 * checked GET that the referrers and cosign lookups build on.
 */
#include "registry/oci.h"

#include <stdlib.h>
#include <string.h>

#include "base/digest.h"
#include "registry/client.h"

/* Tags and digests go into URL paths: only the distribution grammar's characters pass. */
static enum wh_err
check_reference(const struct wh_image_ref *ref, const char *reference, struct wh_error *err)
{
    if (ref->registry == NULL || ref->repository == NULL || ref->registry[0] == '\0' ||
        ref->repository[0] == '\0' ||
        strspn(ref->registry,
               "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
            strlen(ref->registry) ||
        strspn(ref->repository, "abcdefghijklmnopqrstuvwxyz0123456789._-/") !=
            strlen(ref->repository))
        return wh_error_set(err, WH_E_INVALID,
                            "image reference has an invalid registry or repository");
    if (reference == NULL || reference[0] == '\0' || strlen(reference) > 128 + 7 ||
        strspn(reference, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:") !=
            strlen(reference))
        return wh_error_set(err, WH_E_INVALID, "%s/%s: invalid tag or digest \"%.80s\"",
                            ref->registry, ref->repository, reference == NULL ? "" : reference);
    if (strchr(reference, ':') != NULL && !wh_digest_is_sha256(wh_str_c(reference)))
        return wh_error_set(err, WH_E_INVALID, "%s/%s: unsupported digest \"%.80s\"", ref->registry,
                            ref->repository, reference);
    return WH_OK;
}

/* "sha256:0123456789ab…" for messages: enough to recognise, short enough to fit. */
static const char *
short_ref(const char *reference, struct wh_arena *a)
{
    if (strlen(reference) > 19 && strncmp(reference, "sha256:", 7) == 0)
        return wh_arena_sprintf(a, "%.19s…", reference);
    return reference;
}

enum wh_err
wh_registry_resolve(struct wh_registry_client *c, const struct wh_image_ref *ref,
                    int64_t deadline_ms, struct wh_arena *a, const char **digest_out,
                    struct wh_error *err)
{
    struct wh_registry_request q = {
        .ref = ref, .accept = WH_REGISTRY_MANIFEST_ACCEPT, .deadline_ms = deadline_ms};
    struct wh_registry_http_response r;
    struct wh_registry_manifest m;
    enum wh_err rc;

    if (ref->digest != NULL) {
        if (!wh_digest_is_sha256(wh_str_c(ref->digest)))
            return wh_error_set(err, WH_E_INVALID, "%s/%s: unsupported digest \"%.80s\"",
                                ref->registry, ref->repository, ref->digest);
        *digest_out = ref->digest;
        return WH_OK;
    }
    if ((rc = check_reference(ref, ref->tag, err)) != WH_OK)
        return rc;
    q.method = "HEAD";
    q.what = wh_arena_sprintf(a, "HEAD manifest %s", ref->tag);
    q.path = wh_arena_sprintf(a, "/v2/%s/manifests/%s", ref->repository, ref->tag);
    q.max = wh_registry_client_limits(c)->manifest_bytes;
    if ((rc = wh_registry_client_request(c, &q, a, &r, err)) != WH_OK)
        return rc;
    if (r.content_digest != NULL && wh_digest_is_sha256(wh_str_c(r.content_digest))) {
        *digest_out = r.content_digest;
        return WH_OK;
    }
    /* No usable Docker-Content-Digest: fetch the manifest and hash it ourselves. */
    if ((rc = wh_registry_manifest_get(c, ref, ref->tag, deadline_ms, a, &m, err)) != WH_OK)
        return rc;
    *digest_out = m.digest;
    return WH_OK;
}

/* Ends a memo claim (client.h wh_registry_client_memo_claim) if `claimed`; returns rc. */
static enum wh_err
unclaim(struct wh_registry_client *c, const char *digest, bool is_manifest, bool claimed,
        enum wh_err rc)
{
    if (claimed)
        wh_registry_client_memo_unclaim(c, digest, is_manifest);
    return rc;
}

enum wh_err
wh_registry_manifest_get(struct wh_registry_client *c, const struct wh_image_ref *ref,
                         const char *reference, int64_t deadline_ms, struct wh_arena *a,
                         struct wh_registry_manifest *out, struct wh_error *err)
{
    struct wh_registry_request q = {.method = "GET",
                                    .ref = ref,
                                    .accept = WH_REGISTRY_MANIFEST_ACCEPT,
                                    .max = wh_registry_client_limits(c)->manifest_bytes,
                                    .deadline_ms = deadline_ms};
    struct wh_registry_http_response r = {0};
    struct wh_registry_manifest m;
    const struct wh_registry_memo *hit = NULL, *same;
    bool by_digest, claimed = false;
    enum wh_err rc;

    if ((rc = check_reference(ref, reference, err)) != WH_OK)
        return rc;
    by_digest = wh_digest_is_sha256(wh_str_c(reference));
    q.what = wh_arena_sprintf(a, "GET manifest %s", short_ref(reference, a));
    q.path = wh_arena_sprintf(a, "/v2/%s/manifests/%s", ref->repository, reference);
    if (by_digest)
        hit = wh_registry_client_memo_claim(c, reference, true, deadline_ms, &claimed);
    if (hit != NULL) {
        r.body = (struct wh_bytes){hit->buf, hit->len};
        r.content_type = hit->content_type;
    } else {
        q.take = wh_registry_client_in_review(c);
        if ((rc = wh_registry_client_request(c, &q, a, &r, err)) != WH_OK)
            return unclaim(c, reference, true, claimed, rc);
    }
    rc = wh_registry_manifest_parse(r.body, r.content_type, wh_registry_client_limits(c), a, &m,
                                    err);
    if (rc != WH_OK)
        rc = wh_error_wrap(err, "%s/%s: %s", ref->registry, ref->repository, q.what);
    else if (by_digest && strcmp(m.digest, reference) != 0)
        rc = wh_error_set(err, WH_E_VERIFY,
                          "%s/%s: %s: manifest digest mismatch: the body hashes to %s",
                          ref->registry, ref->repository, q.what, m.digest);
    else if (r.content_digest != NULL && wh_digest_is_sha256(wh_str_c(r.content_digest)) &&
             strcmp(m.digest, r.content_digest) != 0)
        rc = wh_error_set(err, WH_E_VERIFY,
                          "%s/%s: %s: Docker-Content-Digest %s does not match the body (%s)",
                          ref->registry, ref->repository, q.what, r.content_digest, m.digest);
    if (rc != WH_OK) {
        free(r.heap);
        return unclaim(c, reference, true, claimed, rc);
    }
    if (r.heap != NULL) {
        /* Kept for the review under the body's digest (a tag's answer too: a later GET by that
         * digest is then free). The parsed strings are in `a`; only m.body points here. */
        if ((same = wh_registry_client_memo_find(c, m.digest, true)) != NULL) {
            free(r.heap);
            m.body = (struct wh_bytes){same->buf, same->len};
        } else {
            wh_registry_client_memo_add(c, m.digest, true, r.heap, r.body.len, r.content_type);
        }
    }
    *out = m;
    return unclaim(c, reference, true, claimed, WH_OK);
}

enum wh_err
wh_registry_blob_get(struct wh_registry_client *c, const struct wh_image_ref *ref,
                     const char *digest, size_t max, int64_t deadline_ms, struct wh_arena *a,
                     struct wh_bytes *out, struct wh_error *err)
{
    struct wh_registry_request q = {
        .method = "GET", .ref = ref, .max = max, .follow = true, .deadline_ms = deadline_ms};
    struct wh_registry_http_response r;
    const struct wh_registry_memo *hit;
    bool claimed = false;
    enum wh_err rc;

    if (digest == NULL || !wh_digest_is_sha256(wh_str_c(digest)))
        return wh_error_set(err, WH_E_INVALID, "%s/%s: blob digest \"%.80s\" is not sha256",
                            ref->registry, ref->repository, digest == NULL ? "" : digest);
    if ((rc = check_reference(ref, digest, err)) != WH_OK)
        return rc;
    q.what = wh_arena_sprintf(a, "GET blob %s", short_ref(digest, a));
    q.path = wh_arena_sprintf(a, "/v2/%s/blobs/%s", ref->repository, digest);
    if ((hit = wh_registry_client_memo_claim(c, digest, false, deadline_ms, &claimed)) != NULL) {
        /* Fetched earlier in this review (e.g. one blob named by many layers): not again. */
        if (hit->len > max)
            return wh_error_set(err, WH_E_LIMIT, "%s/%s: %s: %zu bytes (limit %zu)", ref->registry,
                                ref->repository, q.what, hit->len, max);
        *out = (struct wh_bytes){hit->buf, hit->len};
        return WH_OK;
    }
    q.take = wh_registry_client_in_review(c);
    if ((rc = wh_registry_client_request(c, &q, a, &r, err)) != WH_OK)
        return unclaim(c, digest, false, claimed, rc);
    if (!wh_digest_matches(r.body.ptr, r.body.len, wh_str_c(digest))) {
        char got[WH_DIGEST_STR_LEN];

        wh_digest_sha256_str(r.body.ptr, r.body.len, got);
        free(r.heap);
        return unclaim(c, digest, false, claimed,
                       wh_error_set(err, WH_E_VERIFY,
                                    "%s/%s: %s: blob digest mismatch: the body hashes to %s",
                                    ref->registry, ref->repository, q.what, got));
    }
    if (r.heap != NULL)
        wh_registry_client_memo_add(c, digest, false, r.heap, r.body.len, NULL);
    *out = r.body;
    return unclaim(c, digest, false, claimed, WH_OK);
}

enum wh_err
wh_registry_get(struct wh_registry_client *c, const struct wh_image_ref *ref, const char *what,
                const char *path, const char *accept, size_t max, int64_t deadline_ms,
                struct wh_arena *a, struct wh_registry_response *out, struct wh_error *err)
{
    struct wh_registry_request q = {.method = "GET",
                                    .what = what,
                                    .ref = ref,
                                    .path = path,
                                    .accept = accept,
                                    .max = max,
                                    .deadline_ms = deadline_ms};
    struct wh_registry_http_response r;
    enum wh_err rc;

    if (path == NULL || strncmp(path, "/v2/", 4) != 0 || strstr(path, "..") != NULL ||
        strpbrk(path, " \r\n#") != NULL)
        return wh_error_set(err, WH_E_INVALID, "%s/%s: %s: invalid request path", ref->registry,
                            ref->repository, what);
    if ((rc = check_reference(ref, "latest", err)) != WH_OK)
        return rc;
    rc = wh_registry_client_request(c, &q, a, &r, err);
    out->status = r.status; /* on error too: the code's companion (referrers.c branches on it) */
    if (rc != WH_OK)
        return rc;
    out->body = r.body;
    out->content_type = r.content_type;
    out->content_digest = r.content_digest;
    return WH_OK;
}
