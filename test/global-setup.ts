/**
 * One in-memory Temporal dev server for the whole jest run, unless TEMPORAL_TEST_ADDRESS
 * already names one that answers. With GIFTFLOW_TEST_SERVER=cluster (scripts/test-cluster.sh):
 * a fresh temporal-server on PostgreSQL instead (scripts/cluster/), in a temporary directory.
 * Test files read TEMPORAL_TEST_ADDRESS (jest workers inherit the environment set here).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster } from '../scripts/cluster/cluster';
import { startDevServer, temporalAnswers } from '../scripts/dev-server';
import { TEST_CODEC_KEYS } from './support/codec-keys';

declare global {
  var __giftflowStopTemporal: (() => Promise<void>) | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Every test runs with payload encryption on, as production does.
  process.env.GIFTFLOW_CODEC_KEYS ??= TEST_CODEC_KEYS;
  // Worker processes of parallel tests would all bind the default metrics port; test/metrics.test.ts picks its own.
  process.env.GIFTFLOW_METRICS_ADDRESS ??= 'off';
  const existing = process.env.TEMPORAL_TEST_ADDRESS;
  if (existing && (await temporalAnswers(existing, 2000))) return;

  const cli = process.env.TEMPORAL_CLI ?? path.resolve(__dirname, '..', '.tools', 'bin', 'temporal');
  if (process.env.GIFTFLOW_TEST_SERVER === 'cluster') return startTestCluster(cli);
  const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'giftflow-temporal-')), 'temporal.log');
  const server = await startDevServer({ cli, port: 0, logFile });
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_UI_URL = server.uiUrl;
  globalThis.__giftflowStopTemporal = server.stop;
}

async function startTestCluster(cli: string): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'giftflow-cluster-'));
  const started = Date.now();
  const cluster = await startCluster({ dataDir, frontendPort: 0, postgresPort: 0, cli }).catch((err: unknown) => {
    // The error carries the failing log's last lines; jest runs no teardown after a failed setup.
    fs.rmSync(dataDir, { recursive: true, force: true });
    throw err;
  });
  process.stderr.write(
    `\n[cluster] temporal-server on PostgreSQL ready at ${cluster.address} in ${((Date.now() - started) / 1000).toFixed(1)} s (logs: ${cluster.logDir})\n`,
  );
  process.env.TEMPORAL_TEST_ADDRESS = cluster.address;
  globalThis.__giftflowStopTemporal = async () => {
    await cluster.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
}
