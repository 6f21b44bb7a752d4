/**
 * A PostgreSQL server of our own for the cluster: initialised under a data directory of
 * ours, listening on 127.0.0.1 at a port of ours with its socket inside our directory, run
 * as the `postgres` user when we are root (PostgreSQL refuses to run as root).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { processEnd, spawnGroup, stopGroup } from '../dev-server';

export const POSTGRES_BIN = process.env.GIFTFLOW_POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';
const RUN_AS = 'postgres';
const START_TIMEOUT_MS = 60_000;

export interface PostgresOptions {
  /** The cluster's data directory (created, owned by the server's user). */
  dataDir: string;
  /** Directory of the Unix socket (kept out of /var/run). */
  socketDir: string;
  port: number;
  logFile: string;
}

export interface Postgres {
  port: number;
  pid: number;
  exited: Promise<string>;
  /** Runs SQL as the superuser through the socket; `sql` goes on stdin, never on a command line. */
  psql(sql: string): Promise<string>;
  stop(): Promise<void>;
}

const asRoot = () => process.getuid?.() === 0;

/** `command args` as the PostgreSQL user: through runuser when we are root. */
function asPostgres(command: string, args: string[]): [string, string[]] {
  const binary = path.join(POSTGRES_BIN, command);
  return asRoot() ? ['runuser', ['-u', RUN_AS, '--', binary, ...args]] : [binary, args];
}

/** Gives the directory to the server's user: initdb and the server refuse another owner. */
function ownDirectory(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!asRoot()) return;
  const uid = Number(execFileSync('id', ['-u', RUN_AS], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', RUN_AS], { encoding: 'utf8' }).trim());
  fs.chownSync(dir, uid, gid);
  fs.chmodSync(dir, 0o700);
}

export async function startPostgres(opts: PostgresOptions): Promise<Postgres> {
  if (!fs.existsSync(path.join(POSTGRES_BIN, 'postgres'))) {
    throw new Error(
      `PostgreSQL not found in ${POSTGRES_BIN}: install PostgreSQL 15 or set GIFTFLOW_POSTGRES_BIN to its bin directory`,
    );
  }
  if (!fs.existsSync(path.join(opts.dataDir, 'PG_VERSION'))) {
    ownDirectory(opts.dataDir);
    // Peer authentication on the socket (only the postgres user is superuser), passwords over TCP.
    const [command, args] = asPostgres('initdb', [
      '-D',
      opts.dataDir,
      '-U',
      RUN_AS,
      '--auth-local=peer',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--no-locale',
    ]);
    await promisify(execFile)(command, args).catch((err: Error & { stderr?: string }) => {
      throw new Error(`initdb of ${opts.dataDir} failed: ${err.stderr ?? err.message}`);
    });
  }
  ownDirectory(opts.socketDir);
  const logFd = fs.openSync(opts.logFile, 'a');
  const [command, args] = asPostgres('postgres', [
    '-D',
    opts.dataDir,
    '-p',
    String(opts.port),
    '-k',
    opts.socketDir,
    '-c',
    'listen_addresses=127.0.0.1',
    // Temporal's default pools (20 + 10 per store, per service) exceed PostgreSQL's default of 100.
    '-c',
    'max_connections=300',
  ]);
  const child = spawnGroup(command, args, { output: logFd });
  fs.closeSync(logFd);
  let died: string | undefined;
  const exited = processEnd(child).then((how) => (died = how));
  const stop = () => stopPostgres(child, opts.dataDir);

  const psql = async (sql: string) => runPsql(opts, sql);
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (died)
      throw new Error(`PostgreSQL ${died} before accepting connections on port ${opts.port}${tail(opts.logFile)}`);
    if (await ready(opts)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `PostgreSQL did not accept connections on port ${opts.port} within ${START_TIMEOUT_MS / 1000} s${tail(opts.logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { port: opts.port, pid: child.pid!, exited, psql, stop };
}

/** Creates (or updates the password of) a login role that may create databases, as Temporal's set-up needs. */
export async function ensureRole(postgres: Postgres, user: string, password: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(user))
    throw new Error(`TEMPORAL_DB_USER=${user} is not a plain PostgreSQL role name (a-z, 0-9, _)`);
  const literal = `'${password.replace(/'/g, "''")}'`;
  // The statement carries the password: keep it out of the server log even if it fails.
  await postgres.psql(
    'SET log_min_error_statement TO panic;\n' +
      `SELECT 'CREATE ROLE ${user} LOGIN CREATEDB' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${user}') \\gexec\n` +
      `ALTER ROLE ${user} LOGIN CREATEDB PASSWORD ${literal};\n`,
  );
}

async function ready(opts: PostgresOptions): Promise<boolean> {
  const [command, args] = asPostgres('pg_isready', ['-q', '-h', '127.0.0.1', '-p', String(opts.port)]);
  return promisify(execFile)(command, args).then(
    () => true,
    () => false,
  );
}

function runPsql(opts: PostgresOptions, sql: string): Promise<string> {
  const [command, args] = asPostgres('psql', [
    '-X',
    '-q',
    '-v',
    'ON_ERROR_STOP=1',
    '-h',
    opts.socketDir,
    '-p',
    String(opts.port),
    '-d',
    'postgres',
    '-f',
    '-',
  ]);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`psql exited with ${code}: ${err.trim()}`)),
    );
    child.stdin.end(sql);
  });
}

/**
 * pg_ctl's fast shutdown, which waits until the server is down (a SIGTERM to the group would
 * be the smart shutdown, which waits for every client to leave); the group's SIGTERM/SIGKILL
 * from stopGroup is the fallback.
 */
async function stopPostgres(child: ChildProcess, dataDir: string): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const [command, args] = asPostgres('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '20']);
  await promisify(execFile)(command, args).catch(() => undefined);
  await stopGroup(child);
}

function tail(file: string): string {
  try {
    return `\nLast lines of ${file}:\n${fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-15).join('\n')}`;
  } catch {
    return '';
  }
}
