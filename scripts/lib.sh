# Shared by scripts/run and scripts/test: find or install what the build needs, and build the
# browser side of the site. Each step says what it installs and skips what is present.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
SITE_ROOT="$TARGET_DIR/site"
WASM_BINDGEN_VERSION="0.2.130"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        say "need root to run: $*"; return 1
    fi
}

apt_install() {
    if ! command -v apt-get >/dev/null; then
        say "please install: $* (this script installs them with apt-get on Debian/Ubuntu only)"
        return 1
    fi
    say "installing $* (apt-get)"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
    if compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null; then return; fi
    apt_install postgresql
}

# The folder of PostgreSQL's server programs (initdb, pg_ctl): initdb's on PATH, or the newest
# of Debian's.
pg_bin_dir() {
    dirname "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)"
}

# Runs "$@" as the postgres user when root: PostgreSQL's server refuses to run as root.
as_postgres() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Stops the private cluster the Rust tests start (domain::testing), if it runs.
stop_test_cluster() {
    local pgdata="$ROOT/target/test-postgres/pgdata"
    [ -f "$pgdata/postmaster.pid" ] || return 0
    as_postgres "$(pg_bin_dir)/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null || true
}

ensure_nextest() {
    if ! cargo nextest --version >/dev/null 2>&1; then
        say "installing cargo-nextest (cargo install, a few minutes)"
        cargo install cargo-nextest --locked
    fi
}

ensure_wasm_target() {
    if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
        say "installing the wasm32-unknown-unknown target (rustup)"
        rustup target add wasm32-unknown-unknown
    fi
}

ensure_wasm_bindgen() {
    if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
        # Without --locked: its lockfile wants a webpki-roots version the registry no longer has.
        say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (cargo install, a few minutes)"
        cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
    fi
}

ensure_node_modules() {
    if ! command -v npm >/dev/null; then apt_install nodejs npm; fi
    if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
        say "installing the npm tools: Tailwind CLI, wasm-opt (binaryen), playwright-core (npm install)"
        # Not `npm ci`: npm 11 refuses its own lockfile when optional platform packages were
        # left out of it. `--no-save` installs from the lockfile without rewriting it.
        (cd "$ROOT" && npm install --no-audit --no-fund --no-save)
    fi
}

ensure_chromium() {
    if ! command -v chromium >/dev/null; then apt_install chromium; fi
}

# Builds the browser side into $SITE_ROOT/pkg: the hydrating wasm (wasm-release profile),
# its JavaScript glue, and the stylesheet, named by their content's hash and precompressed
# (scripts/name-site.mjs; the server reads the name from pkg/output-name).
build_site() {
    ensure_wasm_target
    ensure_wasm_bindgen
    ensure_node_modules
    local pkg="$SITE_ROOT/pkg"
    mkdir -p "$pkg"
    say "building the hydrating wasm (cargo, wasm-release profile)"
    (cd "$ROOT" && cargo build -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release)
    wasm-bindgen --target web --no-typescript --out-name storefront --out-dir "$pkg" \
        "$TARGET_DIR/wasm32-unknown-unknown/wasm-release/frontend.wasm"
    say "optimising the wasm (wasm-opt)"
    wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
        -o "$pkg/storefront_bg.wasm" "$pkg/storefront_bg.wasm"
    say "building the stylesheet (Tailwind CLI)"
    (cd "$ROOT" && tailwindcss -i style/tailwind.css -o "$pkg/storefront.css" --minify 2>/dev/null)
    say "naming the site by its content's hash, precompressing it (brotli, gzip)"
    node "$ROOT/scripts/name-site.mjs" "$pkg"
}
