#ifndef WH_IMAGE_REF_H
#define WH_IMAGE_REF_H

#include <stdbool.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"

/*
 * An image reference in the distribution grammar, normalised: Docker Hub short names become
 * registry "docker.io", repository "library/<name>"; a reference with neither tag nor digest
 * gets tag "latest". The registry is canonical, so one registry has one spelling before any
 * policy rule sees it: the host lowercased, an IPv6 literal in RFC 5952 form ("[::1]:5000"; an
 * IPv4-mapped one, "[::ffff:7f00:1]", as its dotted quad), the port without leading zeros and
 * without the default 443, and Docker Hub's aliases (index.docker.io, registry-1.docker.io,
 * registry.hub.docker.com) as "docker.io", which the registry client fetches from
 * registry-1.docker.io. Strings live in the arena passed to wh_image_ref_parse.
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
/*
 * How reports show `ref`, parsed from `text`: `text` itself when it spelled its registry the
 * canonical way (or named none), else "<canonical rendering> (written <text>)", so a denial of
 * "LOCALHOST:5000/app" names the localhost:5000/app:latest the rules judged. Arena string.
 */
const char *wh_image_ref_display(struct wh_str text, const struct wh_image_ref *ref,
                                 struct wh_arena *a);
/* "registry/repository" (arena): the name globs in policy rules match against. */
const char *wh_image_ref_name(const struct wh_image_ref *ref, struct wh_arena *a);
bool wh_image_ref_equal(const struct wh_image_ref *x, const struct wh_image_ref *y);

/*
 * Anchored glob match: `*` matches any run of characters except '/', `**` any run including '/',
 * `?` one character except '/'; everything else literal. Checked with wh_image_glob_valid first.
 */
bool wh_image_glob_match(struct wh_str pattern, struct wh_str text);
WH_MUST_CHECK enum wh_err wh_image_glob_valid(struct wh_str pattern, struct wh_error *err);

/*
 * A valid glob (wh_image_glob_valid) rewritten to match canonical names as it matched the
 * spellings it was written for: its host part (before the first '/') lowercased and, when that
 * part holds no wildcard and is a valid registry, canonical as in wh_image_ref_parse
 * ("LOCALHOST:5000/app" -> "localhost:5000/app", "index.docker.io/library/nginx" ->
 * "docker.io/library/nginx", wildcards after the host kept). Anything else is returned
 * unchanged. Arena string.
 */
const char *wh_image_glob_canonical(struct wh_str pattern, struct wh_arena *a);

/*
 * Whether two valid globs match a common name: a text of the shape names have (lowercase
 * registry characters, then '/'-separated repository components of [a-z0-9._-] that start and end
 * with a letter or digit). Exact, not a heuristic:
 * a breadth-first walk of the product of the two patterns and that shape, each state visited
 * once, so O(len(x) * len(y)) time and space. On true, *example (arena) is such a name matched by
 * both, wildcards filled with 'a' ("localhost:5000/a"); NULL on false.
 */
bool wh_image_glob_overlap(struct wh_str x, struct wh_str y, struct wh_arena *a,
                           const char **example);

#endif
