#!/usr/bin/env bash
# Builds (build.sh), then runs the JavaScript tests of the WebAssembly package: the type
# check of the generated .d.ts, the Node tests on pkg-node/ and the headless Chromium test on
# pkg-web/ (installs Debian's chromium if missing; BROWSER=0 skips that test).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$HERE/build.sh"
cd "$HERE"

if [[ "${BROWSER:-1}" != 0 ]]; then
  if ! command -v chromium >/dev/null; then
    echo "test.sh: installing chromium" >&2
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
  export OPTOCOM_REQUIRE_BROWSER=1
fi
npm ci --no-audit --no-fund
npm test
