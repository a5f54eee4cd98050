# A slim image of roster: built in a full Rust image, shipped on a small
# Debian with the binary alone, run as an unprivileged user.
#   docker build -t roster .
#   docker run --rm -v "$PWD:/work" -w /work roster validate roster/
FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin roster \
 && strip target/release/roster

FROM debian:bookworm-slim
RUN useradd --create-home --uid 10001 roster
COPY --from=build /src/target/release/roster /usr/local/bin/roster
USER roster
WORKDIR /work
ENTRYPOINT ["roster"]
CMD ["--help"]
