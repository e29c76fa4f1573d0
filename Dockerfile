# Multi-stage build: compile in the Rust image, run on a slim Debian with only what the binary needs.
FROM rust:1.95-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends pkg-config libssl-dev && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock rustfmt.toml ./
COPY src src
COPY benches benches
RUN cargo build --release --locked --bin immunofaq

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libssl3 && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/immunofaq --create-home immunofaq
COPY --from=build /src/target/release/immunofaq /usr/local/bin/immunofaq
COPY faq /etc/immunofaq/faq
USER immunofaq
WORKDIR /var/lib/immunofaq
ENV RUST_LOG=info IMMUNOFAQ_FAQ=/etc/immunofaq/faq IMMUNOFAQ_DB=/var/lib/immunofaq/immunofaq.db \
    IMMUNOFAQ_SAVED_INDEX=/var/lib/immunofaq/faq.index
VOLUME ["/var/lib/immunofaq"]
# The FAQ check runs at build time too: a broken FAQ never becomes an image.
RUN immunofaq check /etc/immunofaq/faq
ENTRYPOINT ["immunofaq", "serve"]
