/* The YAML 1.2 core schema's scalar types, the one rule the policy and the config are read with. */
#include "base/yaml_scalar.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool
all_in(const char *s, size_t n, const char *set)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (s[i] == '\0' || strchr(set, s[i]) == NULL)
            return false;
    return n > 0;
}

static bool
is_one_of(const char *s, const char *const *names)
{
    size_t i;

    for (i = 0; names[i] != NULL; i++)
        if (strcmp(s, names[i]) == 0)
            return true;
    return false;
}

/* Advances *i past decimal digits; returns how many there were. */
static size_t
skip_digits(const char *s, size_t n, size_t *i)
{
    size_t start = *i;

    while (*i < n && s[*i] >= '0' && s[*i] <= '9')
        (*i)++;
    return *i - start;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? — at least one of fraction or exponent. */
static bool
is_core_float(const char *s, size_t n)
{
    size_t i = 0, digits, frac = 0;
    bool dot = false, exp = false;

    if (i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    digits = skip_digits(s, n, &i);
    if (i < n && s[i] == '.') {
        dot = true;
        i++;
        frac = skip_digits(s, n, &i);
    }
    if (digits == 0 && frac == 0)
        return false;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        exp = true;
        i++;
        if (i < n && (s[i] == '-' || s[i] == '+'))
            i++;
        if (skip_digits(s, n, &i) == 0)
            return false;
    }
    return i == n && (dot || exp);
}

enum wh_yaml_scalar
wh_yaml_scalar_type(struct wh_str text, bool plain, double *num, bool *boolean)
{
    static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
    static const char *const trues[] = {"true", "True", "TRUE", NULL};
    static const char *const falses[] = {"false", "False", "FALSE", NULL};
    static const char *const infs[] = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", NULL};
    static const char *const ninfs[] = {"-.inf", "-.Inf", "-.INF", NULL};
    static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
    const char *t = text.ptr;
    size_t len = text.len;
    size_t sign = len > 0 && (t[0] == '-' || t[0] == '+');

    if (!plain || strnlen(t, len) != len || t[len] != '\0')
        return WH_YAML_STRING;
    if (len == 0 || is_one_of(t, nulls))
        return WH_YAML_NULL;
    if (is_one_of(t, trues) || is_one_of(t, falses)) {
        *boolean = is_one_of(t, trues);
        return WH_YAML_BOOL;
    }
    if (len > 2 && t[0] == '0' && t[1] == 'x' && all_in(t + 2, len - 2, "0123456789abcdefABCDEF"))
        *num = strtod(t, NULL); /* glibc strtod reads hex */
    else if (len > 2 && t[0] == '0' && t[1] == 'o' && all_in(t + 2, len - 2, "01234567"))
        *num = (double)strtoull(t + 2, NULL, 8);
    else if (all_in(t + sign, len - sign, "0123456789") || is_core_float(t, len))
        *num = strtod(t, NULL);
    else if (is_one_of(t, infs))
        *num = INFINITY;
    else if (is_one_of(t, ninfs))
        *num = -INFINITY;
    else if (is_one_of(t, nans))
        *num = NAN;
    else
        return WH_YAML_STRING;
    return WH_YAML_NUMBER;
}
