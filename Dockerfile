# syntax=docker/dockerfile:1
#
# sfgate images: `docker build .` (or --target gateway) is the production
# gateway; --target sfsim is the Salesforce emulator for demos and load tests.
# Both are static Go binaries on distroless/static (CA certificates, tzdata,
# user nonroot 65532, no shell). Health is checked by the static
# /usr/local/bin/healthprobe shipped in both images (docs/deploy.md).

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
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
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    --mount=type=bind,target=. \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false \
      -ldflags="-s -w" -o /out/ \
      ./cmd/gateway ./cmd/sfsim ./cmd/healthprobe

FROM gcr.io/distroless/static-debian12:nonroot AS sfsim
COPY --from=build /out/sfsim /out/healthprobe /usr/local/bin/
USER 65532:65532
EXPOSE 8081
ENTRYPOINT ["/usr/local/bin/sfsim", "-addr", ":8081"]

# The last stage is the default target: the gateway.
FROM gcr.io/distroless/static-debian12:nonroot AS gateway
COPY --from=build /out/gateway /out/healthprobe /usr/local/bin/
USER 65532:65532
ENV GATEWAY_ADDR=:8080
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/gateway"]
