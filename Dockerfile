# One image for both apps; docker-compose.yml picks the entry point (CMD runs the gateway).
# Build stage: all dependencies (npm ci also installs the devDependency `node@24` and runs the
# install scripts allowed in package.json), build, then drop the dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# `npm run build` builds both apps and the browser bundles of libs/client.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime stage: the image's own Node 24, production dependencies and the build output only,
# run as the image's unprivileged `node` user (the files stay root-owned: read-only to the app).
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/libs/client/dist ./libs/client/dist
USER node
EXPOSE 3000 3001
CMD ["node", "dist/apps/gateway/apps/gateway/src/main.js"]
