#!/usr/bin/env bash
# Builds a release image of sfgate with its bases pinned by digest, the
# version and commit stamped into the binaries, and the OCI labels filled
# (docs/deploy.md, "Image: version, labels and base digests").
#
#   scripts/build-image.sh VERSION [TARGET] [extra docker buildx build flags...]
#   scripts/build-image.sh 0.2.0 gateway --push -t ghcr.io/sfgate/gateway:0.2.0
#
# Needs docker with buildx and network access to the registries. Each base
# tag is resolved to the digest of its multi-platform index at build time,
# and printed, so the release notes can name the exact bases.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${1:?usage: scripts/build-image.sh VERSION [TARGET] [docker buildx build flags...]}
target=${2:-gateway}
shift $(( $# >= 2 ? 2 : 1 ))

go_version=$(sed -n 's/^ARG GO_VERSION=//p' Dockerfile)
static_image=$(sed -n 's/^FROM \(gcr.io\/distroless\/[^$]*\)\${STATIC_PIN} AS gateway$/\1/p' Dockerfile)

# digest prints the sha256 digest a tag points at now.
digest() {
  docker buildx imagetools inspect "$1" --format '{{.Manifest.Digest}}'
}
go_digest=$(digest "golang:${go_version}")
static_digest=$(digest "${static_image}")
echo "bases: golang:${go_version}@${go_digest} ${static_image}@${static_digest}" >&2

docker buildx build \
  --target "${target}" \
  --build-arg GO_PIN="@${go_digest}" \
  --build-arg STATIC_PIN="@${static_digest}" \
  --build-arg VERSION="${version}" \
  --build-arg REVISION="$(git rev-parse HEAD)" \
  --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
  "$@" .
