#ifndef WH_REGISTRY_PLATFORM_H
#define WH_REGISTRY_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "registry/manifest.h"

/*
 * The platform of an index entry as a container runtime reads it. containerd (and the kubelet
 * through it) normalises before it matches: case-folds, "x86_64" is amd64, "aarch64" arm64,
 * "armhf" arm/v7 ... (github.com/containerd/platforms: Normalize, normalizeOS and normalizeArch in
 * database.go), and a node also runs compatible platforms (compare.go, platformVector: amd64 nodes
 * run 386, arm64 nodes run arm/v8 down to arm/v5). An index entry spelled "Linux"/"x86_64" is
 * therefore pulled on linux/amd64 nodes exactly like "linux"/"amd64", and one with no or an
 * empty os may be (normalizeOS("") is the node's own OS).
 */
struct wh_registry_platform {
    const char *os, *arch, *variant; /* normalised; "" when the index left it out */
    /* os and architecture present and names containerd knows (Go's syslist): only then can a
     * node be ruled out by its platform; an entry without this may be pulled anywhere. */
    bool is_known;
    /* A buildkit attestation manifest (annotation vnd.docker.reference.type:
     * attestation-manifest with platform unknown/unknown): not an image, never pulled. */
    bool is_attestation;
    /* How the index spelled os/architecture when that differs from the normalised form
     * ("Linux/x86_64", "\"\"/amd64", "no platform", "empty platform"), else NULL. */
    const char *written;
};

/* Normalises index entry `d`'s platform (strings in `a`). Pure. */
void wh_registry_platform_of(const struct wh_registry_descriptor *d, struct wh_arena *a,
                             struct wh_registry_platform *out);

/* "linux/arm/v7", "linux/amd64"; "?" stands for a missing part ("?/amd64"). In `a`. */
const char *wh_registry_platform_name(const struct wh_registry_platform *p, struct wh_arena *a);

/*
 * The node architectures (kubernetes.io/arch values) whose runtime may pick an entry of this
 * known platform: its own, plus amd64 for 386 and arm64 for arm (containerd's platformVector).
 * Variants are not looked at: any arm variant counts as runnable on arm and arm64 nodes (a
 * newer CPU or runtime may pick it). Returns how many of out[0..2] it filled.
 */
size_t wh_registry_platform_node_archs(const struct wh_registry_platform *p, const char *out[3]);

#endif
