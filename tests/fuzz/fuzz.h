#ifndef WH_TESTS_FUZZ_H
#define WH_TESTS_FUZZ_H

/* libFuzzer entry point; each tests/fuzz/<target>.c defines it and checks invariants with
 * WH_ASSERT (aborts in every build, so the fuzzer reports it). */
#include <stddef.h>
#include <stdint.h>

#include "base/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
