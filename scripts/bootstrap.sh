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

ensure_pnpm
$PNPM install --frozen-lockfile --reporter=silent
$PNPM run build

case "${1:-}" in
  start)
    shift
    exec node tools/launcher/dist/main.js "$@"
    ;;
  test)
    ensure_tool redis-server redis-server "the tests start private instances of it"
    ensure_tool goaccess goaccess "a test reads the W3C log with it"
    $PNPM run lint
    exec $PNPM exec vitest run
    ;;
  *)
    echo "usage: scripts/bootstrap.sh start|test" >&2
    exit 2
    ;;
esac
