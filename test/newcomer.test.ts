/**
 * What a newcomer meets before anything runs: the CLI before `npm ci`, every process with
 * Temporal down (a real closed port), bad order input with Temporal down, and a lock that
 * installs on every platform. Real processes throughout; none of them needs the stack.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_TEMPORAL_ADDRESS, loadTemporalConfig } from '../config';
import { freePort, spawnGroup, stopGroup, tsProcess } from '../scripts/dev-server';
import { flexyboxOrder } from './support/flexybox';
import { temporalAddress } from './support/stack';

const ROOT = path.resolve(__dirname, '..');
const dir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-newcomer-'));

/**
 * The environment of someone who has configured nothing: no Temporal variables, and a home
 * without a Temporal profile file. The test's codec keys stay (a newcomer's would be npm start's).
 */
function newcomerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: dir, XDG_CONFIG_HOME: path.join(dir, 'config'), ...extra };
  for (const name of [
    'TEMPORAL_ADDRESS',
    'TEMPORAL_CONFIG_FILE',
    'TEMPORAL_PROFILE',
    'TEMPORAL_NAMESPACE',
    'TEMPORAL_API_KEY',
  ]) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

function run(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd = ROOT,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const giftflow = (args: string[], env: NodeJS.ProcessEnv) =>
  run(process.execPath, [path.join(ROOT, 'bin', 'giftflow.js'), ...args], env);
// No metrics endpoint: its fixed port may be taken by a running stack, which is not what these tests are about.
const worker = (env: NodeJS.ProcessEnv) =>
  run(...tsProcess('workers/main.ts'), { ...env, GIFTFLOW_METRICS_ADDRESS: 'off' });

/** An address where nothing listens: a port the OS just handed out and took back. */
async function closedAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

describe('a newcomer', () => {
  it('is told in one line to run npm ci when the CLI runs before any install', async () => {
    const clone = path.join(dir, 'clone');
    mkdirSync(path.join(clone, 'bin'), { recursive: true });
    copyFileSync(path.join(ROOT, 'bin', 'giftflow.js'), path.join(clone, 'bin', 'giftflow.js'));
    const { code, stdout, stderr } = await run(
      process.execPath,
      [path.join(clone, 'bin', 'giftflow.js'), '--help'],
      newcomerEnv(),
      clone,
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(`giftflow: dependencies are not installed (no tsx); run 'npm ci' in ${clone} first\n`);
  });

  it('gets the CLI help without Temporal, configuration or npm start', async () => {
    const { code, stdout, stderr } = await giftflow(
      ['--help'],
      newcomerEnv({ TEMPORAL_ADDRESS: await closedAddress() }),
    );
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toMatch(/^giftflow: place and operate gift-card orders/);
  });

  it('sees the field errors of a malformed order while Temporal is down, and the address once the input is right', async () => {
    const address = await closedAddress();
    const env = newcomerEnv({ TEMPORAL_ADDRESS: address });
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...flexyboxOrder(), customer: { fullName: 'No Mail' } }));
    const invalid = await giftflow(['order', 'flexybox', '--input', bad], env);
    expect(invalid).toEqual({
      code: 1,
      stdout: '',
      stderr: 'giftflow: invalid flexybox order: input.customer.email: email must be an e-mail address\n',
    });

    const good = path.join(dir, 'good.json');
    writeFileSync(good, JSON.stringify(flexyboxOrder()));
    const unreachable = await giftflow(['order', 'flexybox', '--input', good], env);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      new RegExp(
        `^giftflow: cannot reach Temporal at ${address} \\(TEMPORAL_ADDRESS\\): .+; start that server or correct TEMPORAL_ADDRESS\\n$`,
      ),
    );
  });

  it.each([
    ['a missing workflow ID', ['status'], /^giftflow: missing <workflowId>/],
    ['an unknown --state', ['list', '--state', 'stuck'], /^giftflow: unknown --state 'stuck'; states: /],
    ['a reconcile without an answer', ['reconcile', 'giftorder-payway-x'], /^giftflow: say what the provider shows: /],
    [
      'a redemption without a card',
      ['redeem', 'cpextender', '--amount', '40', '--ref', 'till-1'],
      /^giftflow: missing --card <giftCardId>$/,
    ],
    [
      'a pool with a hexadecimal count',
      ['reserve-pool', 'cpextender', '--count', '0x10', '--agency', 'Web'],
      /^giftflow: --count must be a number, got '0x10'$/,
    ],
  ])('hears about %s as itself while Temporal is down', async (_, args, line) => {
    const { code, stdout, stderr } = await giftflow(args, newcomerEnv({ TEMPORAL_ADDRESS: await closedAddress() }));
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' });
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr.trimEnd()).toMatch(line);
  });

  it('reads from a worker that cannot reach Temporal the address and TEMPORAL_ADDRESS, not a transport error', async () => {
    const address = await closedAddress();
    const { code, stderr } = await worker(newcomerEnv({ TEMPORAL_ADDRESS: address }));
    expect(code).toBe(1);
    expect(stderr).toBe(
      `giftflow worker failed: cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): Connection refused; start that server or correct TEMPORAL_ADDRESS\n`,
    );
  });

  it('reads the profile and file that chose the address when a Temporal config file set it', async () => {
    const address = await closedAddress();
    const file = path.join(dir, 'temporal.toml');
    writeFileSync(file, `[profile.staging]\naddress = "${address}"\n`);
    const env = newcomerEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'staging' });
    const expected = `cannot reach Temporal at ${address} (profile 'staging' in ${file}): Connection refused; start that server, correct the profile, or set TEMPORAL_ADDRESS to override it`;
    expect((await worker(env)).stderr).toBe(`giftflow worker failed: ${expected}\n`);
    const cli = await giftflow(['list'], env);
    expect(cli.stderr).toMatch(
      new RegExp(
        `^giftflow: cannot reach Temporal at ${address} \\(profile 'staging' in ${file.replace(/[.]/g, '\\.')}\\): `,
      ),
    );
    // A profile that is not in the file is a configuration error naming both variables.
    expect((await giftflow(['list'], { ...env, TEMPORAL_PROFILE: 'prod' })).stderr).toContain(
      "TEMPORAL_PROFILE / TEMPORAL_CONFIG_FILE: Profile 'prod' not found",
    );
  });

  it('is told the address is the default when nothing sets one', () => {
    expect(loadTemporalConfig({})).toMatchObject({
      connectionOptions: { address: DEFAULT_TEMPORAL_ADDRESS },
      addressSource: 'the default, as TEMPORAL_ADDRESS is not set',
    });
    expect(loadTemporalConfig({ TEMPORAL_ADDRESS: 'temporal.internal:7233' }).addressSource).toBe('TEMPORAL_ADDRESS');
  });

  it('is told by npm start which TEMPORAL_ADDRESS does not answer', async () => {
    const address = await closedAddress();
    const { code, stderr } = await run(
      ...tsProcess('scripts/start.ts'),
      newcomerEnv({ TEMPORAL_ADDRESS: address, GIFTFLOW_CODEC: 'off', GIFTFLOW_SANDBOX: 'off' }),
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      `[start] cannot reach Temporal at ${address} (TEMPORAL_ADDRESS): no answer within 5 s; start that server, or unset TEMPORAL_ADDRESS to run a local one\n`,
    );
  });

  it('finds git status as it was after npm start has run and stopped', async () => {
    // Read-only: GIT_OPTIONAL_LOCKS=0 keeps status from refreshing the index.
    const gitStatus = () =>
      execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
        cwd: ROOT,
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
        encoding: 'utf8',
      });
    const before = gitStatus();
    // The test's Temporal server and free ports, so a developer's own npm start is not disturbed.
    const [sandbox, codec, metrics] = await Promise.all([freePort(), freePort(), freePort()]);
    const env = {
      ...process.env,
      TEMPORAL_ADDRESS: temporalAddress(),
      SANDBOX_PORT: `${sandbox}`,
      GIFTFLOW_CODEC_SERVER_PORT: `${codec}`,
      GIFTFLOW_METRICS_ADDRESS: `127.0.0.1:${metrics}`,
    };
    const start = spawnGroup(...tsProcess('scripts/start.ts'), { cwd: ROOT, env, output: 'pipe' });
    let output = '';
    try {
      await new Promise<void>((resolve, reject) => {
        const onData = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ctrl-C stops everything')) resolve();
        };
        start.stdout!.on('data', onData);
        start.stderr!.on('data', onData);
        start.once('exit', () => reject(new Error(`npm start exited before it was ready:\n${output}`)));
      });
    } finally {
      await stopGroup(start);
    }
    expect(output).toContain(`Temporal:  ${temporalAddress()}`);
    expect(gitStatus()).toBe(before);
  }, 180_000);

  it('installs from a lock that lists every platform package of every dependency (npm ci refuses a lock missing one)', () => {
    const { packages } = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    // Node's lookup: the package's own node_modules, then each enclosing one up to the root.
    const locked = (from: string, name: string): boolean => {
      for (
        let base = from;
        ;
        base = base.includes('/node_modules/') ? base.slice(0, base.lastIndexOf('/node_modules/')) : ''
      ) {
        if (packages[`${base ? `${base}/` : ''}node_modules/${name}`]) return true;
        if (!base) return false;
      }
    };
    const missing = Object.entries(packages).flatMap(([at, entry]) =>
      Object.keys(entry.optionalDependencies ?? {})
        .filter((name) => !locked(at, name))
        .map((name) => `${at} -> ${name}`),
    );
    expect(missing).toEqual([]);
    // The platform packages this check exists for: a lock written on one platform once lacked them.
    for (const name of [
      '@swc/core-darwin-arm64',
      '@swc/core-win32-x64-msvc',
      '@swc/core-linux-arm64-gnu',
      '@esbuild/darwin-arm64',
      '@esbuild/win32-x64',
      '@esbuild/linux-arm64',
    ]) {
      expect(packages[`node_modules/${name}`]).toBeDefined();
    }
  });
});
