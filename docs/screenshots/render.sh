#!/usr/bin/env bash
# Renders a picture of each panel of MCP Auth Studio's real main window under Xvfb (the xcb
# platform on a real X server, not offscreen) into docs/screenshots/, then checks that each
# file is a PNG of the expected size. Installs nothing; needs xvfb-run (package xvfb) and
# `file`.
#
#   docs/screenshots/render.sh [BUILD_DIR] [OUTPUT_DIR]
#
# BUILD_DIR defaults to ./build (it must hold bin/mcpauth-screenshots: build the target
# mcpauth-screenshots first); OUTPUT_DIR defaults to this script's directory.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
out=${2:-$here}
width=1280
height=800
tool="$build/bin/mcpauth-screenshots"

if [[ ! -x $tool ]]; then
    echo "render.sh: $tool not found; build it with: cmake --build $build --target mcpauth-screenshots" >&2
    exit 2
fi
for command in xvfb-run file; do
    if ! command -v "$command" >/dev/null; then
        echo "render.sh: $command is not installed (Debian: apt-get install xvfb file)" >&2
        exit 2
    fi
done

mkdir -p "$out"
# The X server's screen is larger than the window, so nothing clips it; no window manager
# runs, so the window keeps exactly the size asked for.
env -u WAYLAND_DISPLAY -u GTK_THEME QT_QPA_PLATFORM=xcb \
    xvfb-run -a -s "-screen 0 1600x1000x24" \
    "$tool" --size "${width}x${height}" "$out"

status=0
for panel in servers flows tokens clients friction traffic audit; do
    png="$out/$panel.png"
    description=$(file -b "$png" 2>/dev/null || true)
    if [[ $description != "PNG image data, $width x $height,"* ]]; then
        echo "render.sh: $png is not a ${width}x${height} PNG: ${description:-missing}" >&2
        status=1
        continue
    fi
    printf '%-12s %7d bytes  %s\n' "$panel.png" "$(stat -c %s "$png")" "$description"
done
exit $status
