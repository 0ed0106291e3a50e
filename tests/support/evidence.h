#ifndef WH_TESTS_EVIDENCE_H
#define WH_TESTS_EVIDENCE_H

/*
 * Test-only: the sigstore evidence fixtures of tests/support/fixtures/keyless-evidence.js (bundles
 * made by sigstore-js against a loopback mock Fulcio/Rekor/TSA and a GitHub-like CA + TSA), made
 * once per test binary in a fresh temporary directory. Unit tests run from the repository top
 * (tests/run.sh), where the script and tests/node_modules are.
 */
#include <stdbool.h>
#include <stddef.h>

#include "base/arena.h"
#include "base/str.h"
#include "trust/root.h"

/* Runs `node tests/support/fixtures/keyless-evidence.js DIR` into a new temporary directory, whose
 * path goes to dir[size]; false (dir possibly made, empty) when node or the script failed. */
bool evidence_make(char *dir, size_t size);
/* Removes the directory and everything in it. "" is a no-op. */
void evidence_remove(const char *dir);
/* DIR/name, read whole into `a`; exits the test (status 2) when it cannot. */
struct wh_bytes evidence_read(const char *dir, const char *name, struct wh_arena *a);
/* DIR/name loaded as a trust root (one reference, the caller's); exits the test when it fails. */
struct wh_trust_root *evidence_root(const char *dir, const char *name);

#endif
