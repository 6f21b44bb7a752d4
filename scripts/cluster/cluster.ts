/**
 * A production-shaped Temporal on this machine without Docker: PostgreSQL, temporal-server
 * (persistence and SQL visibility on PostgreSQL), the schema, namespace and search-attribute
 * set-up, and the Web UI. Everything it runs comes from docker-compose.temporal.yml: the
 * image tags pick the binaries (scripts/cluster/build.sh), each service's environment drives
 * the same config templates the images use, and the set-up jobs' scripts run as written.
 * Only where things live differs (HOST_PLACEMENT): addresses, ports and paths.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../contracts/shared';
import { freePort, processEnd, spawnGroup, stopGroup, temporalAnswers, type DevServer } from '../dev-server';
import { imageTag, readCompose, resolvedService, type ComposeFile } from './compose';
import { ensureRole, startPostgres, type Postgres } from './postgres';

const ROOT = path.resolve(__dirname, '..', '..');
const TOOLS_BIN = path.join(ROOT, '.tools', 'bin');
const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 120_000;
/** The dynamic config file the compose file mounts into the server container. */
export const DYNAMIC_CONFIG = path.join(ROOT, 'ops', 'temporal', 'dynamicconfig.yaml');
/** Must match TEMPORAL_UI_MODULE_VERSION in scripts/cluster/build.sh. */
export const UI_MODULE_VERSION = 'v2.52.0';

/**
 * The only variables the local cluster sets beyond each compose service's own environment:
 * where things live on this machine instead of in containers. test/compose.test.ts checks
 * that nothing else differs.
 */
export const HOST_PLACEMENT = [
  'POSTGRES_SEEDS',
  'DB_PORT',
  'BIND_ON_IP',
  'TEMPORAL_BROADCAST_ADDRESS',
  'FRONTEND_GRPC_PORT',
  'FRONTEND_HTTP_PORT',
  'FRONTEND_MEMBERSHIP_PORT',
  'HISTORY_GRPC_PORT',
  'HISTORY_MEMBERSHIP_PORT',
  'MATCHING_GRPC_PORT',
  'MATCHING_MEMBERSHIP_PORT',
  'WORKER_GRPC_PORT',
  'WORKER_MEMBERSHIP_PORT',
  'DYNAMIC_CONFIG_FILE_PATH',
  'SQL_HOST',
  'SQL_PORT',
  'TEMPORAL_SCHEMA_DIR',
  'TEMPORAL_ADDRESS',
  'TEMPORAL_UI_PORT',
] as const;
type Placement = Partial<Record<(typeof HOST_PLACEMENT)[number], string>>;

export interface ClusterOptions {
  /** Holds postgres/ (the database cluster) and cluster/ (socket, logs, the generated DB password). */
  dataDir: string;
  /** 0 = pick free ports for every service (tests); otherwise the frontend's, with the others at the usual offsets. */
  frontendPort: number;
  /** 0 = a free port. */
  postgresPort: number;
  /** undefined = no Web UI; 0 = a free port. */
  uiPort?: number;
  /** What Compose would take from the host (TEMPORAL_DB_PASSWORD, TEMPORAL_CODEC_ENDPOINT, ...); default process.env. */
  hostEnv?: NodeJS.ProcessEnv;
  /** The Temporal CLI the namespace and search-attribute jobs call as `temporal`. */
  cli: string;
  log?: (message: string) => void;
}

export interface Cluster extends Omit<DevServer, 'uiUrl'> {
  uiUrl?: string;
  namespace: string;
  /** The process-group leaders: PostgreSQL, temporal-server, the UI server. */
  groups: { postgres: number; server: number; ui?: number };
  logDir: string;
}

export function serverVersion(compose: ComposeFile): string {
  const version = imageTag(compose.services.temporal?.image);
  if (!version)
    throw new Error('docker-compose.temporal.yml: the temporal service must pin temporalio/server:<version>');
  return version;
}

/** A compose service's environment as the local cluster runs it: the compose values, then `placement`. */
export function serviceEnv(compose: ComposeFile, name: string, hostEnv: NodeJS.ProcessEnv, placement: Placement) {
  const service = resolvedService(compose, name, hostEnv);
  return { ...service, env: { ...service.env, ...placement } as Record<string, string> };
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const log = opts.log ?? (() => undefined);
  const { compose } = readCompose();
  const version = serverVersion(compose);
  const binaries = { server: path.join(TOOLS_BIN, 'temporal-server'), ui: path.join(TOOLS_BIN, 'temporal-ui-server') };
  const share = {
    schema: path.join(ROOT, '.tools', 'share', `temporal-${version}`, 'schema'),
    ui: path.join(ROOT, '.tools', 'share', `temporal-ui-${UI_MODULE_VERSION}`, 'config'),
  };
  for (const needed of [
    binaries.server,
    path.join(TOOLS_BIN, 'temporal-sql-tool'),
    share.schema,
    ...(opts.uiPort === undefined ? [] : [binaries.ui, share.ui]),
  ]) {
    if (!fs.existsSync(needed))
      throw new Error(
        `${path.relative(ROOT, needed)} is missing: run bash scripts/cluster/build.sh (builds temporal-server ${version} from Go modules)`,
      );
  }
  const built = (await promisify(execFile)(binaries.server, ['--version'])).stdout;
  if (!built.includes(version))
    throw new Error(
      `.tools/bin/temporal-server is not ${version} (${built.trim()}): delete it and run bash scripts/cluster/build.sh`,
    );

  const stateDir = path.join(opts.dataDir, 'cluster');
  const logDir = path.join(stateDir, 'logs');
  fs.mkdirSync(logDir, { recursive: true });
  // PostgreSQL runs as its own user, which must be able to reach its directories.
  for (const dir of [opts.dataDir, stateDir]) fs.chmodSync(dir, 0o755);
  const hostEnv = { ...(opts.hostEnv ?? process.env) };
  hostEnv.TEMPORAL_DB_PASSWORD ||= dbPassword(stateDir);
  const ports = await servicePorts(opts.frontendPort);
  const pgPort = opts.postgresPort || (await freePort());
  const address = `${HOST}:${ports.FRONTEND_GRPC_PORT}`;
  const stopping: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stopping.splice(0).reverse()) await step();
  };

  try {
    log(
      `PostgreSQL on ${HOST}:${pgPort} (data: ${path.relative(ROOT, path.join(opts.dataDir, 'postgres')) || opts.dataDir})`,
    );
    const postgres: Postgres = await startPostgres({
      dataDir: path.join(opts.dataDir, 'postgres'),
      socketDir: path.join(stateDir, 'socket'),
      port: pgPort,
      logFile: path.join(logDir, 'postgres.log'),
    });
    stopping.push(postgres.stop);
    const server = serviceEnv(compose, 'temporal', hostEnv, serverPlacement(ports, pgPort));
    await ensureRole(postgres, server.env.POSTGRES_USER, server.env.POSTGRES_PWD);

    log('schemas (the temporal-schema job)');
    await runJob(
      compose,
      'temporal-schema',
      hostEnv,
      { SQL_HOST: HOST, SQL_PORT: `${pgPort}`, TEMPORAL_SCHEMA_DIR: share.schema },
      opts.cli,
      logDir,
    );

    log(`temporal-server ${version} on ${address}`);
    const serverLog = path.join(logDir, 'temporal-server.log');
    const serverChild = spawnLogged(binaries.server, ['start'], server.env, serverLog);
    stopping.push(() => stopGroup(serverChild));
    const serverExited = processEnd(serverChild);
    const answered = await Promise.race([temporalAnswers(address, START_TIMEOUT_MS), serverExited.then(() => false)]);
    if (!answered) throw new Error(`temporal-server did not answer on ${address}${tail(serverLog)}`);

    log('namespace and search attributes (the temporal-namespace and temporal-search-attributes jobs)');
    const jobPlacement = { TEMPORAL_ADDRESS: address };
    const namespace = (await runJob(compose, 'temporal-namespace', hostEnv, jobPlacement, opts.cli, logDir))
      .TEMPORAL_NAMESPACE;
    await runJob(compose, 'temporal-search-attributes', hostEnv, jobPlacement, opts.cli, logDir);
    await awaitSearchAttributesUsable(address, namespace);

    let uiUrl: string | undefined;
    let uiPid: number | undefined;
    if (opts.uiPort !== undefined) {
      const uiPort = opts.uiPort || (await freePort());
      const ui = serviceEnv(compose, 'temporal-ui', hostEnv, {
        TEMPORAL_ADDRESS: address,
        TEMPORAL_UI_PORT: `${uiPort}`,
      });
      const configDir = uiConfig(share.ui, path.join(stateDir, 'ui-config'));
      const uiChild = spawnLogged(
        binaries.ui,
        ['--root', configDir, '--config', '.', '--env', 'docker', 'start'],
        ui.env,
        path.join(logDir, 'ui-server.log'),
      );
      stopping.push(() => stopGroup(uiChild));
      uiUrl = `http://${HOST}:${uiPort}`;
      uiPid = uiChild.pid;
      await awaitHttp(`${uiUrl}/healthz`, path.join(logDir, 'ui-server.log'));
    }
    return {
      address,
      uiUrl,
      namespace,
      stop,
      pid: serverChild.pid!,
      exited: serverExited,
      groups: { postgres: postgres.pid, server: serverChild.pid!, ui: uiPid },
      logDir,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Where temporal-server finds PostgreSQL, binds and reads its dynamic config here. With no
 * config flag the server renders its embedded config template from the environment, as
 * the temporalio/server image does (its entrypoint runs `temporal-server start`).
 */
export function serverPlacement(ports: Placement, pgPort: number): Placement {
  return {
    ...ports,
    POSTGRES_SEEDS: HOST,
    DB_PORT: `${pgPort}`,
    BIND_ON_IP: HOST,
    TEMPORAL_BROADCAST_ADDRESS: HOST,
    DYNAMIC_CONFIG_FILE_PATH: DYNAMIC_CONFIG,
  };
}

/** Frontend, history, matching and worker ports: all free ones, or the usual layout around `frontend`. */
export async function servicePorts(frontend: number): Promise<Placement> {
  const taken = new Set<number>();
  const pick = async (offset: number) => `${frontend === 0 ? await freeServicePort(taken) : frontend + offset}`;
  return {
    FRONTEND_GRPC_PORT: await pick(0),
    FRONTEND_HTTP_PORT: await pick(10),
    FRONTEND_MEMBERSHIP_PORT: await pick(-300),
    HISTORY_GRPC_PORT: await pick(1),
    HISTORY_MEMBERSHIP_PORT: await pick(-299),
    MATCHING_GRPC_PORT: await pick(2),
    MATCHING_MEMBERSHIP_PORT: await pick(-298),
    WORKER_GRPC_PORT: await pick(6),
    WORKER_MEMBERSHIP_PORT: await pick(-294),
  };
}

/**
 * A free loopback port below 32768. Temporal's SQL schema keeps each service's RPC port in a
 * SMALLINT (cluster_membership.rpc_port): a port from the ephemeral range, as the OS hands
 * out for port 0, stops the server at start ("value ... is out of range for type smallint").
 */
export async function freeServicePort(taken = new Set<number>()): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port, HOST, () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error(
    'no free port between 20000 and 32000 on 127.0.0.1 after 200 tries: free some, or give the cluster fixed ports',
  );
}

/** Runs a compose one-shot job's script with `sh`, with this repository's binaries standing in for the image's. */
async function runJob(
  compose: ComposeFile,
  name: string,
  hostEnv: NodeJS.ProcessEnv,
  placement: Placement,
  cli: string,
  logDir: string,
) {
  const job = serviceEnv(compose, name, hostEnv, placement);
  if (!job.script)
    throw new Error(`docker-compose.temporal.yml: ${name} must run one script with entrypoint ["/bin/sh", "-c"]`);
  // The CLI gets nothing from this shell's environment but PATH and HOME: no Temporal Cloud address or key leaks in.
  const bins = [TOOLS_BIN, path.dirname(cli)].join(':');
  const env = { PATH: `${bins}:${process.env.PATH}`, HOME: process.env.HOME ?? '/', ...job.env };
  const logFile = path.join(logDir, `${name}.log`);
  try {
    const { stdout, stderr } = await promisify(execFile)('/bin/sh', ['-c', job.script], {
      env,
      timeout: START_TIMEOUT_MS,
    });
    fs.appendFileSync(logFile, stdout + stderr);
  } catch (err) {
    const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
    fs.appendFileSync(logFile, stdout + stderr);
    throw new Error(`the ${name} job failed (${(err as Error).message.split('\n')[0]})${tail(logFile)}`);
  }
  return job.env;
}

/**
 * The jobs end once the operator API lists the attributes; starting a workflow that sets
 * them is what giftflow needs, and each service's namespace cache may lag a few seconds.
 */
async function awaitSearchAttributesUsable(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    for (;;) {
      try {
        const handle = await client.workflow.start('giftflowClusterProbe', {
          taskQueue: 'giftflow-cluster-probe',
          workflowId: `giftflow-cluster-probe-${randomUUID()}`,
          typedSearchAttributes: Object.values(SEARCH_ATTRIBUTES).map((key) => ({ key, value: 'probe' })),
        });
        await handle.terminate('probe: the search attributes are usable');
        // Deleted (the server does it within a minute), so that no probe stays among the orders (`giftflow list`, the Web UI).
        await connection.workflowService.deleteWorkflowExecution({
          namespace,
          workflowExecution: { workflowId: handle.workflowId },
        });
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(
            `workflows with giftflow's search attributes are still refused in ${namespace}: ${(err as Error).message}`,
          );
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    await connection.close();
  }
}

/** The UI image's config (base.yaml, docker.yaml) plus where to listen: loopback, as compose publishes it by default. */
function uiConfig(from: string, to: string): string {
  fs.mkdirSync(to, { recursive: true });
  fs.writeFileSync(
    path.join(to, 'base.yaml'),
    `${fs.readFileSync(path.join(from, 'base.yaml'), 'utf8').trimEnd()}\nhost: ${HOST}\n`,
  );
  fs.copyFileSync(path.join(from, 'docker.yaml'), path.join(to, 'docker.yaml'));
  return to;
}

function spawnLogged(command: string, args: string[], env: Record<string, string>, logFile: string) {
  const fd = fs.openSync(logFile, 'a');
  // Only the service's own variables: the server's config template reads env vars by name, so a stray DB or LOG_LEVEL must not leak in.
  const child = spawnGroup(command, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    output: fd,
  });
  fs.closeSync(fd);
  return child;
}

/** The local cluster's database password: generated once per data directory, readable by root only. */
function dbPassword(stateDir: string): string {
  const file = path.join(stateDir, 'db-password');
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(18).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

async function awaitHttp(url: string, logFile: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer${tail(logFile)}`);
}

function tail(file: string): string {
  try {
    return `\nLast lines of ${file}:\n${fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-20).join('\n')}`;
  } catch {
    return '';
  }
}
