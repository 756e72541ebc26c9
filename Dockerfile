# One image for every w3pool service; docker-compose.yml picks the service with `command`.
FROM node:20-bookworm-slim AS build
RUN npm install -g pnpm@12.21.0
WORKDIR /app
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json tsconfig.json ./
COPY packages ./packages
COPY services ./services
COPY tools ./tools
COPY test/package.json ./test/package.json
COPY bench/package.json ./bench/package.json
# The sample configuration, with its Express application (a workspace package: its express installs here).
COPY config ./config
RUN pnpm install --frozen-lockfile
# The dashboard (tools/dashboard) is bundled here too: WAS serves its dist at /dashboard/.
RUN pnpm exec tsc -b packages/runtime services/was services/listener services/worker tools/launcher packages/extensions/template \
 && pnpm --filter @w3pool/dashboard build \
 && pnpm install --frozen-lockfile --prod

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# php-cgi for the sample PHP application (FastCgiModule); the rest of the image is Node only.
RUN apt-get update && apt-get install -y --no-install-recommends php-cgi && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app /app
# The listener writes W3C and HTTPERR logs here (a volume in docker-compose.yml).
RUN mkdir -p /var/log/w3pool && chown node:node /var/log/w3pool
# The https binding's certificate goes here (a volume WAS writes and the listener reads, in
# docker-compose.yml): made by node, so that the new volume is node's too.
RUN mkdir -p /app/config/.w3pool && chown node:node /app/config/.w3pool
COPY scripts/docker-entrypoint.sh /app/scripts/docker-entrypoint.sh
USER node
# WAS admin API; the listener's ports come from the site bindings in the configuration.
EXPOSE 8172 8080 8443
ENTRYPOINT ["sh", "/app/scripts/docker-entrypoint.sh"]
CMD ["node", "services/was/dist/main.js", "--config", "/app/config/w3pool.yaml"]
