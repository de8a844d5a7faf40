#!/usr/bin/env bash
# Checks the Linux package `make bundle` built: what it depends on, that it installs the app and
# the `folio` command, that its desktop entry opens folio:// addresses (WordPress's approval
# answer) with the app, and that it carries the Lightroom Classic plug-in.
# Usage: scripts/check-deb.sh PATH.deb
set -euo pipefail
deb=$1
here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "check-deb: $*" >&2; exit 1; }
[ -f "$deb" ] || fail "no package at $deb"
fields=$(dpkg-deb -f "$deb")
grep -q '^Package: folio$' <<<"$fields" || fail "package name: $fields"
grep -q '^Depends: .*libwebkit2gtk-4.1-0' <<<"$fields" || fail "depends: $fields"
# HEIC photos are read through the system's libheif.
grep -q '^Depends: .*libheif1' <<<"$fields" || fail "no libheif1 in depends: $fields"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
dpkg-deb -x "$deb" "$tmp"
[ -x "$tmp/usr/bin/folio-app" ] || fail "no /usr/bin/folio-app"
[ -x "$tmp/usr/bin/folio" ] || fail "no /usr/bin/folio"
"$tmp/usr/bin/folio" --version | grep -q '^folio ' || fail "folio --version"
desktop="$tmp/usr/share/applications/Folio.desktop"
[ -f "$desktop" ] || fail "no desktop entry"
grep -qx 'MimeType=x-scheme-handler/folio' "$desktop" || fail "desktop entry does not take folio:// addresses"
grep -qx 'Exec=folio-app %u' "$desktop" || fail "desktop entry does not pass the address: $(grep Exec "$desktop")"
ls "$tmp"/usr/share/icons/hicolor/*/apps/folio-app.png >/dev/null || fail "no icons"
# The Lightroom Classic plug-in, among the app's resources, whole: every script Info.lua names.
lr=$(find "$tmp/usr/lib" -type d -path '*/lightroom/folio.lrplugin' | head -n 1)
[ -n "$lr" ] || fail "no Lightroom plug-in (lightroom/folio.lrplugin) under /usr/lib"
for f in "$here"/../lightroom-plugin/folio.lrplugin/*.lua; do
  cmp -s "$f" "$lr/$(basename "$f")" || fail "the Lightroom plug-in lacks or differs in $(basename "$f")"
done
echo "check-deb: $(basename "$deb") ($(du -h "$deb" | cut -f1)): app, folio command, folio:// handler, icons, Lightroom plug-in"
