#!/usr/bin/env bash
# Builds the .deb from an existing build folder (cpack, no second compile), lints it,
# installs it for real with apt, runs the installed CLI, server and GUI, then purges it and
# checks nothing of it is left.
#
#   packaging/test-deb.sh BUILD_DIR
#
# It installs and removes a system package, so it runs only as root and only when
# CI=true or MCPAUTH_PACKAGING_TEST=1; otherwise it exits 77 (CTest's SKIP) saying why.
# An installed mcpauth-studio package is replaced and purged.
set -euo pipefail
# shellcheck source=testlib.sh
source "$(dirname "$0")/testlib.sh"

readonly PACKAGE=mcpauth-studio

skip() {
    echo "SKIP: $*"
    exit "$SKIP"
}

[ $# -eq 1 ] || {
    echo "usage: $0 BUILD_DIR" >&2
    exit 2
}
[ -f "$1/CPackConfig.cmake" ] || fail "$1 is not a configured build folder (no CPackConfig.cmake)"
BUILD_DIR=$(cd "$1" && pwd)

if [ "${CI:-}" != "true" ] && [ "${MCPAUTH_PACKAGING_TEST:-}" != "1" ]; then
    skip "installs and purges the $PACKAGE system package; set CI=true or MCPAUTH_PACKAGING_TEST=1 to run it"
fi
[ "$(id -u)" -eq 0 ] || skip "needs root to install the package with apt-get"
for tool in dpkg dpkg-deb apt-get; do
    command -v "$tool" >/dev/null 2>&1 || skip "needs $tool (a Debian-based system)"
done
for tool in cpack dpkg-shlibdeps readelf curl timeout; do
    command -v "$tool" >/dev/null 2>&1 || fail "needs $tool (bash .ci/install-deps.sh installs it)"
done

WORK=$(mktemp -d /tmp/mcpauth-deb-test.XXXXXX)
cleanup() {
    local code=$?
    kill_server
    if [ "$code" -ne 0 ] && [ "$code" -ne "$SKIP" ] && dpkg -s "$PACKAGE" >/dev/null 2>&1; then
        echo "(purging $PACKAGE after the failure)"
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -q "$PACKAGE" >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- Build -------------------------------------------------------------------------------
step "cpack -G DEB in $BUILD_DIR"
OUT="$BUILD_DIR/packages"
rm -f "$OUT"/"$PACKAGE"_*.deb
cpack --config "$BUILD_DIR/CPackConfig.cmake" -G DEB -B "$OUT" >"$WORK/cpack.log" 2>&1 || {
    cat "$WORK/cpack.log"
    fail "cpack -G DEB failed"
}
DEBS=("$OUT"/"$PACKAGE"_*.deb)
[ "${#DEBS[@]}" -eq 1 ] && [ -f "${DEBS[0]}" ] || fail "expected one ${PACKAGE}_*.deb in $OUT"
DEB=${DEBS[0]}
echo "$DEB"

# --- Inspect -----------------------------------------------------------------------------
step "dpkg-deb --info"
dpkg-deb --info "$DEB" | tee "$WORK/info"
# Each value is read whole into a variable and matched from there: under pipefail a reader
# that stops early (head, grep -q) would kill a writer such as dpkg-deb, which writes a
# multi-line field line by line, with SIGPIPE and fail the check at random.
field() { dpkg-deb --field "$DEB" "$1"; }
[ "$(field Package)" = "$PACKAGE" ] || fail "Package is not $PACKAGE"
for f in Version Architecture Maintainer Section Priority Homepage Depends Description; do
    [ -n "$(field "$f")" ] || fail "control field $f is missing or empty"
done
[ "$(field Section)" = "net" ] || fail "Section is '$(field Section)', expected net"
[ "$(field Priority)" = "optional" ] || fail "Priority is '$(field Priority)', expected optional"
# shlibdeps computed the libraries the binaries link (Qt, OpenSSL), plus the plugins.
depends=$(field Depends)
for dep in libc6 libqt6core6 libqt6network6 libqt6sql6 libqt6widgets6 libssl3 libqt6sql6-sqlite; do
    grep -Eq "(^|, )$dep( |,|$)" <<<"$depends" || fail "Depends lacks $dep: $depends"
done
description=$(field Description)
synopsis=${description%%$'\n'*}
long_lines=$(tail -n +2 <<<"$description" | grep -c . || true)
[ -n "$synopsis" ] && [ "${#synopsis}" -le 80 ] || fail "synopsis missing or longer than 80: '$synopsis'"
[ "$long_lines" -ge 3 ] || fail "the long description has $long_lines lines"
awk 'length > 80 { print "FAIL: description line over 80 columns: " $0; bad = 1 } END { exit bad }' \
    <<<"$description" || fail "the description has lines over 80 columns (above)"

step "dpkg-deb --contents"
dpkg-deb --contents "$DEB" >"$WORK/contents"
cat "$WORK/contents"
# Entries as paths, no "./" prefix, directories without the trailing slash.
awk '{ print $6 }' "$WORK/contents" | sed -e 's|^\./|/|' -e 's|/$||' >"$WORK/paths"
expected=(
    /usr/bin/mcpauth
    /usr/bin/mcpauth-studio
    "/usr/share/applications/$APP_ID.desktop"
    "/usr/share/metainfo/$APP_ID.metainfo.xml"
    "/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg"
    /usr/share/man/man1/mcpauth.1.gz
    /usr/share/man/man1/mcpauth-studio.1.gz
    "/usr/share/doc/$PACKAGE/copyright"
    "/usr/share/doc/$PACKAGE/changelog.Debian.gz"
    "/usr/share/lintian/overrides/$PACKAGE"
    /lib/systemd/system/mcpauth.service
    /etc/mcpauth/config.json
    /etc/mcpauth/README
)
for size in 16 22 24 32 48 64 128 256 512; do
    expected+=("/usr/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png")
done
for path in "${expected[@]}"; do
    grep -qxF "$path" "$WORK/paths" || fail "the package lacks $path"
done
if grep -Ev '^$|^/(usr|etc|lib|lib/systemd)$|^/(usr/(bin|share)|etc/mcpauth|lib/systemd/system)(/|$)' "$WORK/paths"; then
    fail "files outside /usr/bin, /usr/share, /etc/mcpauth and /lib/systemd/system (above)"
fi
awk '$2 != "root/root" { print; bad = 1 } END { exit bad }' "$WORK/contents" ||
    fail "entries not owned by root/root (above)"
awk '$1 ~ /^d/ && $1 != "drwxr-xr-x" { print; bad = 1 } END { exit bad }' "$WORK/contents" ||
    fail "directories not 0755 (above)"

step "control files"
mkdir -p "$WORK/control" "$WORK/root"
dpkg-deb --control "$DEB" "$WORK/control"
diff <(sort "$WORK/control/conffiles") <(printf '/etc/mcpauth/README\n/etc/mcpauth/config.json\n') ||
    fail "conffiles must list exactly /etc/mcpauth/config.json and /etc/mcpauth/README"
for script in postinst prerm postrm; do
    [ "$(stat -c %a "$WORK/control/$script")" = 755 ] || fail "$script is not mode 0755"
    sh -n "$WORK/control/$script" || fail "$script is not valid sh"
done

step "binaries: no RPATH/RUNPATH, stripped"
dpkg-deb -x "$DEB" "$WORK/root"
for bin in mcpauth mcpauth-studio; do
    if readelf -d "$WORK/root/usr/bin/$bin" | grep -E 'RPATH|RUNPATH'; then
        fail "/usr/bin/$bin has an RPATH/RUNPATH (above)"
    fi
    readelf -S "$WORK/root/usr/bin/$bin" >"$WORK/sections"
    if grep -q '\.debug_info' "$WORK/sections"; then
        fail "/usr/bin/$bin is not stripped"
    fi
done

step "metadata validators"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$WORK/root/usr/share/applications/$APP_ID.desktop"
else
    echo "(desktop-file-validate not installed: not checked)"
fi
if command -v appstreamcli >/dev/null 2>&1; then
    appstreamcli validate --no-net --pedantic "$WORK/root/usr/share/metainfo/$APP_ID.metainfo.xml"
else
    echo "(appstreamcli not installed: not checked)"
fi
gzip -t "$WORK/root/usr/share/doc/$PACKAGE/changelog.Debian.gz" \
    "$WORK/root/usr/share/man/man1/"*.1.gz || fail "a .gz file is corrupt"
changelog=$(zcat "$WORK/root/usr/share/doc/$PACKAGE/changelog.Debian.gz")
grep -qF "$PACKAGE ($(field Version))" <<<"${changelog%%$'\n'*}" ||
    fail "changelog.Debian.gz's newest entry is not version $(field Version)"
grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
    "$WORK/root/usr/share/doc/$PACKAGE/copyright" || fail "copyright is not machine-readable"

if command -v lintian >/dev/null 2>&1; then
    step "lintian (errors fail, warnings are reported)"
    lintian_status=0
    lintian --fail-on error --display-info "$DEB" >"$WORK/lintian" 2>&1 || lintian_status=$?
    cat "$WORK/lintian"
    if grep -q '^E: ' "$WORK/lintian" || [ "$lintian_status" -ne 0 ]; then
        fail "lintian reports errors (above)"
    fi
else
    echo "(lintian not installed: not run; apt-get install lintian)"
fi

# --- Install -----------------------------------------------------------------------------
step "apt-get install ./$(basename "$DEB")"
export DEBIAN_FRONTEND=noninteractive
cp "$DEB" "$WORK/"
if ! apt-get install -y -q "$WORK/$(basename "$DEB")" >"$WORK/apt.log" 2>&1; then
    echo "(retrying after apt-get update)"
    apt-get update -q >/dev/null
    apt-get install -y -q "$WORK/$(basename "$DEB")" || fail "apt-get install failed"
fi
status=$(dpkg -s "$PACKAGE")
grep -q '^Status: install ok installed' <<<"$status" || fail "$PACKAGE is not installed"
dpkg -L "$PACKAGE" | sort >"$WORK/installed"
[ ! -e /etc/systemd/system/multi-user.target.wants/mcpauth.service ] ||
    fail "mcpauth.service was enabled on install; it must be installed disabled"
verify_unit /lib/systemd/system/mcpauth.service
conffiles=$(dpkg-query -W -f='${Conffiles}\n' "$PACKAGE")
for conffile in /etc/mcpauth/config.json /etc/mcpauth/README; do
    grep -q "^ $conffile [0-9a-f]\{32\}$" <<<"$conffiles" || fail "dpkg does not track $conffile as a conffile"
done

step "/usr/bin/mcpauth --version"
version=$(/usr/bin/mcpauth --version)
echo "$version"
upstream=$(field Version)
upstream=${upstream%-*}
grep -qF "$upstream" <<<"$version" || fail "--version does not say $upstream"

step "installed server on loopback with /etc/mcpauth/config.json"
export HOME="$WORK/home"
mkdir -p "$HOME"
start_server /usr/bin/mcpauth /etc/mcpauth/config.json "$WORK"
check_health "$AS"
check_health "$RS"
metadata=$(curl -fsS --max-time 10 "$AS/.well-known/oauth-authorization-server") ||
    fail "GET $AS/.well-known/oauth-authorization-server failed"
printf '%s\n' "${metadata:0:400}"
grep -qF "\"issuer\":\"$ISSUER\"" <<<"$metadata" || fail "the metadata's issuer is not $ISSUER"
grep -q '"token_endpoint":"http://127.0.0.1:' <<<"$metadata" || fail "no token_endpoint"
grep -q '"code_challenge_methods_supported":\["S256"\]' <<<"$metadata" || fail "no S256"
[ "$(stat -c %a "$WORK/admin-token")" = 600 ] || fail "the admin token file is not mode 0600"
stop_server "$WORK"

step "installed GUI offscreen for 5 s"
gui_status=0
QT_QPA_PLATFORM=offscreen timeout 5 /usr/bin/mcpauth-studio >"$WORK/gui.log" 2>&1 || gui_status=$?
cat "$WORK/gui.log"
[ "$gui_status" -eq 124 ] || fail "mcpauth-studio exited with $gui_status before the 5 s timeout"
# The store is opened after the window is shown: proof the app got into its event loop.
[ -f "$HOME/.local/share/MCP Auth Studio/mcpauth-studio/mcpauth.db" ] ||
    fail "mcpauth-studio did not open its default store"

# --- Purge -------------------------------------------------------------------------------
step "apt-get purge $PACKAGE"
apt-get purge -y -q "$PACKAGE"
if dpkg -s "$PACKAGE" >/dev/null 2>&1; then
    dpkg -s "$PACKAGE" | grep '^Status'
    fail "$PACKAGE is still known to dpkg after the purge"
fi
! dpkg -L "$PACKAGE" >/dev/null 2>&1 || fail "dpkg -L $PACKAGE still lists files"
left=0
while IFS= read -r path; do
    # Shared directories (/usr, /usr/share/man/man1, ...) stay; our own files and folders go.
    if [ -d "$path" ]; then
        case "$path" in
        /etc/mcpauth | "/usr/share/doc/$PACKAGE") ;;
        *) continue ;;
        esac
    fi
    if [ -e "$path" ] || [ -L "$path" ]; then
        echo "left behind: $path"
        left=1
    fi
done <"$WORK/installed"
for path in /var/lib/mcpauth /var/lib/private/mcpauth /etc/mcpauth; do
    if [ -e "$path" ]; then
        echo "left behind: $path"
        left=1
    fi
done
[ "$left" -eq 0 ] || fail "the purge left files behind (above)"

echo "PASS: $DEB built, linted, installed, run and purged"
