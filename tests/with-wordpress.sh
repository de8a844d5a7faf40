#!/usr/bin/env bash
# Runs a command with a real WordPress up: starts it (tests/wordpress/start.sh), exports
# FOLIO_WP_URL/USER/APP_PASSWORD and FOLIO_REQUIRE_WP=1 (so tests that need it fail rather than
# skip), runs the command, and stops WordPress whatever happens.
#   tests/with-wordpress.sh COMMAND...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${FOLIO_WP_DIR:-${CARGO_TARGET_DIR:-$HOME/.cache/folio-target}/wordpress}
port=${FOLIO_WP_PORT:-}
if [ -z "$port" ]; then
  for p in $(seq 8941 8999); do
    (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { port=$p; break; }
  done
fi
[ -n "$port" ] || { echo "with-wordpress: no free port in 8941-8999" >&2; exit 1; }
# A second site with the companion plugin, so tests see both behaviours: without the plugin a
# changed photo gets a new URL, with it the URL is kept. Its variables are FOLIO_WPC_*.
cport=""
for p in $(seq $((port + 1)) 8999); do
  (echo >"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { cport=$p; break; }
done
[ -n "$cport" ] || { echo "with-wordpress: no free port for the companion site" >&2; exit 1; }
trap '"$here/wordpress/stop.sh" --dir "$dir"; "$here/wordpress/stop.sh" --dir "$dir-companion"' EXIT
vars=$("$here/wordpress/start.sh" --port "$port" --dir "$dir")
while IFS= read -r line; do export "${line?}"; done <<<"$vars"
cvars=$("$here/wordpress/start.sh" --port "$cport" --dir "$dir-companion" --with-companion)
while IFS= read -r line; do export "${line/FOLIO_WP_/FOLIO_WPC_}"; done <<<"$cvars"
export FOLIO_WP_ROOT="$dir/wordpress"
export FOLIO_WPC_DIR="$dir-companion/wordpress"
export FOLIO_REQUIRE_WP=1
"$@"
