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
vars=$("$here/wordpress/start.sh" --port "$port" --dir "$dir")
trap '"$here/wordpress/stop.sh" --dir "$dir"' EXIT
while IFS= read -r line; do export "${line?}"; done <<<"$vars"
export FOLIO_REQUIRE_WP=1
"$@"
