# syntax=docker/dockerfile:1
# The standalone MCP server. stdio by default:
#   docker run -i --rm dockerhub-mcp
# streamable HTTP (needs a token; binds all interfaces inside the container only):
#   docker run -p 127.0.0.1:3000:3000 -e DOCKERHUB_MCP_HTTP_TOKEN=… dockerhub-mcp --transport http --host 0.0.0.0

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
COPY server/package.json server/package.json
RUN npm ci --no-audit --no-fund
COPY tsconfig.base.json esbuild.mjs ./
COPY server/tsconfig.json server/tsconfig.json
COPY server/src server/src
RUN node esbuild.mjs server

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    DOCKERHUB_MCP_CACHE_DIR=/home/node/.cache/dockerhub-mcp
WORKDIR /app
# The bundle is an ES module: its package.json says so; nothing else is needed beside it.
COPY --from=build /src/server/package.json /app/package.json
COPY --from=build /src/server/dist/index.js /app/dist/index.js
COPY server/healthcheck.mjs /app/healthcheck.mjs
RUN mkdir -p /home/node/.cache/dockerhub-mcp && chown -R node:node /home/node/.cache
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s --retries=3 CMD ["node", "/app/healthcheck.mjs"]
ENTRYPOINT ["node", "/app/dist/index.js"]
