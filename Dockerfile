# syntax=docker/dockerfile:1
# The giftflow worker: one process polling the task queues named by GIFTFLOW_TASK_QUEUES.
# glibc (Debian slim), not Alpine: @temporalio/core-bridge ships prebuilt glibc binaries.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
FROM ${NODE_IMAGE}

ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false

WORKDIR /app

# Dependencies first, so a source change does not reinstall them. tsx is a runtime
# dependency, so the dev tools (jest, swc, tsc) stay out of the image.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Owned by root and read-only for the worker: the running process cannot rewrite its code.
COPY . .

USER node

# Prometheus metrics (docs/metrics.md): on every interface inside the container, so a scraper
# on the container network reaches them; publish the port only where Prometheus needs it.
ENV GIFTFLOW_METRICS_ADDRESS=0.0.0.0:9464
EXPOSE 9464

# --max-semi-space-size: see NODE_FLAGS in scripts/dev-server.ts (~60 MB less RSS under load).
CMD ["node", "--max-semi-space-size=2", "--require", "tsx/cjs", "workers/main.ts"]
