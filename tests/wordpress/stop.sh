#!/usr/bin/env bash
# Stops what tests/wordpress/start.sh started in DIR. State stays, so the next start is fast.
#   tests/wordpress/stop.sh --dir DIR
set -uo pipefail
dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: $0 --dir DIR" >&2; exit 2 ;;
  esac
done
[ -n "$dir" ] || { echo "usage: $0 --dir DIR" >&2; exit 2; }
run=$dir/run
stop() { # pidfile: the built-in server's workers share its process group and keep the port
  [ -f "$1" ] || return 0
  pid=$(cat "$1")
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL -- "-$pid" 2>/dev/null
  rm -f "$1"
}
stop "$run/php.pid"
stop "$run/mariadb.pid"
exit 0
