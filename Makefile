# driftgate build. `make demo` and `make test` install what they need (tests/install-deps.sh).
CC       ?= cc
BUILD    ?= build
SAN      ?=
PREFIX   ?= /usr/local

WARN     := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla -Wimplicit-fallthrough -Wundef -Wcast-qual
CPPFLAGS := -Iwebhook -Itests -DH2O_USE_LIBUV=0 -isystem /usr/include/x86_64-linux-gnu
ifeq ($(SAN),)
OPT      := -O2 -g -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fPIE
LDOPT    := -pie -Wl,-z,relro,-z,now
else
OPT      := -O1 -g -fno-omit-frame-pointer -fsanitize=$(SAN) -fno-sanitize-recover=all
LDOPT    := -fsanitize=$(SAN)
endif
CFLAGS   ?=
CFLAGS   += $(WARN) $(OPT)
# libcurl is not linked: registry/curl_lib.c dlopen()s it on first use (process start without its
# ~26 libraries); glibc >= 2.34 has dlopen in libc. Only tests that call libcurl directly link it.
LDLIBS   := -lh2o-evloop -ljansson -lyaml -lpcre2-8 -lssl -lcrypto -lz -lpthread -lm
$(BUILD)/tests/unit/http/server_test: LDLIBS += -lcurl

# Build identity (`driftgate --version`, driftgate_build_info): the VERSION file and the git
# commit; `make DG_COMMIT=...` where the tree is no git checkout (a container build).
DG_VERSION ?= $(shell cat VERSION 2>/dev/null || echo 0.0.0-dev)
DG_COMMIT  ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
# Only base/version.o sees them; it is rebuilt when they change (the stamp is rewritten only then).
VERSION_STAMP := $(BUILD)/version.stamp
$(shell mkdir -p $(BUILD) && printf '%s %s\n' '$(DG_VERSION)' '$(DG_COMMIT)' | cmp -s - $(VERSION_STAMP) || printf '%s %s\n' '$(DG_VERSION)' '$(DG_COMMIT)' > $(VERSION_STAMP))
$(BUILD)/obj/webhook/base/version.o: CPPFLAGS += -DWH_VERSION='"$(DG_VERSION)"' -DWH_COMMIT='"$(DG_COMMIT)"'
$(BUILD)/obj/webhook/base/version.o: $(VERSION_STAMP)

# MODULES="image admission" builds only base/ plus those dirs (a helper working on one module
# is not blocked by another's half-written code).
MODULES   ?=
ifeq ($(MODULES),)
LIB_SRCS  := $(sort $(filter-out webhook/main.c,$(shell find webhook -name '*.c')))
UNIT_SRCS := $(sort $(shell find tests/unit -name '*_test.c' 2>/dev/null))
else
LIB_SRCS  := $(sort $(wildcard webhook/base/*.c) $(foreach m,$(MODULES),$(shell find webhook/$(m) -name '*.c')))
UNIT_SRCS := $(sort $(foreach m,base $(MODULES),$(shell find tests/unit/$(m) -name '*_test.c' 2>/dev/null)))
endif
# Generated sources, build outputs (not in git): the schema and the seed policy built into the
# binary, and the loader's accepted keys generated from the schema (policy/keys.h).
GEN_SRCS  := $(BUILD)/gen/lint/schema_text.c $(BUILD)/gen/policy/seed_text.c $(BUILD)/gen/policy/keys.c
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(GEN_SRCS:$(BUILD)/gen/%.c=$(BUILD)/obj/gen/%.o)
SUP_SRCS  := $(sort $(wildcard tests/support/*.c))
SUP_OBJS  := $(SUP_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
TOOL_SRCS := $(sort $(wildcard tests/bench/*.c tests/integration/*.c tests/golden/*.c tests/vectors/*.c))
TOOL_BINS := $(TOOL_SRCS:%.c=$(BUILD)/%)

.PHONY: all deps test check unit demo bench fuzz lint format format-check tidy shellcheck \
        check-layers check-banned check-names clean install image

all: $(BUILD)/driftgate

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

# The schema `driftgate policy lint` checks with is built in; regenerated when the schema changes,
# and so are the keys the loader accepts (one description of the format: policy/schema.json).
$(BUILD)/gen/lint/schema_text.c: policy/schema.json webhook/lint/embed-schema.sh
	@mkdir -p $(dir $@)
	sh webhook/lint/embed-schema.sh policy/schema.json $@
$(BUILD)/gen/policy/keys.c: policy/schema.json webhook/policy/embed-keys.sh
	@mkdir -p $(dir $@)
	sh webhook/policy/embed-keys.sh policy/schema.json $@
$(BUILD)/gen/policy/seed_text.c: policy/default.yaml webhook/policy/embed-seed.sh
	@mkdir -p $(dir $@)
	sh webhook/policy/embed-seed.sh policy/default.yaml $@
$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libdriftgate.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/driftgate: $(BUILD)/obj/webhook/main.o $(BUILD)/libdriftgate.a
	$(CC) $(CFLAGS) $(LDOPT) -o $@ $^ $(LDLIBS)

# A unit test links the library; one that #includes its module's .c to reach statics still
# links, because the archive member is only pulled for symbols the test leaves undefined.
$(BUILD)/tests/%: tests/%.c $(BUILD)/libdriftgate.a $(SUP_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP $(LDOPT) -o $@ $< $(SUP_OBJS) $(BUILD)/libdriftgate.a $(LDLIBS)

# The request path alone (`driftgate serve` against the archive), for check-closure.sh: which
# objects the webhook links, so the lint toolchain (webhook/lint/) provably stays out of it.
$(BUILD)/serve-closure: tests/lint/serve_closure.c $(BUILD)/libdriftgate.a
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDOPT) -o $@ $< $(BUILD)/libdriftgate.a $(LDLIBS) -Wl,-Map=$@.map

unit: $(BUILD)/driftgate $(BUILD)/serve-closure $(UNIT_BINS) $(TOOL_BINS)

deps:
	bash tests/install-deps.sh

# Everything: unit, golden, vectors and integration suites, then all again under ASan+UBSan.
test check: deps
	bash tests/run.sh

demo: deps
	$(MAKE) all
	bash tests/demo/run.sh

bench: deps
	$(MAKE) unit
	bash tests/bench/run.sh

fuzz: deps
	bash tests/fuzz/run.sh $(if $(FUZZ_SECONDS),$(FUZZ_SECONDS),60)

lint: format-check check-layers check-banned check-names shellcheck tidy

FORMAT_DIRS := webhook tests/unit tests/support tests/fuzz tests/bench tests/integration tests/golden \
               tests/vectors

format:
	clang-format -i $$(find $(FORMAT_DIRS) -name '*.[ch]' 2>/dev/null)

format-check:
	clang-format --dry-run -Werror $$(find $(FORMAT_DIRS) -name '*.[ch]' 2>/dev/null)

# .clang-tidy: clang-analyzer-*, curl's bugprone-* picks, cognitive complexity <= 25; warnings fail.
tidy:
	TIDY_FLAGS="$(CPPFLAGS)" bash tests/lint/tidy.sh
	bash tests/lint/tidy_test.sh

# Every shell script of the tests, the fixtures, certs/ and manifests/ (tests/node_modules aside,
# and fuzz corpora: their .sh files are inputs to a parser, not scripts).
shellcheck:
	find tests certs manifests \( -name node_modules -o -path tests/fuzz/corpus \) -prune -o -name '*.sh' -print | \
	  sort | xargs -P "$$(nproc)" -n 24 shellcheck -x

check-layers: $(BUILD)/serve-closure
	bash tests/lint/check-layers.sh
	bash tests/lint/check-closure.sh $(BUILD)

check-banned:
	bash tests/lint/check-banned.sh

# STYLE §3: external names carry their folder's prefix; the script's own test runs with it.
check-names:
	bash tests/lint/check-names.sh
	bash tests/lint/check-names_test.sh

install: $(BUILD)/driftgate
	install -D -m 0755 $(BUILD)/driftgate $(DESTDIR)$(PREFIX)/bin/driftgate

# The runtime image as a versioned OCI archive, IMAGE_OUT/driftgate-<version>.oci.tar, <version>
# being what the binary's --version prints (also the image's tag and its
# org.opencontainers.image.version label and annotation). Built without a container engine by
# tests/image/build.sh from the release binary and its shared libraries; the Dockerfile is the
# engine path. Push: skopeo copy --digestfile IMAGE_OUT/driftgate.digest
#   oci-archive:IMAGE_OUT/driftgate-<version>.oci.tar docker://REGISTRY/driftgate:<version>
IMAGE_OUT ?= $(BUILD)
image: $(BUILD)/driftgate
	@if [ -n "$(SAN)" ]; then echo "make image: the image ships the release build; run it without SAN=" >&2; exit 2; fi
	mkdir -p $(IMAGE_OUT)/image && v=$$($(BUILD)/driftgate --version | sed -n 's/^driftgate \([^ ]*\) .*/\1/p') && test -n "$$v" && \
	  bash tests/image/build.sh $(BUILD)/driftgate $(IMAGE_OUT)/image "$$v" > $(IMAGE_OUT)/image/digest.tmp && \
	  mv $(IMAGE_OUT)/image/driftgate-oci.tar $(IMAGE_OUT)/driftgate-$$v.oci.tar && \
	  echo "$(IMAGE_OUT)/driftgate-$$v.oci.tar $$(cat $(IMAGE_OUT)/image/digest.tmp)"

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
