#!/usr/bin/env bash
# Installs what Folio needs on Debian/Ubuntu, skipping whatever is already there, so every
# Makefile entry point works on a fresh machine. Usage: scripts/setup.sh run|test|bench|wordpress
set -euo pipefail
cd "$(dirname "$0")/.."

purpose=${1:-run}
build=(build-essential pkg-config cmake nasm libssl-dev libheif-dev libde265-dev)
tauri=(libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libsoup-3.0-dev libxdo-dev)
case "$purpose" in
  run)   packages=("${build[@]}" "${tauri[@]}") ;;
  # The window tests: a private X server, a D-Bus session, WebKit's WebDriver, screenshots.
  # The Lightroom plug-in's tests: Lua 5.1 as Lightroom runs it, luacheck, curl.
  test)  packages=("${build[@]}" "${tauri[@]}" xvfb xauth dbus-x11 webkit2gtk-driver imagemagick
                   lua5.1 lua-check curl) ;;
  bench) packages=("${build[@]}" libvips-tools webp time bc libheif-examples libraw-bin) ;;
  # A real WordPress for tests (tests/wordpress/start.sh): PHP, MariaDB and what Debian's
  # wordpress package links to. The package itself is unpacked, not installed (it pulls Apache).
  wordpress) packages=(php-cli php-mysql php-gd php-imagick php-xml php-mbstring php-curl php-zip
                       php-intl php-getid3 libjs-cropper libjs-underscore mariadb-server-core
                       mariadb-client-core curl) ;;
  *) echo "usage: $0 run|test|bench|wordpress" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from elsewhere (NodeSource, nvm); only ask apt when there is none at all.
[ "$purpose" = wordpress ] || command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "$purpose" = wordpress ] && exit 0

if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing. Install rustup (https://rustup.rs); rust-toolchain.toml pins the version." >&2
  exit 1
fi

# npm ci cannot be used: the lockfile lists every platform's optional packages and the registry
# mirror here lacks some. `install` reuses node_modules when it is already in step.
if [ ! -d ui/node_modules ] || [ ui/package.json -nt ui/node_modules/.package-lock.json ]; then
  (cd ui && npm install --no-audit --no-fund --loglevel=error)
fi

# tauri-driver bridges WebDriver to the app (the window tests). Pinned, built once.
if [ "$purpose" = test ] && ! [ -x "$HOME/.cargo/bin/tauri-driver" ]; then
  echo "setup: installing tauri-driver"
  cargo install tauri-driver --version 2.1.0 --locked --quiet
fi
