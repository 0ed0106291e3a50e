#ifndef WH_TESTS_SBOM_FIND_KEY_H
#define WH_TESTS_SBOM_FIND_KEY_H

/* The component of a normalised SBOM with the given key ("purl-type/namespace/name"), or NULL:
 * shared by normalize_test and tagvalue_test. */
#include <string.h>

#include "sbom/normalize.h"

static const struct wh_sbom_component *
find_key(const struct wh_sbom *s, const char *key)
{
    size_t i;

    for (i = 0; i < s->n_components; i++) {
        if (strcmp(s->components[i].key, key) == 0)
            return &s->components[i];
    }
    return NULL;
}

#endif
