#ifndef WH_AUDIT_AUDIT_H
#define WH_AUDIT_AUDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "policy/model.h"

/*
 * `driftgate audit pins`: every reference a repository's pipeline, Dockerfiles and dev container
 * pull code or images through, and whether it is pinned. The parsers (workflow.c, dockerfile.c,
 * devcontainer.c) take a file's bytes and append to a struct wh_audit; walk.c finds the files;
 * classify.c gives unpinned references their tier from the policy's spec.pins. Everything read
 * is untrusted (a pull request writes it): files are capped at WH_AUDIT_FILE_MAX bytes, a run at
 * WH_AUDIT_MAX_REFS references, and a file that cannot be read as its format is an error with
 * file:line:col, which fails the audit (it is never skipped).
 */
#define WH_AUDIT_FILE_MAX (1024 * 1024)
#define WH_AUDIT_MAX_REFS 100000
#define WH_AUDIT_MAX_FILES 20000

enum wh_audit_status {
    WH_AUDIT_PINNED,   /* a commit SHA or an image digest in the reference itself */
    WH_AUDIT_LOCKED,   /* a tag whose commit/digest a lock file records */
    WH_AUDIT_LOCAL,    /* the repository's own (./path) */
    WH_AUDIT_UNPINNED, /* anything else: a tag, a branch, a variable nobody can resolve */
};

struct wh_audit_ref {
    const char *file; /* repository-relative */
    int line, col;    /* 1-based, of the reference */
    enum wh_pin_kind kind;
    const char *text;    /* the reference as written (after variable substitution) */
    const char *name;    /* owner/repo[/path], registry/repository, a URL, a path */
    const char *version; /* tag or ref ("v4"), or NULL */
    const char *digest;  /* 40-hex commit or sha256:<64 hex>, or NULL */
    const char *comment; /* the trailing "# v4.2.1" comment (workflows), or NULL */
    int stage;           /* Dockerfile refs: 0 final stage, 1 builder stage; -1 otherwise */
    enum wh_audit_status status;
    const char *why; /* unpinned/locked: what was found and what to do */
    /* classify.c: */
    enum wh_tier tier;
    const char *rule; /* "pins[2]" or "default[1]" */
};

struct wh_audit_error {
    const char *file;
    int line, col; /* 0 when the error has no position */
    const char *msg;
};

struct wh_repo;

struct wh_audit {
    struct wh_arena *a;   /* everything below lives here */
    struct wh_repo *repo; /* `audit repo`: the walk records the files it reads here too */
    struct wh_audit_ref *refs;
    size_t n_refs, cap_refs;
    struct wh_audit_error *errors;
    size_t n_errors, cap_errors;
    size_t n_files; /* files audited */
    bool over_limit;
};

void wh_audit_init(struct wh_audit *au, struct wh_arena *a);
/* A new zeroed reference (stage -1) at file:line:col; NULL past WH_AUDIT_MAX_REFS (then
 * au->over_limit is set and the audit fails). */
struct wh_audit_ref *wh_audit_add(struct wh_audit *au, const char *file, int line, int col,
                                  enum wh_pin_kind kind);
/* Records an error ("file:line:col: msg" when rendered). */
void wh_audit_fail(struct wh_audit *au, const char *file, int line, int col, const char *msg);

/* "sha256:" + 64 lowercase hex (an OCI digest as Docker and the registries write it). */
bool wh_audit_is_sha256(struct wh_str s);
/* Exactly 40 hex digits (a full git commit SHA-1); either case. */
bool wh_audit_is_commit(struct wh_str s);
/* An image reference: name, tag, digest (if it ends in a well-formed @sha256:...); fills the
 * name/version/digest/status/why of `r` from `text`. */
void wh_audit_image(struct wh_audit *au, struct wh_audit_ref *r, const char *text);

#endif
