# driftgate image: build through the project Makefile on Debian 12, run on bookworm-slim as a
# non-root user with a read-only root filesystem (manifests/deployment.yaml).
#
#   docker build --build-arg DG_VERSION="$(cat VERSION)" \
#     --build-arg DG_COMMIT="$(git rev-parse --short=12 HEAD)" -t driftgate:"$(cat VERSION)" .
#   (or: buildah bud with the same arguments)
# DG_VERSION is required: it becomes the org.opencontainers.image.version label, and the build
# fails unless it equals VERSION and what the built binary's --version prints (as `make image`,
# the daemonless path, labels its archive from the binary itself).
#
# Runtime library packages are the Debian packages the release binary links (`ldd` + `dpkg -S`);
# tests/integration/manifests_test.sh checks that RUNTIME_PKGS covers them.
# Not built on the dev machine (no container engine, and no registry to pull debian:bookworm
# from; buildah is in Debian but cannot get a base image offline): the build stage's RUN steps
# were run in a shell on a tree holding only what .dockerignore lets through.

FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential pkg-config ca-certificates \
      libh2o-evloop-dev libjansson-dev libcurl4-openssl-dev libyaml-dev libpcre2-dev libssl-dev zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile VERSION ./
COPY webhook/ webhook/
COPY policy/ policy/
COPY manifests/configmap-config.yaml manifests/
COPY manifests/trust/ manifests/trust/
# Release flags come from the Makefile (-O2, FORTIFY_SOURCE=3, stack protector, PIE, full RELRO).
# No .git in the context: `docker build --build-arg DG_COMMIT=$(git rev-parse --short=12 HEAD)`.
ARG DG_COMMIT=unknown
ARG DG_VERSION
RUN test "$DG_VERSION" = "$(cat VERSION)" \
      || { echo "build with --build-arg DG_VERSION=$(cat VERSION) (got '$DG_VERSION')" >&2; exit 1; } \
 && make -j"$(nproc)" BUILD=build-release DG_COMMIT="$DG_COMMIT" build-release/driftgate \
 && test "$(build-release/driftgate --version | cut -d' ' -f2)" = "$DG_VERSION" \
 && install -D -m 0755 build-release/driftgate /out/usr/local/bin/driftgate \
 && install -D -m 0644 policy/default.yaml /out/etc/driftgate/policy/policy.yaml \
 && install -D -m 0644 -t /out/etc/driftgate/policy/keys policy/keys/*.pub \
 && install -D -m 0644 -t /out/etc/driftgate/trust manifests/trust/trusted_root.json manifests/trust/root.json \
 && awk '/^  config.yaml: \|$/ {on = 1; next} on && /^    / {print substr($0, 5); next} on && /^$/ {print; next} on {exit}' \
      manifests/configmap-config.yaml > /out/etc/driftgate/config.yaml \
 && test -s /out/etc/driftgate/config.yaml

FROM debian:bookworm-slim
ARG DEBIAN_FRONTEND=noninteractive
ARG DG_VERSION
ARG DG_COMMIT=unknown
LABEL org.opencontainers.image.title="driftgate" \
      org.opencontainers.image.version="$DG_VERSION" \
      org.opencontainers.image.revision="$DG_COMMIT"
# libcurl4 is loaded on first registry use (dlopen, webhook/registry/curl_lib.h), not linked:
# `ldd driftgate` does not name it, tests/integration/manifests_test.sh still requires it here.
ARG RUNTIME_PKGS="libh2o-evloop0.13 libjansson4 libcurl4 libyaml-0-2 libpcre2-8-0 libssl3 ca-certificates"
RUN apt-get update \
 && apt-get install -y --no-install-recommends ${RUNTIME_PKGS} \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
COPY --from=build /out/ /
# Same defaults as manifests/configmap-config.yaml; in Kubernetes the ConfigMap is mounted over it.
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["/usr/local/bin/driftgate", "serve", "--config", "/etc/driftgate/config.yaml"]
