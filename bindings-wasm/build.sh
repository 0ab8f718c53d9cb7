#!/usr/bin/env bash
# Builds the WebAssembly package (TOOLCHAIN.md "Route B": Debian's rustc-web building std
# from source, so no rustup target or downloaded binary is needed):
#   pkg-node/  wasm-bindgen --target nodejs  (require('./pkg-node/optocom.js'))
#   pkg-web/   wasm-bindgen --target web     (import init from './pkg-web/optocom.js')
# Idempotent: installs what is missing (apt packages, the wasm-bindgen CLI of exactly the
# version in Cargo.lock), then builds incrementally. Run as root on Debian 12 with rustup's
# cargo on PATH. Environment:
#   JOBS            cargo jobs (default 2)
#   WASM_TOOLS      install root of wasm-bindgen-cli (default <repo>/target-wasm/tools)
#   CARGO_TARGET_DIR  (default <repo>/target-wasm)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
JOBS="${JOBS:-2}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target-wasm}"
WASM_TOOLS="${WASM_TOOLS:-$ROOT/target-wasm/tools}"
cd "$ROOT"

# 1. Debian's rustc/cargo 1.96 with std sources, and the wasm linker.
APT_PACKAGES=(rustc-web cargo-web rust-web-src lld-22)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "build.sh: installing ${missing[*]}" >&2
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

# 2. wasm-bindgen CLI: exactly the version of the wasm-bindgen crate in Cargo.lock.
version="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)"
[[ -n "$version" ]] || { echo "build.sh: wasm-bindgen is not in Cargo.lock" >&2; exit 1; }
WASM_BINDGEN="$WASM_TOOLS/bin/wasm-bindgen"
if [[ "$("$WASM_BINDGEN" --version 2>/dev/null)" != "wasm-bindgen $version" ]]; then
  echo "build.sh: installing wasm-bindgen-cli $version into $WASM_TOOLS (about 5 min)" >&2
  # rustup's cargo (first on PATH), not Debian's.
  cargo install wasm-bindgen-cli --version "$version" --root "$WASM_TOOLS" --force -j "$JOBS"
fi

# 3. The .wasm, with Debian's toolchain building std for wasm32 (RUSTC_BOOTSTRAP for
#    -Zbuild-std). Only this crate: a workspace-wide wasm build fails in pyo3-ffi.
RUSTC_BOOTSTRAP=1 RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
  /usr/bin/cargo build -p optocom-wasm --release --locked -j "$JOBS" \
  --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort
WASM="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/optocom_wasm.wasm"

# 4. JavaScript glue and TypeScript types. The name section (function names for stack
#    traces, 22% of the file) is dropped: a panic's message carries its Rust file and line.
#    No wasm-opt: Debian's (binaryen 108) breaks the output of this wasm-bindgen.
#    Then the trap guard (trap-guard.js; src/error.rs): the glue's `wasm` becomes the
#    instance's exports wrapped so that a trap retires the instance. The line replaced is
#    the one this wasm-bindgen version writes; a new version that writes another fails here.
for target in nodejs web; do
  out="$HERE/pkg-${target/nodejs/node}"
  "$WASM_BINDGEN" --target "$target" --out-name optocom --remove-name-section --out-dir "$out" "$WASM"
  case "$target" in
    nodejs) line='let wasm = wasmInstance.exports;' guarded='let wasm = __optocomTrapGuard(wasmInstance.exports);' ;;
    web) line='    wasm = instance.exports;' guarded='    wasm = __optocomTrapGuard(instance.exports);' ;;
  esac
  glue="$out/optocom.js"
  if [[ "$(grep -cxF "$line" "$glue")" != 1 ]]; then
    echo "build.sh: '$line' is not in $glue once: update the trap guard for this wasm-bindgen" >&2
    exit 1
  fi
  LINE="$line" GUARDED="$guarded" perl -i -pe 'chomp; $_ = $ENV{GUARDED} if $_ eq $ENV{LINE}; $_ .= "\n"' "$glue"
  cat "$HERE/trap-guard.js" >>"$glue"
done
echo "build.sh: $(du -b "$HERE/pkg-web/optocom_bg.wasm" | cut -f1) bytes of wasm in pkg-node/ and pkg-web/" >&2
