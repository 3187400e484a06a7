# The storefront image: one static-ish binary and the built site, nothing else.
#
#   docker build -t storefront .        (or: buildah bud -t storefront .)
#
# The build stage runs the project's own build script (scripts/build-release), which installs
# what it needs (the wasm target, wasm-bindgen, the npm tools) as on any fresh machine. The
# runtime stage is distroless: glibc and libgcc for the binary, CA certificates for the
# providers' TLS, no shell and no package manager; it runs as the unprivileged user 65532 and
# writes nothing but /tmp (mount an emptyDir there; the root filesystem may be read-only).

FROM node:20-bookworm-slim AS node

FROM rust:1.95-bookworm AS build
# Node 20 for the npm tools (Tailwind's CLI, binaryen's wasm-opt): Debian's is older.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm
WORKDIR /src
COPY . .
RUN scripts/build-release /out

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/storefront /app/storefront
COPY --from=build /out/site /app/site
ENV LEPTOS_SITE_ROOT=/app/site \
    LISTEN_ADDR=0.0.0.0:8080 \
    LOG_FORMAT=json
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/app/storefront"]
CMD ["serve"]
