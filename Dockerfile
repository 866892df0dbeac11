# The journey engine: build with the dev dependencies, run the compiled build with production ones only.
# docker build -t journey-engine .   (docker-compose.yml runs it with PostgreSQL and Kafka)

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
COPY console ./console
COPY scripts/build.mjs ./scripts/build.mjs
RUN npm run build

FROM node:20-slim AS runtime
# production: API keys are required (JOURNEY_API_KEYS); logs are JSON lines on stdout.
ENV NODE_ENV=production \
    PORT=3009 \
    JOURNEY_DATA_DIR=/data
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY seeds ./seeds
# /data holds the embedded PGlite's files when DATABASE_URL is not set.
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 3009
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/ready`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Migrations run at start, before the service listens.
CMD ["node", "dist/src/main.js"]
