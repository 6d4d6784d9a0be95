#!/usr/bin/env bash
# Installs a build into a temporary DESTDIR with the packages' /usr prefix (no root, nothing
# touches the system) and checks what the packages will carry: the .desktop file and the
# AppStream metainfo pass their validators, the icons are PNGs of the right sizes, the man
# pages render without warnings, the systemd unit verifies, `mcpauth serve` accepts the
# shipped /etc/mcpauth/config.json and serves /healthz with it; then makes the tarball
# (cpack -G TGZ) and checks it holds the same tree, runnable in place.
#
#   packaging/check-install-tree.sh BUILD_DIR
#
# A missing validator is a SKIP (exit 77) on a developer's machine and a failure in CI.
set -euo pipefail
# shellcheck source=testlib.sh
source "$(dirname "$0")/testlib.sh"

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    if [ "${CI:-}" = "true" ]; then
        fail "$1 is not installed (bash .ci/install-deps.sh installs it)"
    fi
    echo "SKIP: $1 is not installed (bash .ci/install-deps.sh installs it)"
    exit "$SKIP"
}

[ $# -eq 1 ] || {
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
}
BUILD_DIR=$(cd "$1" && pwd)
for tool in desktop-file-validate appstreamcli man curl file readelf cpack; do
    need "$tool"
done

WORK=$(mktemp -d /tmp/mcpauth-install-tree.XXXXXX)
cleanup() {
    kill_server
    rm -rf "$WORK"
}
trap cleanup EXIT
ROOT="$WORK/root"

step "cmake --install (prefix /usr, DESTDIR $ROOT)"
DESTDIR="$ROOT" cmake --install "$BUILD_DIR" --prefix /usr >"$WORK/install.log" 2>&1 || {
    cat "$WORK/install.log"
    fail "cmake --install failed"
}

step "desktop file and metainfo"
desktop-file-validate "$ROOT/usr/share/applications/$APP_ID.desktop"
appstreamcli validate --no-net --pedantic "$ROOT/usr/share/metainfo/$APP_ID.metainfo.xml"
grep -qx "Icon=$APP_ID" "$ROOT/usr/share/applications/$APP_ID.desktop" || fail "Icon is not $APP_ID"
grep -q "<id>$APP_ID</id>" "$ROOT/usr/share/metainfo/$APP_ID.metainfo.xml" || fail "metainfo id"
for shot in servers flows tokens friction traffic; do
    grep -q "/docs/screenshots/$shot.png</image>" "$ROOT/usr/share/metainfo/$APP_ID.metainfo.xml" ||
        fail "metainfo lacks the $shot.png screenshot"
done

step "icons"
for size in 16 22 24 32 48 64 128 256 512; do
    png="$ROOT/usr/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
    kind=$(file -b "$png")
    grep -q "PNG image data, $size x $size, 8-bit/color RGBA" <<<"$kind" ||
        fail "$png is not a ${size}x${size} RGBA PNG: $kind"
done
[ -s "$ROOT/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg" ] || fail "no scalable icon"

step "man pages"
for page in mcpauth mcpauth-studio; do
    gz="$ROOT/usr/share/man/man1/$page.1.gz"
    [ -f "$gz" ] || fail "no $gz"
    # As lintian checks them: every warning of groff/man is a failure.
    warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$gz" 2>&1 >/dev/null) ||
        fail "man cannot render $page.1"
    [ -z "$warnings" ] || fail "$page.1 renders with warnings: $warnings"
done
rendered=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$ROOT/usr/share/man/man1/mcpauth.1.gz" 2>/dev/null)
for expected in "mcpauth serve" "--ready-file" "mcpauth tokens revoke" "mcpauth db migrate" \
    "mcpauth audit tail" "systemctl enable --now mcpauth.service"; do
    grep -qF -- "$expected" <<<"$rendered" || fail "mcpauth(1) does not mention '$expected'"
done
for machine_path in "$BUILD_DIR" "$HOME"; do
    if [ "$machine_path" != "/" ] && grep -qF "$machine_path" <<<"$rendered"; then
        fail "mcpauth(1) carries the build machine's path $machine_path"
    fi
done

step "systemd unit"
unit="$ROOT/lib/systemd/system/mcpauth.service"
[ -f "$unit" ] || fail "no $unit"
grep -qx "ExecStart=/usr/bin/mcpauth serve --config /etc/mcpauth/config.json" "$unit" ||
    fail "ExecStart is not /usr/bin/mcpauth serve --config /etc/mcpauth/config.json"
for setting in DynamicUser=yes StateDirectory=mcpauth ConfigurationDirectory=mcpauth \
    ProtectSystem=strict ProtectHome=yes NoNewPrivileges=yes PrivateTmp=yes PrivateDevices=yes \
    "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX" CapabilityBoundingSet= \
    SystemCallFilter=@system-service; do
    grep -qxF "$setting" "$unit" || fail "the unit lacks $setting"
done
# Verified with the built binary in place of the staged one's absolute path.
sed "s|^ExecStart=/usr/bin/mcpauth |ExecStart=$BUILD_DIR/bin/mcpauth |" "$unit" >"$WORK/mcpauth.service"
verify_unit "$WORK/mcpauth.service"

step "mcpauth serve --config /etc/mcpauth/config.json"
config="$ROOT/etc/mcpauth/config.json"
[ -f "$config" ] && [ -f "$ROOT/etc/mcpauth/README" ] || fail "no config.json or README"
# The shipped defaults, with the paths and ports a test can use.
start_server "$BUILD_DIR/bin/mcpauth" "$config" "$WORK"
check_health "$AS"
stop_server "$WORK"

# The config is strict: a misspelt setting must stop the server, naming the field.
printf '{"bind": "127.0.0.1", "as_prot": 9400}\n' >"$WORK/typo.json"
typo_status=0
HOME="$WORK/home" timeout 20 "$BUILD_DIR/bin/mcpauth" serve --config "$WORK/typo.json" \
    --store "sqlite://$WORK/store.db" --as-port 0 --rs-port 0 >"$WORK/typo.log" 2>&1 ||
    typo_status=$?
case "$typo_status" in
0 | 124) fail "mcpauth serve accepted a config with an unknown setting" ;;
esac
grep -q "as_prot" "$WORK/typo.log" || fail "the error does not name the unknown setting"

step "cpack -G TGZ: the same tree, runnable in place"
cpack --config "$BUILD_DIR/CPackConfig.cmake" -G TGZ -B "$WORK/tgz" >"$WORK/cpack.log" 2>&1 || {
    cat "$WORK/cpack.log"
    fail "cpack -G TGZ failed"
}
TARBALLS=("$WORK"/tgz/mcpauth-studio-*.tar.gz)
[ -f "${TARBALLS[0]}" ] || fail "cpack made no mcpauth-studio-*.tar.gz"
mkdir -p "$WORK/tgz/x"
tar -xzf "${TARBALLS[0]}" -C "$WORK/tgz/x"
TOP=("$WORK"/tgz/x/*)
[ "${#TOP[@]}" -eq 1 ] || fail "the tarball has more than one top folder"
diff <(cd "$ROOT" && find . -type f | sort) <(cd "${TOP[0]}" && find . -type f | sort) ||
    fail "the tarball's files differ from the install tree's (above)"
if readelf -d "${TOP[0]}/usr/bin/mcpauth" "${TOP[0]}/usr/bin/mcpauth-studio" | grep -E 'RPATH|RUNPATH'; then
    fail "the tarball's binaries have an RPATH/RUNPATH"
fi
version=$("${TOP[0]}/usr/bin/mcpauth" --version) || fail "the tarball's mcpauth --version failed"
grep -q "^mcpauth " <<<"$version" || fail "the tarball's mcpauth does not say its name: $version"

echo "PASS: the install tree is complete and valid, the tarball holds the same tree"
