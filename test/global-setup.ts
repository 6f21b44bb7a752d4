/**
 * One in-memory Temporal dev server for the whole jest run, unless TEMPORAL_TEST_ADDRESS
 * already names one that answers. Test files read TEMPORAL_TEST_ADDRESS (jest workers
 * inherit the environment set here).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDevServer, temporalAnswers } from '../scripts/dev-server';
import { TEST_CODEC_KEYS } from './support/codec-keys';

declare global {
  var __giftflowStopTemporal: (() => Promise<void>) | undefined;
}

export default async function globalSetup(): Promise<void> {
  // Every test runs with payload encryption on, as production does.
  process.env.GIFTFLOW_CODEC_KEYS ??= TEST_CODEC_KEYS;
  const existing = process.env.TEMPORAL_TEST_ADDRESS;
  if (existing && (await temporalAnswers(existing, 2000))) return;

  const cli = process.env.TEMPORAL_CLI ?? path.resolve(__dirname, '..', '.tools', 'bin', 'temporal');
  const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'giftflow-temporal-')), 'temporal.log');
  const server = await startDevServer({ cli, port: 0, logFile });
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
  process.env.TEMPORAL_TEST_UI_URL = server.uiUrl;
  globalThis.__giftflowStopTemporal = server.stop;
}
