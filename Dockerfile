# smallacts: multi-stage build. The runtime image holds only the binary, runs as a non-root
# user, keeps its SQLite database in the /data volume, and is configured by environment.
#
#   docker build -t smallacts .
#   docker run -d --name smallacts -e DISCORD_TOKEN=... -v smallacts-data:/data smallacts

#
# The build stage copies what the workspace needs to build the bot and nothing more: the
# manifests and lock file, the bot's build script and sources, the migrations and config it
# embeds, the fake Discord crate (a workspace member, which `smallacts demo` plays against), and
# benches/ only because Cargo.toml declares the benchmarks and cargo reads every declared target
# when it loads the manifest. scripts/docker-build-stage-check (run by .ci/run) proves this
# stage without a Docker engine: it copies exactly these into an empty folder and runs its
# `cargo build` there.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock build.rs askama.toml ./
COPY src ./src
COPY migrations ./migrations
COPY config ./config
COPY crates/fake-discord ./crates/fake-discord
COPY assets ./assets
COPY benches ./benches
RUN cargo build --release --locked --bin smallacts

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin smallacts \
 && mkdir -p /data && chown smallacts /data
COPY --from=build /src/target/release/smallacts /usr/local/bin/smallacts
USER smallacts
WORKDIR /data
VOLUME ["/data"]
ENV DATABASE_URL=sqlite:///data/smallacts.db \
    SMALLACTS__HTTP__LISTEN=0.0.0.0:8080 \
    SMALLACTS__LOG__FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["smallacts"]
CMD ["run"]
