#!/bin/sh
# The image's entrypoint. In the container that sets W3POOL_SELF_SIGNED_CONFIG (WAS's, in
# docker-compose.yml), make the self-signed certificate of each https binding whose certificate files are
# missing, before WAS validates the configuration: what `npm start` does natively. Then run the command.
set -eu
if [ -n "${W3POOL_SELF_SIGNED_CONFIG:-}" ]; then
  node tools/launcher/dist/self-signed-main.js --config "$W3POOL_SELF_SIGNED_CONFIG"
fi
exec "$@"
