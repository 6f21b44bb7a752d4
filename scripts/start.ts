/**
 * `npm start`: Temporal dev server (or TEMPORAL_ADDRESS), sandbox and worker in the foreground.
 * Each child runs in its own process group (see spawnGroup), so stopping one stops everything
 * it started, and all of them go when this process does.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { loadMetricsAddress } from '../config';
import { DEFAULT_SANDBOX_PORT } from '../config/sandbox-urls';
import { metricsUrl } from '../contracts/metrics';
import { ensureDevKeyFile } from '../security/codec-keys';
import { processEnd, spawnGroup, startDevServer, stopGroup, temporalAnswers, tsProcess } from './dev-server';

const ROOT = path.resolve(__dirname, '..');
const LOCAL_TEMPORAL = '127.0.0.1:7233';
const SANDBOX_PORT = process.env.SANDBOX_PORT ?? DEFAULT_SANDBOX_PORT;

interface Service {
  name: string;
  stop(): Promise<void>;
  exited: Promise<string>;
}

const services: Service[] = [];
let starting: Promise<unknown> = Promise.resolve();
let stopping = false;

function log(message: string) {
  console.log(`[start] ${message}`);
}

async function shutdown(exitCode: number): Promise<never> {
  if (!stopping) log('stopping...');
  stopping = true;
  await starting.catch(() => undefined);
  // Worker first, so it stops polling before the server and sandbox go away.
  for (const service of [...services].reverse()) await service.stop();
  log('stopped');
  process.exit(exitCode);
}

function watch(service: Service) {
  services.push(service);
  void service.exited.then((how) => {
    if (stopping) return;
    console.error(`[start] ${service.name} ${how} unexpectedly; stopping the rest`);
    void shutdown(1);
  });
}

/** Prints each line of `stream` with a `[name]` prefix and hands it to `onLine`. */
function relay(name: string, stream: NodeJS.ReadableStream, out: NodeJS.WriteStream, onLine?: (line: string) => void) {
  readline.createInterface({ input: stream }).on('line', (line) => {
    out.write(`[${name}] ${line}\n`);
    onLine?.(line);
  });
}

/** Runs `script args...` (TypeScript, see tsProcess); resolves once it prints a line containing `readyWhen` (or at once). */
function startChild(
  name: string,
  [script, ...args]: string[],
  env: NodeJS.ProcessEnv,
  readyWhen?: string,
): Promise<void> {
  const child = spawnGroup(...tsProcess(script, ...args), { cwd: ROOT, env, output: 'pipe' });
  return new Promise((resolve) => {
    const onLine = (line: string) => {
      if (readyWhen && line.includes(readyWhen)) resolve();
    };
    relay(name, child.stdout!, process.stdout, onLine);
    relay(name, child.stderr!, process.stderr, onLine);
    watch({ name, stop: () => stopGroup(child), exited: processEnd(child) });
    if (!readyWhen) resolve();
  });
}

/** Follows the dev server's log file (it writes there directly, so it outlives our pipes). */
function tailLog(file: string, name: string) {
  let offset = fs.statSync(file).size;
  let partial = '';
  setInterval(() => {
    const size = fs.statSync(file).size;
    // The server's shutdown warnings are noise; they stay in the file.
    if (stopping || size <= offset) return;
    const buffer = Buffer.alloc(size - offset);
    const fd = fs.openSync(file, 'r');
    fs.readSync(fd, buffer, 0, buffer.length, offset);
    fs.closeSync(fd);
    offset = size;
    const lines = (partial + buffer.toString('utf8')).split('\n');
    partial = lines.pop()!;
    for (const line of lines) process.stdout.write(`[${name}] ${line}\n`);
  }, 300).unref();
}

/**
 * Payload encryption for the local stack: the configured keys, or else a key generated once
 * into .data/ (so orders stay readable across restarts), served to the Web UI by the codec
 * server. Returns the codec endpoint, or undefined when encryption is off.
 */
async function startCodecServer(): Promise<string | undefined> {
  if (process.env.GIFTFLOW_CODEC === 'off') return undefined;
  if (!process.env.GIFTFLOW_CODEC_KEYS && !process.env.GIFTFLOW_CODEC_KEYS_FILE) {
    const { created } = ensureDevKeyFile();
    log(
      `${created ? 'generated a local' : 'using the local'} payload-encryption key in .data/codec-keys (set GIFTFLOW_CODEC_KEYS to use your own)`,
    );
  }
  const port = process.env.GIFTFLOW_CODEC_SERVER_PORT ?? '4020';
  await startChild(
    'codec',
    ['client/cli.ts', 'codec-server'],
    { ...process.env, GIFTFLOW_CODEC_SERVER_PORT: port },
    'codec server listening',
  );
  return `http://127.0.0.1:${port}`;
}

async function startTemporal(codecEndpoint: string | undefined): Promise<{ address: string; uiUrl?: string }> {
  const external = process.env.TEMPORAL_ADDRESS;
  if (external) {
    if (!(await temporalAnswers(external, 5000)))
      throw new Error(
        `cannot reach Temporal at ${external} (TEMPORAL_ADDRESS): no answer within 5 s; start that server, or unset TEMPORAL_ADDRESS to run a local one`,
      );
    log(`using the Temporal server at ${external}`);
    return { address: external };
  }
  if (await temporalAnswers(LOCAL_TEMPORAL, 1000)) {
    throw new Error(
      `a Temporal server already answers on ${LOCAL_TEMPORAL} (another npm start?); stop it, or set TEMPORAL_ADDRESS=${LOCAL_TEMPORAL} to use it`,
    );
  }
  const dataDir = path.join(ROOT, '.data');
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, 'temporal.log');
  fs.appendFileSync(logFile, '');
  tailLog(logFile, 'temporal');
  const cli = process.env.TEMPORAL_CLI ?? path.join(ROOT, '.tools', 'bin', 'temporal');
  log(`starting the Temporal dev server (state in .data/temporal.db, log in .data/temporal.log)`);
  // shutdown() awaits this, so a Ctrl-C while the server is still coming up stops it too.
  const pending = startDevServer({
    cli,
    dbFile: path.join(dataDir, 'temporal.db'),
    port: 7233,
    uiPort: 8233,
    logFile,
    uiCodecEndpoint: codecEndpoint,
  }).then((server) => {
    watch({ name: 'temporal (log: .data/temporal.log)', stop: server.stop, exited: server.exited });
    return server;
  });
  starting = pending;
  return pending;
}

async function waitForHttp(url: string, service: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (stopping) return;
    try {
      await fetch(url, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${service} did not answer on ${url} within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function main() {
  // A local .env (see .env.example) sets variables for every process started here.
  if (fs.existsSync(path.join(ROOT, '.env'))) process.loadEnvFile(path.join(ROOT, '.env'));
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const codecEndpoint = await startCodecServer();
  if (stopping) return;
  const temporal = await startTemporal(codecEndpoint);
  if (stopping) return;

  const sandboxUrl = `http://127.0.0.1:${SANDBOX_PORT}`;
  const sandboxOn = process.env.GIFTFLOW_SANDBOX !== 'off';
  if (sandboxOn) {
    await startChild('sandbox', ['sandbox/main.ts'], { ...process.env, SANDBOX_PORT });
    await waitForHttp(`${sandboxUrl}/__sandbox/ledger`, 'the sandbox');
    if (stopping) return;
  }

  log('starting the worker');
  await startChild(
    'worker',
    ['workers/main.ts'],
    { ...process.env, TEMPORAL_ADDRESS: temporal.address },
    'worker ready',
  );
  if (stopping) return;

  console.log(
    [
      '',
      `  Temporal:  ${temporal.address}`,
      `  Web UI:    ${temporal.uiUrl ?? '(served by the server at TEMPORAL_ADDRESS)'}`,
      `  Sandbox:   ${sandboxOn ? sandboxUrl : 'off (GIFTFLOW_SANDBOX=off)'}`,
      `  Codec:     ${codecEndpoint ? `${codecEndpoint} (payloads encrypted; temporal CLI: --codec-endpoint ${codecEndpoint})` : 'off (GIFTFLOW_CODEC=off)'}`,
      `  Metrics:   ${metricsUrl(loadMetricsAddress(process.env))}`,
      '',
      '  Place an order:',
      `    npx giftflow order flexybox --input examples/flexybox-order.json --ref demo-$(date +%s) --wait`,
      '',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
}

main().catch((err) => {
  if (stopping) return;
  console.error(`[start] ${err instanceof Error ? err.message : err}`);
  void shutdown(1);
});
