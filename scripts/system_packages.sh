#!/usr/bin/env bash
# Installs the Debian packages the platform needs, only if one is missing.
# `--with-browser` adds Chromium, which only the end-to-end tests need;
# `--with-gettext` adds GNU gettext, which only `make messages` needs (the
# compiled catalogs are committed, so running the platform does not).
# As root: apt-get directly. Otherwise through sudo when it is available
# without a password prompt; else print the exact command and stop.
set -euo pipefail

PACKAGES=(
  gdal-bin libgdal32        # GDAL for GeoDjango (Django loads libgdal.so.32 directly)
  libgeos-c1v5 libproj25    # GEOS and PROJ for GeoDjango
  binutils                  # ctypes.util.find_library needs objdump to locate the above
  libpango-1.0-0 libpangoft2-1.0-0  # WeasyPrint's text shaping (Khmer, Thai) for printed packs
  fonts-noto-core           # Noto fonts for every script the five countries use
  poppler-utils             # pdftoppm: edition packs rendered to PNG
)
if [ -z "${DATABASE_URL:-}" ]; then
  PACKAGES+=(postgresql-15-postgis-3)  # the private cluster's server; not needed with your own DATABASE_URL
fi
for option in "$@"; do
  case "$option" in
    --with-browser) PACKAGES+=(chromium) ;;  # headless browser for end-to-end map tests (make test only)
    --with-gettext) PACKAGES+=(gettext) ;;   # makemessages / compilemessages (make messages only)
    *) echo "unknown option $option" >&2; exit 2 ;;
  esac
done

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing[*]}"
echo "Installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  bash -c "$cmd"
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
  sudo bash -c "$cmd"
else
  echo "These Debian packages are missing and I cannot install them without root:" >&2
  echo "  sudo bash -c '$cmd'" >&2
  echo "Run that command, then run make again." >&2
  exit 1
fi
