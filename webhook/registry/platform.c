/*
 * Index entry platforms normalised as containerd's platforms package does
 * (github.com/containerd/platforms, database.go: normalizeOS, normalizeArch, isKnownOS,
 * isKnownArch; compare.go: platformVector), so driftgate judges the entries a node would pull,
 * whatever case or alias the index uses. Written from the package's behaviour, not its code.
 */
#include "registry/platform.h"

#include <string.h>

/* Go's syslist (go/build/syslist.go), as containerd's isKnownOS / isKnownArch list them. */
static const char *const known_os[] = {
    "aix",   "android", "darwin", "dragonfly", "freebsd", "hurd",    "illumos", "ios",     "js",
    "linux", "nacl",    "netbsd", "openbsd",   "plan9",   "solaris", "wasip1",  "windows", "zos",
};
static const char *const known_arch[] = {
    "386",     "amd64",   "amd64p32", "arm",    "armbe",  "arm64",    "arm64be",   "ppc64",
    "ppc64le", "loong64", "mips",     "mipsle", "mips64", "mips64le", "mips64p32", "mips64p32le",
    "ppc",     "riscv",   "riscv64",  "s390",   "s390x",  "sparc",    "sparc64",   "wasm",
};

static bool
listed(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return true;
    return false;
}

/* ASCII lower case (Go's strings.ToLower also folds non-ASCII, but no known name has any: a
 * name with a non-ASCII byte stays unknown, which is the safe side). */
static char *
lower(const char *s, struct wh_arena *a)
{
    char *out = wh_arena_strdup(a, s != NULL ? s : "");

    for (char *p = out; *p != '\0'; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}

/* containerd normalizeArch: aliases and the variants each architecture implies. */
static void
normalize_arch(const char *arch, const char *variant, struct wh_arena *a, const char **arch_out,
               const char **variant_out)
{
    const char *ar = lower(arch, a), *v = lower(variant, a);

    if (strcmp(ar, "i386") == 0) {
        ar = "386";
        v = "";
    } else if (strcmp(ar, "x86_64") == 0 || strcmp(ar, "x86-64") == 0 || strcmp(ar, "amd64") == 0) {
        ar = "amd64";
        if (strcmp(v, "v1") == 0)
            v = "";
    } else if (strcmp(ar, "aarch64") == 0 || strcmp(ar, "arm64") == 0) {
        ar = "arm64";
        if (strcmp(v, "8") == 0 || strcmp(v, "v8") == 0 || strcmp(v, "v8.0") == 0)
            v = "";
        else if (strcmp(v, "9") == 0 || strcmp(v, "9.0") == 0 || strcmp(v, "v9.0") == 0)
            v = "v9";
    } else if (strcmp(ar, "armhf") == 0) {
        ar = "arm";
        v = "v7";
    } else if (strcmp(ar, "armel") == 0) {
        ar = "arm";
        v = "v6";
    } else if (strcmp(ar, "arm") == 0) {
        if (v[0] == '\0' || strcmp(v, "7") == 0)
            v = "v7";
        else if (strcmp(v, "5") == 0 || strcmp(v, "6") == 0 || strcmp(v, "8") == 0)
            v = wh_arena_sprintf(a, "v%s", v);
    }
    *arch_out = ar;
    *variant_out = v;
}

void
wh_registry_platform_of(const struct wh_registry_descriptor *d, struct wh_arena *a,
                        struct wh_registry_platform *out)
{
    const char *type;
    const char *os = d->os != NULL ? d->os : "",
               *arch = d->architecture != NULL ? d->architecture : "";
    const char *variant = d->variant != NULL ? d->variant : "";

    memset(out, 0, sizeof(*out));
    out->os = lower(os, a);
    if (strcmp(out->os, "macos") == 0)
        out->os = "darwin";
    normalize_arch(arch, variant, a, &out->arch, &out->variant);
    out->is_known = listed(out->os, known_os, sizeof(known_os) / sizeof(known_os[0])) &&
                    listed(out->arch, known_arch, sizeof(known_arch) / sizeof(known_arch[0]));
    type =
        wh_registry_annotation_get(d->annotations, d->n_annotations, "vnd.docker.reference.type");
    out->is_attestation = type != NULL && strcmp(type, "attestation-manifest") == 0 &&
                          strcmp(out->os, "unknown") == 0 && strcmp(out->arch, "unknown") == 0;
    if (!d->has_platform)
        out->written = "no platform";
    else if (os[0] == '\0' && arch[0] == '\0')
        out->written = "empty platform";
    else if (os[0] == '\0' || arch[0] == '\0' || strcmp(os, out->os) != 0 ||
             strcmp(arch, out->arch) != 0)
        /* variants are not reported: "arm64/v8" and "arm/" are the usual spellings of arm64
         * and arm/v7 */
        out->written = wh_arena_sprintf(a, "%s/%s", os[0] != '\0' ? os : "\"\"",
                                        arch[0] != '\0' ? arch : "\"\"");
}

const char *
wh_registry_platform_name(const struct wh_registry_platform *p, struct wh_arena *a)
{
    const char *os = p->os[0] != '\0' ? p->os : "?", *arch = p->arch[0] != '\0' ? p->arch : "?";

    if (p->variant[0] != '\0')
        return wh_arena_sprintf(a, "%s/%s/%s", os, arch, p->variant);
    return wh_arena_sprintf(a, "%s/%s", os, arch);
}

size_t
wh_registry_platform_node_archs(const struct wh_registry_platform *p, const char *out[3])
{
    size_t n = 0;

    out[n++] = p->arch;
    if (strcmp(p->arch, "386") == 0)
        out[n++] = "amd64";
    else if (strcmp(p->arch, "arm") == 0)
        out[n++] = "arm64";
    return n;
}
