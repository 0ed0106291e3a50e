#ifndef WH_IMAGE_REF_H
#define WH_IMAGE_REF_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * An image reference in the distribution grammar, normalised: Docker Hub short names become
 * registry "docker.io", repository "library/<name>"; a reference with neither tag nor digest
 * gets tag "latest". Strings live in the arena passed to wh_image_ref_parse.
 */
struct wh_image_ref {
    const char *registry;   /* "docker.io", "ghcr.io", "127.0.0.1:5000" */
    const char *repository; /* "library/nginx", "acme/payments/api" */
    const char *tag;        /* NULL when only a digest was given */
    const char *digest;     /* "sha256:<hex>" or NULL */
};

/* Parses `text`; *out is valid only on WH_OK. WH_E_INVALID names what is wrong. Pure. */
WH_MUST_CHECK enum wh_err wh_image_ref_parse(struct wh_str text, struct wh_arena *a,
                                             struct wh_image_ref *out, struct wh_error *err);
/* "registry/repository[:tag][@digest]", fully normalised (arena). */
struct wh_str wh_image_ref_render(const struct wh_image_ref *ref, struct wh_arena *a);
/* "registry/repository" (arena): the name globs in policy rules match against. */
const char *wh_image_ref_name(const struct wh_image_ref *ref, struct wh_arena *a);
bool wh_image_ref_equal(const struct wh_image_ref *x, const struct wh_image_ref *y);

/*
 * Anchored glob match: `*` matches any run of characters except '/', `**` any run including '/',
 * `?` one character except '/'; everything else literal. Checked with wh_image_glob_valid first.
 */
bool wh_image_glob_match(struct wh_str pattern, struct wh_str text);
WH_MUST_CHECK enum wh_err wh_image_glob_valid(struct wh_str pattern, struct wh_error *err);

#endif
