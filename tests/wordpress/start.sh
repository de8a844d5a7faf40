#!/usr/bin/env bash
# Starts a real WordPress (Debian's package) on 127.0.0.1:PORT with all its state in DIR, and
# prints the three lines tests read:
#   FOLIO_WP_URL=…  FOLIO_WP_USER=…  FOLIO_WP_APP_PASSWORD=…
# Safe to run again: what is already set up or running is reused.
#
#   tests/wordpress/start.sh --port PORT --dir DIR [--with-companion]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

port="" dir="" companion=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --with-companion) companion=1; shift ;;
    *) echo "usage: $0 --port PORT --dir DIR [--with-companion]" >&2; exit 2 ;;
  esac
done
[ -n "$port" ] && [ -n "$dir" ] || { echo "usage: $0 --port PORT --dir DIR [--with-companion]" >&2; exit 2; }
mkdir -p "$dir/run"
dir=$(cd "$dir" && pwd)
run=$dir/run
log() { echo "wordpress: $*" >&2; }

"$repo/scripts/setup.sh" wordpress >&2

# 1. WordPress files: Debian's package, unpacked. Its links into /usr/share/php and
#    /usr/share/javascript are relative to /usr/share/wordpress, so they are made absolute.
if [ ! -f "$dir/wordpress/wp-settings.php" ]; then
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/folio
  mkdir -p "$cache"
  deb=$(ls "$cache"/wordpress_*.deb 2>/dev/null | head -1 || true)
  if [ -z "$deb" ]; then
    log "downloading Debian's wordpress package"
    (cd "$cache" && { apt-get download wordpress >/dev/null 2>&1 || { apt-get update -qq && apt-get download wordpress >/dev/null; }; })
    deb=$(ls "$cache"/wordpress_*.deb | head -1)
  fi
  rm -rf "$dir/pkg" && dpkg-deb -x "$deb" "$dir/pkg"
  root=$dir/pkg/usr/share/wordpress
  find "$root" -type l | while read -r link; do
    target=$(readlink "$link")
    case "$target" in /*) continue ;; esac
    inside=${link#"$dir/pkg"}
    ln -sfn "$(realpath -m "$(dirname "$inside")/$target")" "$link"
  done
  mv "$root" "$dir/wordpress" && rm -rf "$dir/pkg"
  mkdir -p "$dir/wordpress/wp-content/uploads"
fi
# WordPress creates uploads/YYYY/MM on the first upload of a month, and two uploads racing to
# create it make one fail ("Unable to create directory"). Tests upload in parallel, so the
# folders for this month and the next exist beforehand.
for month in "$(date +%Y/%m)" "$(date -d "$(date +%Y-%m-15) +1 month" +%Y/%m)"; do
  mkdir -p "$dir/wordpress/wp-content/uploads/$month"
done

# 2. MariaDB on a Unix socket only, no network.
sock=$run/mysql.sock
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
if ! alive "$run/mariadb.pid"; then
  if [ ! -d "$dir/db/mysql" ]; then
    log "initialising the database"
    mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$dir/db" \
      --auth-root-authentication-method=normal --skip-test-db >"$run/mariadb-install.log" 2>&1 \
      || { log "mariadb-install-db failed:"; cat "$run/mariadb-install.log" >&2; exit 1; }
  fi
  rm -f "$sock"
  setsid mariadbd --no-defaults --user="$(id -un)" --datadir="$dir/db" --socket="$sock" \
    --skip-networking --pid-file="$run/mariadb.pid" --log-error="$run/mariadb.log" </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.2; done
  [ -S "$sock" ] || { log "MariaDB did not start; see $run/mariadb.log"; exit 1; }
fi

# 3. Configuration: loopback URL, local environment (Application Passwords over http), no cron,
#    no outgoing HTTP.
salt() { head -c 48 /dev/urandom | base64 | tr -d '/+='; }
if [ ! -f "$dir/salts.php" ]; then
  {
    echo "<?php"
    for k in AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT; do
      echo "define('$k', '$(salt)');"
    done
  } >"$dir/salts.php"
fi
# The companion plugin's test hooks (killing PHP mid-replace) exist only on this test site.
test_hooks=""
[ "$companion" = 1 ] && test_hooks="define('FOLIO_COMPANION_TEST_HOOKS', true);"
cat >"$dir/wordpress/wp-config.php" <<PHP
<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:$sock');
define('DB_CHARSET', 'utf8mb4');
\$table_prefix = 'wp_';
require '$dir/salts.php';
define('WP_HOME', 'http://127.0.0.1:$port');
define('WP_SITEURL', 'http://127.0.0.1:$port');
define('WP_ENVIRONMENT_TYPE', 'local');
define('DISABLE_WP_CRON', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('FS_METHOD', 'direct');
define('WP_CONTENT_DIR', '$dir/wordpress/wp-content');
$test_hooks
if (!defined('ABSPATH')) define('ABSPATH', '$dir/wordpress/');
require_once ABSPATH . 'wp-settings.php';
PHP

# 4. PHP's built-in server; the router sends every path that is not a file to index.php, as
#    Apache's rewrite rules would (pretty permalinks, /wp-json/).
cat >"$run/router.php" <<'PHP'
<?php
$path = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
if ($path !== '/' && file_exists($_SERVER['DOCUMENT_ROOT'] . $path)) {
    return false;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
require $_SERVER['DOCUMENT_ROOT'] . '/index.php';
PHP
url=http://127.0.0.1:$port
if alive "$run/php.pid" && [ "$(cat "$run/php.port" 2>/dev/null)" != "$port" ]; then
  # Running, but for another port: restart it where it was asked for.
  kill -TERM -- "-$(cat "$run/php.pid")" 2>/dev/null || true
  for _ in $(seq 1 50); do alive "$run/php.pid" || break; sleep 0.1; done
fi
if ! alive "$run/php.pid"; then
  # Its own session, so stop.sh can end the server and its workers as one process group.
  PHP_CLI_SERVER_WORKERS=4 setsid php -d upload_max_filesize=256M -d post_max_size=256M \
    -d memory_limit=512M -d max_execution_time=120 -S "127.0.0.1:$port" -t "$dir/wordpress" \
    "$run/router.php" </dev/null >"$run/php.log" 2>&1 &
  echo $! >"$run/php.pid"
  echo "$port" >"$run/php.port"
fi

# 5. Install once, and create one Application Password, kept for later runs.
php -d memory_limit=512M -r '
  [$dir, $sock, $port] = array_slice($argv, 1);
  $db = new mysqli("localhost", "root", "", "", 0, $sock);
  $db->query("CREATE DATABASE IF NOT EXISTS wordpress CHARACTER SET utf8mb4");
  $_SERVER["HTTP_HOST"] = "127.0.0.1:$port";
  define("WP_INSTALLING", true);
  require "$dir/wordpress/wp-load.php";
  require_once ABSPATH . "wp-admin/includes/upgrade.php";
  if (!is_blog_installed()) {
    wp_install("Folio test site", "admin", "admin@example.test", false, "", "folio-admin-" . wp_generate_password(12, false));
    update_option("permalink_structure", "/%postname%/");
  }
  // A login password of its own for tests that log in to wp-admin as a person would (the
  // approval page of `folio site connect`).
  $login = "$dir/login";
  if (!file_exists($login)) {
    $pw = "folio-login-" . wp_generate_password(16, false);
    wp_set_password($pw, get_user_by("login", "admin")->ID);
    file_put_contents($login, $pw);
  }
  $creds = "$dir/credentials";
  if (!file_exists($creds)) {
    $user = get_user_by("login", "admin");
    [$password] = WP_Application_Passwords::create_new_application_password($user->ID, ["name" => "folio-tests"]);
    file_put_contents($creds, "admin\n$password\n");
  }
' "$dir" "$sock" "$port" >"$run/install.log" 2>&1 || { log "install failed:"; cat "$run/install.log" >&2; exit 1; }

if [ "$companion" = 1 ]; then
  plugin=$repo/wordpress-plugin/folio-companion
  [ -d "$plugin" ] || { log "--with-companion: $plugin is not in this checkout"; exit 2; }
  ln -sfn "$plugin" "$dir/wordpress/wp-content/plugins/folio-companion"
  # Records the hooks a replace fires, as a cache or image optimizer plugin would hear them.
  mkdir -p "$dir/wordpress/wp-content/mu-plugins"
  cat >"$dir/wordpress/wp-content/mu-plugins/folio-test-listener.php" <<'PHP'
<?php
function folio_test_heard($what) {
    file_put_contents(WP_CONTENT_DIR . '/folio-test-hooks.log', "$what\n", FILE_APPEND | LOCK_EX);
}
add_filter('wp_generate_attachment_metadata', function ($meta, $id, $context = '') {
    folio_test_heard("wp_generate_attachment_metadata $id $context");
    return $meta;
}, 10, 3);
add_action('wp_handle_replace', function ($args) { folio_test_heard("wp_handle_replace {$args['post_id']}"); });
add_action('folio_companion_replaced', function ($id) { folio_test_heard("folio_companion_replaced $id"); });
PHP
  php -r 'require $argv[1] . "/wordpress/wp-load.php"; require_once ABSPATH . "wp-admin/includes/plugin.php";
          $r = activate_plugin("folio-companion/folio-companion.php"); if (is_wp_error($r)) { fwrite(STDERR, $r->get_error_message()); exit(1); }' "$dir" \
    || { log "activating the companion plugin failed"; exit 1; }
fi

for _ in $(seq 1 100); do
  curl -fsS -o /dev/null "$url/?rest_route=/" 2>/dev/null && break
  sleep 0.2
done
curl -fsS -o /dev/null "$url/?rest_route=/" || { log "WordPress does not answer on $url; see $run/php.log"; exit 1; }

{ read -r user; read -r password; } <"$dir/credentials"
echo "FOLIO_WP_URL=$url"
echo "FOLIO_WP_USER=$user"
echo "FOLIO_WP_APP_PASSWORD=$password"
echo "FOLIO_WP_LOGIN_PASSWORD=$(cat "$dir/login")"
