import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadArtifactsDir, loadCodecServerConfig, loadConfig, loadTemporalConfig } from '../config';
import { tsProcess } from '../scripts/dev-server';

describe('configuration', () => {
  it('defaults to the sandbox and every task queue', () => {
    const config = loadConfig({});
    expect(config.flexybox.posUrl).toBe('http://127.0.0.1:4010/flexybox/pos/api/v1');
    expect(config.taskQueues).toEqual([
      'giftflow-flexybox',
      'giftflow-cpextender',
      'giftflow-smartgift',
      'giftflow-payway',
    ]);
  });

  it('lists every invalid variable by name, without echoing values', () => {
    const secret = 'ftp://user:hunter2@example.com';
    let error: unknown;
    try {
      loadConfig({
        FLEXYBOX_CRM_URL: secret,
        GIFTFLOW_TASK_QUEUES: 'giftflow-flexybox,giftflow-nope',
        GIFTFLOW_HTTP_CONNECT_TIMEOUT_MS: 'soon',
        FLEXYBOX_TOKEN: '',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('FLEXYBOX_CRM_URL: must be an http(s) URL');
    expect(message).toMatch(/GIFTFLOW_TASK_QUEUES\.1: must list queues among giftflow-flexybox, /);
    expect(message).toContain('GIFTFLOW_HTTP_CONNECT_TIMEOUT_MS: must be a number of milliseconds');
    expect(message).toContain('FLEXYBOX_TOKEN: must not be empty');
    expect(message).not.toContain('hunter2');
  });

  it('reads a variable from the file named by <NAME>_FILE, and names that variable when it cannot', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-config-'));
    writeFileSync(path.join(dir, 'token'), 'token-from-file\n');
    const config = loadConfig({ FLEXYBOX_TOKEN_FILE: path.join(dir, 'token') });
    expect(config.flexybox.token).toBe('token-from-file');
    expect(config.secrets).toContain('token-from-file');
    expect(() => loadConfig({ FLEXYBOX_TOKEN_FILE: path.join(dir, 'missing') })).toThrow(
      /FLEXYBOX_TOKEN_FILE: cannot read .*missing \(ENOENT\)/,
    );
  });

  it('reads the Temporal connection by Temporal conventions', () => {
    expect(loadTemporalConfig({})).toMatchObject({
      connectionOptions: { address: '127.0.0.1:7233' },
      namespace: 'default',
    });
    const cloud = loadTemporalConfig({
      TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233',
      TEMPORAL_NAMESPACE: 'acme.a1b2c',
      TEMPORAL_API_KEY: 'key',
    });
    expect(cloud.connectionOptions.address).toBe('acme.a1b2c.tmprl.cloud:7233');
    expect(cloud.namespace).toBe('acme.a1b2c');
    expect(cloud.connectionOptions.apiKey).toBe('key');
    expect(cloud.connectionOptions.tls).toBeTruthy();
  });
});

describe('production configuration', () => {
  const production = { GIFTFLOW_ENV: 'production' };
  /** Values no sandbox uses, as a production deployment sets them. */
  const productionCredentials = {
    FLEXYBOX_TOKEN: 'fbx-prod-token',
    SMARTGIFT_SECRET_KEY: 'sk_live_prod',
    SMARTGIFT_CODE_SECRET: 'prod-code-secret',
    PAYWAY_CLIENT_ID: 'giftflow-prod',
    PAYWAY_CLIENT_SECRET: 'payway-prod-secret',
    CPEXTENDER_TOKEN: 'cpx-prod-token',
  };
  /** The sandbox's public values, as .env.example lists them. */
  const sandboxCredentials = {
    FLEXYBOX_TOKEN: 'flexybox-dev-token',
    SMARTGIFT_SECRET_KEY: 'sk_sandbox_dev',
    SMARTGIFT_CODE_SECRET: 'smartgift-dev-code-secret',
    PAYWAY_CLIENT_ID: 'giftflow-dev',
    PAYWAY_CLIENT_SECRET: 'payway-dev-secret',
    CPEXTENDER_TOKEN: 'cpextender-dev-token',
  };
  const credentialNames = Object.keys(productionCredentials);
  const messageOf = (load: () => unknown): string => {
    try {
      load();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('refuses every defaulted sandbox credential in one message that names each variable and both ways to set it', () => {
    const message = messageOf(() => loadConfig(production));
    for (const name of credentialNames) {
      expect(message).toContain(
        `  - ${name}: is the sandbox's development value, refused with GIFTFLOW_ENV=production; set ${name} or ${name}_FILE`,
      );
    }
    expect(message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(credentialNames.length);
  });

  it.each(credentialNames)('refuses %s set explicitly, or by file, to the sandbox value', (name) => {
    const devValue = sandboxCredentials[name as keyof typeof sandboxCredentials];
    expect(messageOf(() => loadConfig({ ...production, ...productionCredentials, [name]: devValue }))).toMatch(
      new RegExp(`^  - ${name}: is the sandbox's development value`, 'm'),
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-config-'));
    writeFileSync(path.join(dir, 'value'), `${devValue}\n`);
    const others = Object.fromEntries(Object.entries(productionCredentials).filter(([other]) => other !== name));
    const message = messageOf(() =>
      loadConfig({ ...production, ...others, [`${name}_FILE`]: path.join(dir, 'value') }),
    );
    expect(message).toContain(`${name}: is the sandbox's development value`);
    expect(message.split('\n').filter((line) => line.startsWith('  - '))).toHaveLength(1);
  });

  it('runs with production credentials, from the environment or from files', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-config-'));
    writeFileSync(path.join(dir, 'code-secret'), 'code-secret-from-file\n');
    const { SMARTGIFT_CODE_SECRET: _, ...others } = productionCredentials;
    const config = loadConfig({ ...production, ...others, SMARTGIFT_CODE_SECRET_FILE: path.join(dir, 'code-secret') });
    expect(config.smartgift.codeSecret).toBe('code-secret-from-file');
    expect(config.flexybox.token).toBe('fbx-prod-token');
  });

  it("lets the operator's certificate command read its directory without provider credentials", () => {
    expect(loadArtifactsDir({ GIFTFLOW_ENV: 'production', GIFTFLOW_ARTIFACTS_DIR: '/srv/giftflow/artifacts' })).toBe(
      '/srv/giftflow/artifacts',
    );
    expect(() => loadArtifactsDir({ GIFTFLOW_ARTIFACTS_DIR: '' })).toThrow('GIFTFLOW_ARTIFACTS_DIR: must not be empty');
  });

  it('lists unreadable files together with the other problems', () => {
    const message = messageOf(() =>
      loadConfig({ ...production, FLEXYBOX_TOKEN_FILE: '/nonexistent/token', GIFTFLOW_LOG_LEVEL: 'LOUD' }),
    );
    expect(message).toContain('FLEXYBOX_TOKEN_FILE: cannot read /nonexistent/token (ENOENT)');
    expect(message).toContain('GIFTFLOW_LOG_LEVEL:');
    expect(message).toContain('CPEXTENDER_TOKEN: is the sandbox');
  });
});

describe('codec server configuration', () => {
  it('defaults to the local Web UI, no token and a body limit sized for a history page', () => {
    expect(loadCodecServerConfig({})).toEqual({
      host: '127.0.0.1',
      port: 4020,
      allowedOrigins: ['http://127.0.0.1:8233', 'http://localhost:8233'],
      authToken: undefined,
      bodyLimitBytes: 16 * 1024 * 1024,
    });
    expect(loadCodecServerConfig({ GIFTFLOW_CODEC_BODY_LIMIT_MB: '32', GIFTFLOW_CODEC_AUTH_TOKEN: '' })).toMatchObject({
      bodyLimitBytes: 32 * 1024 * 1024,
      authToken: undefined,
    });
  });

  it('names each invalid variable', () => {
    const invalid = () =>
      loadCodecServerConfig({ GIFTFLOW_CODEC_BODY_LIMIT_MB: 'lots', GIFTFLOW_CODEC_SERVER_PORT: '70000' });
    expect(invalid).toThrow(ConfigError);
    expect(invalid).toThrow('  - GIFTFLOW_CODEC_SERVER_PORT: must be a port number');
    expect(invalid).toThrow('  - GIFTFLOW_CODEC_BODY_LIMIT_MB: must be a number of MiB');
  });

  it('requires a bearer token in production, from the environment or GIFTFLOW_CODEC_AUTH_TOKEN_FILE', () => {
    expect(() => loadCodecServerConfig({ GIFTFLOW_ENV: 'production' })).toThrow(
      'GIFTFLOW_CODEC_AUTH_TOKEN: required with GIFTFLOW_ENV=production (without it anyone who reaches the codec server can decrypt customer data); set GIFTFLOW_CODEC_AUTH_TOKEN or GIFTFLOW_CODEC_AUTH_TOKEN_FILE',
    );
    expect(() => loadCodecServerConfig({ GIFTFLOW_ENV: 'production', GIFTFLOW_CODEC_AUTH_TOKEN: '' })).toThrow(
      'GIFTFLOW_CODEC_AUTH_TOKEN: required',
    );
    const dir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-config-'));
    writeFileSync(path.join(dir, 'token'), 'codec-token-from-file\n');
    expect(
      loadCodecServerConfig({ GIFTFLOW_ENV: 'production', GIFTFLOW_CODEC_AUTH_TOKEN_FILE: path.join(dir, 'token') })
        .authToken,
    ).toBe('codec-token-from-file');
    const unreadable = () =>
      loadCodecServerConfig({ GIFTFLOW_ENV: 'production', GIFTFLOW_CODEC_AUTH_TOKEN_FILE: path.join(dir, 'missing') });
    expect(unreadable).toThrow(/GIFTFLOW_CODEC_AUTH_TOKEN_FILE: cannot read .*missing \(ENOENT\)$/m);
  });
});

describe('every configuration problem at once, from the real processes', () => {
  const ROOT = path.resolve(__dirname, '..');
  /** Runs the process with only `env` (and PATH) and returns its exit code and stderr. */
  const run = (command: [string, string[]], env: Record<string, string>) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = execFile(
        command[0],
        command[1],
        { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
        (error, _stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stderr }),
      );
      child.stdin?.end();
    });
  const problemLines = (stderr: string) => stderr.split('\n').filter((line) => line.startsWith('  - '));

  it('the worker lists its settings and codec-key problems in one message and exits before connecting', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'giftflow-config-'));
    const { code, stderr } = await run(tsProcess(path.join(ROOT, 'workers', 'main.ts')), {
      GIFTFLOW_ENV: 'production',
      FLEXYBOX_CRM_URL: 'ftp://flexybox.example',
      GIFTFLOW_CODEC_KEYS_FILE: path.join(dir, 'missing-keys'),
      // Nothing listens here: a worker that got past its settings would report a connection failure instead.
      TEMPORAL_ADDRESS: '127.0.0.1:9',
    });
    expect(code).toBe(1);
    const lines = problemLines(stderr);
    expect(lines).toContain('  - FLEXYBOX_CRM_URL: must be an http(s) URL');
    for (const name of [
      'FLEXYBOX_TOKEN',
      'SMARTGIFT_SECRET_KEY',
      'SMARTGIFT_CODE_SECRET',
      'PAYWAY_CLIENT_ID',
      'PAYWAY_CLIENT_SECRET',
      'CPEXTENDER_TOKEN',
    ]) {
      expect(lines).toContainEqual(
        expect.stringMatching(
          new RegExp(`^  - ${name}: is the sandbox's development value, .*; set ${name} or ${name}_FILE `),
        ),
      );
    }
    expect(lines).toContainEqual(
      expect.stringMatching(/^  - GIFTFLOW_CODEC_KEYS_FILE: cannot read .*missing-keys \(ENOENT\)$/),
    );
    expect(lines).toHaveLength(8);
    expect(stderr.startsWith('invalid configuration (see .env.example):\n')).toBe(true);
    expect(stderr).toContain('Set each variable in the environment, or in a file named by <NAME>_FILE');
    expect(stderr).not.toMatch(/cannot reach|ECONNREFUSED|failed:/i);
  });

  it('the codec server lists its key and server problems in one message', async () => {
    const { code, stderr } = await run(tsProcess(path.join(ROOT, 'client', 'cli.ts'), 'codec-server'), {
      GIFTFLOW_ENV: 'production',
      GIFTFLOW_CODEC_KEYS: 'k1:c2hvcnQ=',
      GIFTFLOW_CODEC_SERVER_PORT: '70000',
    });
    expect(code).not.toBe(0);
    const lines = problemLines(stderr);
    expect(lines).toEqual([
      "  - GIFTFLOW_CODEC_KEYS: key 'k1' must be 32 bytes of base64 (got 5)",
      '  - GIFTFLOW_CODEC_SERVER_PORT: must be a port number',
      expect.stringMatching(
        /^  - GIFTFLOW_CODEC_AUTH_TOKEN: required with GIFTFLOW_ENV=production .*; set GIFTFLOW_CODEC_AUTH_TOKEN or GIFTFLOW_CODEC_AUTH_TOKEN_FILE/,
      ),
    ]);
  });
});
