#!/bin/sh
# Installs every Debian package that building, testing and benchmarking ipcscope need
# (clang and its libFuzzer runtime for the fuzz build of tests/fuzz; tmux is the terminal
# test_top.sh drives `ipcscope top` in).
# Idempotent and non-interactive: packages already present are left alone.
set -eu

pkgs="build-essential cmake pkg-config
      libjansson-dev libmicrohttpd-dev libcmocka-dev zlib1g-dev libncurses-dev tmux
      python3 python3-jsonschema
      util-linux iproute2 procps strace psmisc
      chromium prometheus prometheus-node-exporter wrk nginx-light hyperfine bc curl
      man-db scdoc zsh
      clang libclang-rt-14-dev"

missing=""
for p in $pkgs; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
        missing="$missing $p"
done

if [ -n "$missing" ]; then
    echo "install-deps: installing:$missing"
    [ "$(id -u)" = 0 ] && SUDO= || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    # Packages that ship daemons (nginx, prometheus) must not start them here.
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
        $SUDO chmod 755 "$policy"
        made_policy=1
    fi
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing
    [ "$made_policy" = 1 ] && $SUDO rm -f "$policy"
fi

# The dashboard test drives Debian's chromium through playwright-core (no browser download).
if ! command -v npm >/dev/null 2>&1; then
    [ "$(id -u)" = 0 ] && SUDO= || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm
fi
here=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$here/tests/http/browser/node_modules/playwright-core" ] && [ -f "$here/tests/http/browser/package.json" ]; then
    (cd "$here/tests/http/browser" && npm install --no-audit --no-fund --silent)
fi
echo "install-deps: ok"
