# syntax=docker/dockerfile:1
#
# sfgate images: `docker build .` (or --target gateway) is the production
# gateway; --target sfsim is the Salesforce emulator for demos and load tests.
# Both are static Go binaries on distroless/static (CA certificates, tzdata,
# user nonroot 65532, no shell). Health is checked by the static
# /usr/local/bin/healthprobe shipped in both images (docs/deploy.md).

ARG GO_VERSION=1.26
# Base images pinned by digest (docs/deploy.md, "Image: version, labels and
# base digests"): scripts/build-image.sh resolves each tag's current digest
# and passes "@sha256:..." here, so a released image names exactly the bases
# it was built on. Empty (a local or compose build) falls back to the tag.
ARG GO_PIN=""
ARG STATIC_PIN=""

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}${GO_PIN} AS build
WORKDIR /src
# Never download another toolchain in the build: the image's Go must satisfy
# go.mod's go line, and a mismatch should fail loudly.
ENV GOTOOLCHAIN=local CGO_ENABLED=0
# Modules first, so the download layer is reused while only code changes.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=bind,source=go.mod,target=go.mod \
    --mount=type=bind,source=go.sum,target=go.sum \
    go mod download -x
ARG TARGETOS TARGETARCH
# The build's identity, printed by `gateway --version` and logged at start.
ARG VERSION=dev
ARG REVISION=unknown
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false \
      -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${REVISION}" -o /out/ \
      ./cmd/gateway ./cmd/sfsim ./cmd/healthprobe

# The runtime base of both images, with the OCI image annotations
# (https://github.com/opencontainers/image-spec/blob/main/annotations.md)
# they share; each image sets its own title.
FROM gcr.io/distroless/static-debian12:nonroot${STATIC_PIN} AS runtime
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=""
ARG SOURCE=https://github.com/sfgate/sfgate
# SPDX; NOASSERTION until the repository carries a licence file.
ARG LICENSES=NOASSERTION
LABEL org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.licenses="${LICENSES}"

FROM runtime AS sfsim
LABEL org.opencontainers.image.title="sfgate Salesforce emulator"
COPY --from=build /out/sfsim /out/healthprobe /usr/local/bin/
USER 65532:65532
EXPOSE 8081
ENTRYPOINT ["/usr/local/bin/sfsim", "-addr", ":8081"]

# The last stage is the default target: the gateway.
FROM runtime AS gateway
LABEL org.opencontainers.image.title="sfgate gateway"
COPY --from=build /out/gateway /out/healthprobe /usr/local/bin/
USER 65532:65532
ENV GATEWAY_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/gateway"]
