/* Accumulates denials, warnings and audit annotations; starts closed (deny). */
#include "decision/decision.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
#define ELLIPSIS "\xE2\x80\xA6"    /* U+2026 "…", the mark of a cut text */

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

/* Go's unicode.IsControl: U+0000-U+001F and U+007F-U+009F. */
static bool
is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

/* Length of the character at s[0..n): a valid UTF-8 sequence, or 1 for a byte that starts none
 * (rendered as U+FFFD). *is_clean is false for such a byte and for a control character. */
static size_t
next_char(const unsigned char *s, size_t n, bool *is_clean)
{
    uint32_t cp;
    size_t len = wh_utf8_next(s, n, &cp);

    *is_clean = len != 0 && !is_control(cp);
    return len != 0 ? len : 1;
}

size_t
wh_decision_text_clean(struct wh_buf *out, struct wh_str text, size_t max_bytes)
{
    const unsigned char *s = (const unsigned char *)text.ptr;
    size_t i, len, total = 0, fit = 0, fit_bytes = 0, run = 0;
    bool is_clean;

    if (text.len == 0 || max_bytes < 3)
        return 0;
    /* What the cleaned text weighs (U+FFFD is 3 bytes), and its longest prefix that leaves room
     * for "…" should the whole not fit. */
    for (i = 0; i < text.len && total <= max_bytes; i += len) {
        len = next_char(s + i, text.len - i, &is_clean);
        total += is_clean ? len : 3;
        if (total + 3 <= max_bytes) {
            fit = i + len;
            fit_bytes = total;
        }
    }
    if (total <= max_bytes && i == text.len) {
        fit = text.len;
        fit_bytes = total;
    }
    for (i = 0; i < fit; i += len) {
        len = next_char(s + i, text.len - i, &is_clean);
        if (is_clean)
            continue;
        wh_buf_append(out, s + run, i - run);
        wh_buf_append(out, REPLACEMENT, 3);
        run = i + len;
    }
    wh_buf_append(out, s + run, fit - run);
    if (fit == text.len)
        return fit_bytes;
    wh_buf_append(out, ELLIPSIS, 3);
    return fit_bytes + 3;
}

/* `text` (n bytes, NUL-terminated) itself when clean and at most max_bytes long, else a cleaned
 * and cut copy in `a`. */
static char *
clip(struct wh_arena *a, char *text, size_t n, size_t max_bytes)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i, len;
    bool is_clean = true;
    struct wh_buf b;
    char *out;

    for (i = 0; n <= max_bytes && i < n && is_clean; i += len)
        len = next_char(s + i, n - i, &is_clean);
    if (n <= max_bytes && is_clean)
        return text;
    wh_buf_init(&b, SIZE_MAX);
    wh_decision_text_clean(&b, (struct wh_str){text, n}, max_bytes);
    out = wh_arena_strndup(a, b.ptr != NULL ? b.ptr : "", b.len);
    wh_buf_fini(&b);
    return out;
}

const char *
wh_decision_text_clip(struct wh_arena *a, const char *text, size_t max_bytes)
{
    size_t n = strlen(text);

    /* clip() returns its argument unchanged or a copy: it never writes through it. */
    return clip(a, (char *)(uintptr_t)text, n, max_bytes);
}

void
wh_decision_subject_set(struct wh_decision *d, const char *kind, const char *namespace_,
                        const char *name)
{
    const char *subject;

    if (kind == NULL || kind[0] == '\0') {
        d->subject = NULL;
        return;
    }
    if (name == NULL || name[0] == '\0')
        subject = kind; /* a pod of a controller is named by generateName after admission */
    else if (namespace_ == NULL || namespace_[0] == '\0')
        subject = wh_arena_join(
            d->arena, (const struct wh_str[]){wh_str_c(kind), WH_STR(" "), wh_str_c(name)}, 3);
    else
        subject =
            wh_arena_join(d->arena,
                          (const struct wh_str[]){wh_str_c(kind), WH_STR(" "), wh_str_c(namespace_),
                                                  WH_STR("/"), wh_str_c(name)},
                          5);
    d->subject = wh_decision_text_clip(d->arena, subject, WH_SUBJECT_MAX);
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
    if (d->subject != NULL)
        text = wh_arena_sprintf(d->arena, "%s: %s", d->subject, text);
    text = clip(d->arena, text, strlen(text), WH_WARNING_MAX);
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
    if (fmt[0] == '%' && fmt[1] == 's' && fmt[2] == '\0') {
        /* Nearly every annotation: its value copied, as "%s" prints it (NULL as glibc's). */
        const char *arg = va_arg(ap, const char *);
        value = wh_arena_strdup(d->arena, arg != NULL ? arg : "(null)");
    } else {
        value = wh_arena_vsprintf(d->arena, fmt, ap);
    }
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
