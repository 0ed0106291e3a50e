/* Index entry platforms normalised as containerd does; which node architectures may pull one. */
#include <string.h>

#include "registry/platform.c"
#include "unit/harness.h"

static struct wh_registry_platform
of(const char *os, const char *arch, const char *variant, struct wh_arena *a)
{
    struct wh_registry_descriptor d;
    struct wh_registry_platform p;

    memset(&d, 0, sizeof(d));
    d.os = os;
    d.architecture = arch;
    d.variant = variant;
    d.has_platform = os != NULL || arch != NULL || variant != NULL;
    wh_registry_platform_of(&d, a, &p);
    return p;
}

static void
expect(const char *os, const char *arch, const char *variant, const char *name, bool known,
       const char *written)
{
    struct wh_arena a;
    struct wh_registry_platform p;
    const char *got;

    wh_arena_init(&a);
    p = of(os, arch, variant, &a);
    got = wh_registry_platform_name(&p, &a);
    ok(strcmp(got, name) == 0 && p.is_known == known &&
           (written == NULL ? p.written == NULL
                            : p.written != NULL && strcmp(p.written, written) == 0),
       "%s/%s/%s → %s (%s, written %s)", os != NULL ? os : "(none)", arch != NULL ? arch : "(none)",
       variant != NULL ? variant : "", got, p.is_known ? "known" : "unknown",
       p.written != NULL ? p.written : "as is");
    wh_arena_fini(&a);
}

static void
test_os_and_arch_aliases_normalise_like_containerd(void)
{
    expect("linux", "amd64", NULL, "linux/amd64", true, NULL);
    expect("Linux", "amd64", NULL, "linux/amd64", true, "Linux/amd64");
    expect("LINUX", "X86_64", NULL, "linux/amd64", true, "LINUX/X86_64");
    expect("linux", "x86-64", NULL, "linux/amd64", true, "linux/x86-64");
    expect("linux", "amd64", "v1", "linux/amd64", true, NULL);
    expect("linux", "amd64", "v3", "linux/amd64/v3", true, NULL);
    expect("linux", "aarch64", NULL, "linux/arm64", true, "linux/aarch64");
    expect("linux", "arm64", "v8", "linux/arm64", true, NULL);
    expect("linux", "arm64", "8", "linux/arm64", true, NULL);
    expect("linux", "arm64", "v9.0", "linux/arm64/v9", true, NULL);
    expect("linux", "arm", NULL, "linux/arm/v7", true, NULL);
    expect("linux", "arm", "7", "linux/arm/v7", true, NULL);
    expect("linux", "arm", "6", "linux/arm/v6", true, NULL);
    expect("linux", "armhf", NULL, "linux/arm/v7", true, "linux/armhf");
    expect("linux", "armel", NULL, "linux/arm/v6", true, "linux/armel");
    expect("linux", "i386", "v9", "linux/386", true, "linux/i386");
    expect("macOS", "arm64", NULL, "darwin/arm64", true, "macOS/arm64");
    expect("windows", "amd64", NULL, "windows/amd64", true, NULL);
}

static void
test_missing_empty_and_unknown_platforms_are_unknown(void)
{
    expect(NULL, NULL, NULL, "?/?", false, "no platform");
    expect("", "", NULL, "?/?", false, "empty platform");
    expect("", "amd64", NULL, "?/amd64", false, "\"\"/amd64");
    expect("linux", "", NULL, "linux/?", false, "linux/\"\"");
    expect("unknown", "unknown", NULL, "unknown/unknown", false, NULL);
    expect("linux", "x86", NULL, "linux/x86", false, NULL);
    expect("l\xc4\xb1nux", "amd64", NULL, "l\xc4\xb1nux/amd64", false, NULL);
}

static void
test_attestation_manifests_only_when_marked(void)
{
    struct wh_arena a;
    struct wh_registry_descriptor d;
    struct wh_registry_platform p;
    struct wh_registry_kv ann[1] = {{"vnd.docker.reference.type", "attestation-manifest"}};

    wh_arena_init(&a);
    memset(&d, 0, sizeof(d));
    d.os = "unknown";
    d.architecture = "unknown";
    d.has_platform = true;
    wh_registry_platform_of(&d, &a, &p);
    ok(!p.is_attestation && !p.is_known, "unknown/unknown without the annotation is an image");
    d.annotations = ann;
    d.n_annotations = 1;
    wh_registry_platform_of(&d, &a, &p);
    ok(p.is_attestation, "unknown/unknown marked attestation-manifest is not an image");
    d.os = "linux";
    d.architecture = "amd64";
    wh_registry_platform_of(&d, &a, &p);
    ok(!p.is_attestation, "a linux/amd64 entry marked attestation-manifest is still an image");
    wh_arena_fini(&a);
}

static void
test_node_archs_follow_the_compatibility_vector(void)
{
    struct wh_arena a;
    struct wh_registry_platform p;
    const char *archs[3];
    size_t n;

    wh_arena_init(&a);
    p = of("linux", "386", NULL, &a);
    n = wh_registry_platform_node_archs(&p, archs);
    ok(n == 2 && strcmp(archs[0], "386") == 0 && strcmp(archs[1], "amd64") == 0,
       "386 runs on 386 and amd64 nodes");
    p = of("linux", "armhf", NULL, &a);
    n = wh_registry_platform_node_archs(&p, archs);
    ok(n == 2 && strcmp(archs[0], "arm") == 0 && strcmp(archs[1], "arm64") == 0,
       "arm/v7 runs on arm and arm64 nodes");
    p = of("linux", "x86_64", NULL, &a);
    n = wh_registry_platform_node_archs(&p, archs);
    ok(n == 1 && strcmp(archs[0], "amd64") == 0, "amd64 runs on amd64 nodes only");
    wh_arena_fini(&a);
}

int
main(void)
{
    test_os_and_arch_aliases_normalise_like_containerd();
    test_missing_empty_and_unknown_platforms_are_unknown();
    test_attestation_manifests_only_when_marked();
    test_node_archs_follow_the_compatibility_vector();
    return done_testing();
}
