# Shopfloor: one image for the API and its workers. Docker does not run on the development machines of
# this project; this file is kept correct by reading (see README, "Docker").
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
# `npm ci`: exactly the lockfile. Scripts are skipped (the prepare script's PGlite template is only for the
# embedded default) and the patches (postgres.js, connect-es) are applied explicitly.
RUN npm ci --ignore-scripts --no-audit --no-fund && npx patch-package
COPY tsconfig.json buf.yaml buf.gen.yaml ./
COPY proto ./proto
COPY gen ./gen
COPY src ./src
COPY web ./web
COPY scripts/build-console.mjs ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 HTTP_PORT=8080 GRPC_PORT=50051
# glibc would keep each argon2 hash's 19 MiB in a thread's heap after its first few logins (about 85 MB of RSS
# for good); a fixed mmap threshold returns it to the system when the hash is done (docs/performance.md).
ENV MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 8080 50051
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s CMD node -e "fetch('http://127.0.0.1:'+(process.env.HTTP_PORT||8080)+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
CMD ["node", "--enable-source-maps", "dist/main.js"]
