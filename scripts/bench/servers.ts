/**
 * The Temporal servers the benchmark compares: the CLI's dev server (SQLite, one process) and
 * the production-shaped cluster of `npm run cluster` (temporal-server + PostgreSQL), each
 * fresh in the run's scratch directory, with the CPU its processes use.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startCluster } from '../cluster/cluster';
import { startDevServer } from '../dev-server';
import { groupCpuSeconds } from './measure';

export const SERVER_KINDS = ['dev', 'cluster'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

export interface BenchServer {
  kind: ServerKind;
  address: string;
  /** CPU seconds used so far by every process of the server (the cluster's: temporal-server and PostgreSQL). */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export async function startBenchServer(
  kind: ServerKind,
  opts: { cli: string; dir: string; sqlite: string },
): Promise<BenchServer> {
  if (kind === 'dev') {
    const server = await startDevServer({
      cli: opts.cli,
      port: 0,
      dbFile: opts.sqlite === 'memory' ? undefined : path.join(opts.dir, 'temporal.db'),
      sqliteWal: opts.sqlite === 'wal',
      logFile: path.join(opts.dir, 'temporal.log'),
    });
    return { kind, address: server.address, cpuSeconds: () => groupCpuSeconds(server.pid), stop: server.stop };
  }
  // PostgreSQL runs as its own user, which must be able to reach the scratch directory.
  fs.chmodSync(opts.dir, 0o755);
  const cluster = await startCluster({
    dataDir: path.join(opts.dir, 'cluster'),
    frontendPort: 0,
    postgresPort: 0,
    cli: opts.cli,
  });
  const groups = [cluster.groups.server, cluster.groups.postgres];
  const stop = async () => {
    await cluster.stop();
    // The database is tens of MB and of no use after the run; the logs stay with the dev server's.
    fs.rmSync(path.join(opts.dir, 'cluster', 'postgres'), { recursive: true, force: true });
  };
  return {
    kind,
    address: cluster.address,
    cpuSeconds: () => groups.reduce((sum, group) => sum + groupCpuSeconds(group), 0),
    stop,
  };
}
