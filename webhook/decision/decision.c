/* Accumulates denials, warnings and audit annotations; starts closed (deny). */
#include "decision/decision.h"

#include <stdarg.h>
#include <string.h>

void
wh_decision_init(struct wh_decision *d, struct wh_arena *a)
{
    memset(d, 0, sizeof(*d));
    d->allowed = false;
    d->code = 403;
    d->reason = "Forbidden";
    d->arena = a;
}

void
wh_decision_allow(struct wh_decision *d)
{
    if (d->n_denials == 0)
        d->allowed = true;
}

static char **
push(struct wh_arena *a, char **list, size_t *n, char *text)
{
    /* Grow by doubling at powers of two; arena arrays are never freed individually. */
    if ((*n & (*n - 1)) == 0 || *n == 0)
        list = wh_arena_grow(a, list, *n, *n == 0 ? 4 : *n * 2, sizeof(*list));
    list[(*n)++] = text;
    return list;
}

void
wh_decision_deny(struct wh_decision *d, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = wh_arena_vsprintf(d->arena, fmt, ap);
    va_end(ap);
    d->allowed = false;
    d->denials = push(d->arena, d->denials, &d->n_denials, text);
}

static void
truncate_utf8(char *s, size_t max)
{
    size_t n = strlen(s);

    if (n <= max)
        return;
    n = max - 3;
    /* Back up over UTF-8 continuation bytes so a multi-byte character is not split. */
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    memcpy(s + n, "...", 4);
}

void
wh_decision_warn(struct wh_decision *d, const char *fmt, ...)
{
    va_list ap;
    char *text;
    size_t i;

    va_start(ap, fmt);
    text = wh_arena_vsprintf(d->arena, fmt, ap);
    va_end(ap);
    truncate_utf8(text, WH_WARNING_MAX);
    for (i = 0; i < d->n_warnings; i++)
        if (strcmp(d->warnings[i], text) == 0)
            return;
    d->warnings = push(d->arena, d->warnings, &d->n_warnings, text);
}

void
wh_decision_annotate(struct wh_decision *d, const char *key, const char *fmt, ...)
{
    va_list ap;
    char *value;
    size_t i, n = d->n_annotations;

    va_start(ap, fmt);
    value = wh_arena_vsprintf(d->arena, fmt, ap);
    va_end(ap);
    for (i = 0; i < n; i++) {
        if (strcmp(d->annotations[i].key, key) == 0) {
            d->annotations[i].value = value;
            return;
        }
    }
    if ((n & (n - 1)) == 0 || n == 0)
        d->annotations =
            wh_arena_grow(d->arena, d->annotations, n, n == 0 ? 8 : n * 2, sizeof(*d->annotations));
    d->annotations[n].key = wh_arena_strdup(d->arena, key);
    d->annotations[n].value = value;
    d->n_annotations = n + 1;
}

const char *
wh_decision_message(const struct wh_decision *d)
{
    struct wh_buf b;
    size_t i;
    char *out;

    wh_buf_init(&b, 1u << 20);
    for (i = 0; i < d->n_denials; i++) {
        if (i > 0)
            wh_buf_append_c(&b, "; ");
        wh_buf_append_c(&b, d->denials[i]);
    }
    out = wh_arena_strndup(d->arena, b.ptr == NULL ? "" : b.ptr, b.len);
    wh_buf_fini(&b);
    return out;
}
