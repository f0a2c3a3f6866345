# The demo app (and, without OCLC credentials, the built-in simulator) in one container.
FROM node:20.20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=development
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json tsconfig.cjs.json ./
COPY scripts ./scripts
COPY src ./src
COPY bin ./bin
COPY example-app ./example-app
# npm ci runs the build (prepare); dev dependencies hold the TypeScript compiler and selfsigned.
RUN npm ci && npm cache clean --force
USER node
EXPOSE 3000 8089
CMD ["node", "example-app/server.js"]
