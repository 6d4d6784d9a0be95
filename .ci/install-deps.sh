#!/usr/bin/env bash
# Installs every build, test and packaging dependency on Debian 12 (as root, or with sudo).
# Idempotent: a second run installs nothing new.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

PACKAGES=(
    cmake ninja-build g++ pkg-config
    qt6-base-dev qt6-base-dev-tools qt6-charts-dev qt6-svg-dev qt6-tools-dev qt6-tools-dev-tools
    qt6-l10n-tools libqt6opengl6-dev libqt6sql6-sqlite libqt6sql6-psql libqt6svg6
    qt6-qpa-plugins libgl-dev libxkbcommon-dev
    libssl-dev libhttp-parser-dev qtkeychain-qt6-dev libqrencode-dev
    postgresql xvfb xauth wrk clang libclang-rt-14-dev libbenchmark-dev
    desktop-file-utils appstream ca-certificates curl git
    dpkg-dev lintian file man-db systemd
)
# Node.js and npm only when no Node.js is installed yet (a distribution that ships npm
# inside its nodejs package conflicts with Debian's separate npm package).
if ! command -v npm >/dev/null 2>&1; then
    PACKAGES+=(nodejs npm)
fi

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    if [ "$status" != "install ok installed" ]; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
