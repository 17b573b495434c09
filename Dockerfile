# syntax=docker/dockerfile:1
#
# Images for the docker-compose demo, built from this repository:
#
#   docker build --target hive    -t hivetrace/hive .     # the Hive-compatible server (default target)
#   docker build --target service -t hivetrace/service .  # examples/service
#
# Both are static Go binaries (modernc.org/sqlite needs no cgo) on distroless.

ARG GO_VERSION=1.26

# Sources and modules, shared by both builds.
FROM golang:${GO_VERSION} AS source
WORKDIR /src
ENV CGO_ENABLED=0
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    (cd hive/server && go mod download) && (cd examples && go mod download)

FROM source AS build-hive
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    cd hive/server && go build -trimpath -ldflags="-s -w" -o /out/hive ./cmd/hive && \
    mkdir -p /out/data

FROM source AS build-service
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    cd examples && go build -trimpath -ldflags="-s -w" -o /out/service ./service

# The example service: a net/http service whose handlers run tasks, configured
# by OTEL_* and HIVE_* only. It listens on :8081.
FROM gcr.io/distroless/static-debian12:nonroot AS service
COPY --from=build-service /out/service /service
EXPOSE 8081
ENTRYPOINT ["/service"]

# The Hive server: `hive serve` with its SQLite store in the /data volume,
# credentials from HIVE_API_KEY and HIVE_API_SECRET. Last, so it is the
# default target.
FROM gcr.io/distroless/static-debian12:nonroot AS hive
COPY --from=build-hive /out/hive /hive
# An empty /data owned by the nonroot user, so a fresh volume is writable.
COPY --from=build-hive --chown=65532:65532 /out/data /data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/hive"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--db", "/data/hive.db"]
