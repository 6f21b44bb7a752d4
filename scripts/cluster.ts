/**
 * `npm run cluster`: a production-shaped Temporal in the foreground (PostgreSQL 15,
 * temporal-server at the compose file's version, SQL visibility, the Web UI), set up for
 * giftflow; Ctrl-C stops it. Data stays in .data/postgres/ between runs.
 *
 *   TEMPORAL_FRONTEND_PORT (7233), TEMPORAL_UI_PORT (8080): as in docker-compose.temporal.yml
 *   GIFTFLOW_CLUSTER_PG_PORT (55432): PostgreSQL's port
 */
import path from 'node:path';
import { startCluster } from './cluster/cluster';

const ROOT = path.resolve(__dirname, '..');

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535)
    throw new Error(`${name}=${raw} is not a port: set a whole number from 1 to 65535`);
  return value;
}

async function main(): Promise<void> {
  const started = Date.now();
  const frontendPort = port('TEMPORAL_FRONTEND_PORT', 7233);
  // Temporal's SQL schema stores service ports as SMALLINT; the others sit up to 10 above the frontend's.
  if (frontendPort < 1024 || frontendPort > 32_757)
    throw new Error(
      `TEMPORAL_FRONTEND_PORT=${frontendPort}: choose a port from 1024 to 32757 (Temporal keeps service ports in a SMALLINT column)`,
    );
  const cluster = await startCluster({
    dataDir: path.join(ROOT, '.data'),
    frontendPort,
    uiPort: port('TEMPORAL_UI_PORT', 8080),
    postgresPort: port('GIFTFLOW_CLUSTER_PG_PORT', 55432),
    cli: process.env.TEMPORAL_CLI ?? path.join(ROOT, '.tools', 'bin', 'temporal'),
    log: (message) => process.stderr.write(`[cluster] ${message}\n`),
  });
  process.stdout.write(
    `\nTemporal cluster ready in ${((Date.now() - started) / 1000).toFixed(0)} s\n` +
      `  frontend   ${cluster.address}  (namespace ${cluster.namespace})\n` +
      `  Web UI     ${cluster.uiUrl}\n` +
      `  logs       ${path.relative(ROOT, cluster.logDir)}/\n` +
      `Run a worker against it:  TEMPORAL_ADDRESS=${cluster.address} npm run worker\n` +
      'Ctrl-C stops the cluster.\n',
  );
  let stopping = false;
  const stop = async (why: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`[cluster] ${why}: stopping...\n`);
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  const how = await cluster.exited;
  if (!stopping) {
    process.stderr.write(
      `[cluster] temporal-server ${how}; see ${path.relative(ROOT, cluster.logDir)}/temporal-server.log\n`,
    );
    await cluster.stop();
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[cluster] ${(error as Error).message}\n`);
  process.exit(1);
});
