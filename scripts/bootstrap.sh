#!/bin/sh
# The two README commands on a fresh machine with Node 20 and npm:
#   npm start   install pnpm and the workspace, build, and run the whole system (tools/launcher)
#   npm test    the same preparation, then lint, type checks and every test suite
set -eu
cd "$(dirname "$0")/.."
PNPM_VERSION=12.21.0

ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1; then PNPM=pnpm; return; fi
  echo "[bootstrap] installing pnpm $PNPM_VERSION with npm"
  if npm install --global --silent "pnpm@$PNPM_VERSION" >/dev/null 2>&1 && command -v pnpm >/dev/null 2>&1; then
    PNPM=pnpm
  else
    # No write access to npm's global folder: run pnpm through npx instead.
    PNPM="npx --yes pnpm@$PNPM_VERSION"
  fi
}

# ensure_tool <command> <package> <why>: install a Debian package the tests run, when root can.
ensure_tool() {
  command -v "$1" >/dev/null 2>&1 && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[bootstrap] installing $2 with apt-get ($3)"
    apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }
  else
    echo "[bootstrap] the tests need $1: sudo apt-get install $2" >&2
    exit 1
  fi
}

# offer_tool <command> <package> <why>: like ensure_tool, but what it cannot install is only reported; the
# system runs without it (the PHP application answers 502 naming the package).
offer_tool() {
  command -v "$1" >/dev/null 2>&1 && return
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[bootstrap] installing $2 with apt-get ($3)"
    apt-get install -y -qq "$2" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null 2>&1; } ||
      echo "[bootstrap] could not install $2; $3 answers 502 until it is installed" >&2
  else
    echo "[bootstrap] $3 needs $1: sudo apt-get install $2" >&2
  fi
}

# php-fpm's binary carries PHP's version (php-fpm8.2); give it a stable name on PATH for the tests.
php_fpm_path() {
  command -v php-fpm 2>/dev/null || ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1
}

ensure_pnpm
$PNPM install --frozen-lockfile --reporter=silent
$PNPM run build

case "${1:-}" in
  start)
    shift
    offer_tool php-cgi php-cgi "the sample PHP application"
    exec node tools/launcher/dist/main.js "$@"
    ;;
  test)
    ensure_tool redis-server redis-server "the tests start private instances of it"
    ensure_tool goaccess goaccess "a test reads the W3C log with it"
    ensure_tool php-cgi php-cgi "the CGI and FastCGI suites run real PHP"
    [ -n "$(php_fpm_path)" ] || ensure_tool php-fpm php-fpm "the FastCGI suite talks to a real php-fpm"
    ensure_tool promtool prometheus "the metrics suite checks GET /metrics with promtool check metrics"
    ensure_tool chromium chromium "the dashboard suite drives Debian's chromium with playwright-core"
    ensure_tool openssl openssl "the https suites make their certificates with it"
    ensure_tool curl curl "the https suites are clients with curl -k and curl --http2"
    ensure_tool nghttp nghttp2-client "the HTTP/2 suites talk to the listener with nghttp"
    ensure_tool ip iproute2 "the scale-out suites make simulated machines with ip netns (as root)"
    $PNPM run lint
    exec $PNPM exec vitest run
    ;;
  *)
    echo "usage: scripts/bootstrap.sh start|test" >&2
    exit 2
    ;;
esac
