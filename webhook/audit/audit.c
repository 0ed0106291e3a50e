/* The reference list every audit parser appends to, and the pin tests they share. */
#include "audit/audit.h"

#include <ctype.h>
#include <string.h>

#include "image/ref.h"

void
wh_audit_init(struct wh_audit *au, struct wh_arena *a)
{
    memset(au, 0, sizeof(*au));
    au->a = a;
}

struct wh_audit_ref *
wh_audit_add(struct wh_audit *au, const char *file, int line, int col, enum wh_pin_kind kind)
{
    struct wh_audit_ref *r;

    if (au->n_refs >= WH_AUDIT_MAX_REFS) {
        au->over_limit = true;
        return NULL;
    }
    if (au->n_refs == au->cap_refs) {
        size_t cap = au->cap_refs == 0 ? 64 : au->cap_refs * 2;
        au->refs = wh_arena_grow(au->a, au->refs, au->n_refs, cap, sizeof(*au->refs));
        au->cap_refs = cap;
    }
    r = &au->refs[au->n_refs++];
    memset(r, 0, sizeof(*r));
    r->file = file;
    r->line = line;
    r->col = col;
    r->kind = kind;
    r->stage = -1;
    r->status = WH_AUDIT_UNPINNED;
    return r;
}

void
wh_audit_fail(struct wh_audit *au, const char *file, int line, int col, const char *msg)
{
    struct wh_audit_error *e;

    if (au->n_errors == au->cap_errors) {
        size_t cap = au->cap_errors == 0 ? 8 : au->cap_errors * 2;
        au->errors = wh_arena_grow(au->a, au->errors, au->n_errors, cap, sizeof(*au->errors));
        au->cap_errors = cap;
    }
    e = &au->errors[au->n_errors++];
    e->file = file;
    e->line = line;
    e->col = col;
    e->msg = wh_arena_strdup(au->a, msg);
}

static bool
all_hex(struct wh_str s, bool lower_only)
{
    size_t i;

    for (i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ||
              (!lower_only && ch >= 'A' && ch <= 'F')))
            return false;
    }
    return true;
}

bool
wh_audit_is_sha256(struct wh_str s)
{
    return s.len == 71 && memcmp(s.ptr, "sha256:", 7) == 0 &&
           all_hex((struct wh_str){s.ptr + 7, 64}, true);
}

bool
wh_audit_is_commit(struct wh_str s)
{
    return s.len == 40 && all_hex(s, false);
}

void
wh_audit_image(struct wh_audit *au, struct wh_audit_ref *r, const char *text)
{
    struct wh_image_ref ref;
    struct wh_error err;
    const char *at = strrchr(text, '@');

    r->text = text;
    if (wh_image_ref_parse(wh_str_c(text), au->a, &ref, &err) != WH_OK) {
        r->name = text;
        r->status = WH_AUDIT_UNPINNED;
        r->why =
            wh_arena_sprintf(au->a, "not an image reference (%s): it cannot be pinned", err.msg);
        return;
    }
    r->name = wh_image_ref_name(&ref, au->a);
    r->version = ref.tag;
    if (at != NULL && wh_audit_is_sha256(wh_str_c(at + 1))) {
        r->digest = wh_arena_strdup(au->a, at + 1);
        r->status = WH_AUDIT_PINNED;
        return;
    }
    r->status = WH_AUDIT_UNPINNED;
    r->why = wh_arena_sprintf(au->a,
                              "image %s is not pinned by digest: write %s@sha256:<digest> "
                              "(crane digest or docker buildx imagetools inspect gives it)",
                              text, r->name);
}
