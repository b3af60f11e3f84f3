# syntax=docker/dockerfile:1
# drover — multi-stage build. Node 24 is the current LTS line supported by better-sqlite3 12.

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Toolchain for better-sqlite3 when no prebuilt binary can be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
# `npm ci` runs the `prepare` script, which compiles src/ to dist/.
RUN npm ci && npm prune --omit=dev

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DROVER_CONFIG=/config/drover.yml
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# The dashboard's files, served as they are (dist/http/ finds them at ../../src/dashboard/).
COPY --from=build --chown=root:root /app/src/dashboard ./src/dashboard
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
COPY --chown=root:root config /config
# /data is the volume; ./data (the default storage.path, relative to /app) points into it.
RUN mkdir -p /data && chown node:node /data && ln -s /data /app/data
USER node
VOLUME ["/config", "/data"]
EXPOSE 8090
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.DROVER_PORT||8090)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "/app/bin/drover.js"]
CMD ["serve"]
