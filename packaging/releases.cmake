# The releases, newest first: the single source of the AppStream <releases> and of the
# Debian changelog (changelog.Debian.gz). Add a call on top for each release; the newest
# must carry PROJECT_VERSION.
#
# mcpauth_release(VERSION DATE NOTE [NOTE ...])   DATE as YYYY-MM-DD, one NOTE per change

mcpauth_release(0.1.0 2026-11-22
    "First packaged release of the desktop app and the mcpauth command line."
    "The headless server as a hardened systemd unit, installed disabled."
    "Debian package and tarball for Linux."
    "Installer configurations for Windows (NSIS, WiX) and macOS (disk image).")
