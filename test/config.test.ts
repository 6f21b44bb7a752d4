import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig, loadTemporalConfig } from '../config';

describe('configuration', () => {
  it('defaults to the sandbox and every task queue', () => {
    const config = loadConfig({});
    expect(config.flexybox.posUrl).toBe('http://127.0.0.1:4010/flexybox/pos/api/v1');
    expect(config.taskQueues).toEqual(['giftflow-flexybox', 'giftflow-cpextender', 'giftflow-smartgift', 'giftflow-payway']);
  });

  it('lists every invalid variable by name, without echoing values', () => {
    const secret = 'ftp://user:hunter2@example.com';
    let error: unknown;
    try {
      loadConfig({ FLEXYBOX_CRM_URL: secret, GIFTFLOW_TASK_QUEUES: 'giftflow-flexybox,giftflow-nope', GIFTFLOW_HTTP_CONNECT_TIMEOUT_MS: 'soon', FLEXYBOX_TOKEN: '' });
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
    expect(() => loadConfig({ FLEXYBOX_TOKEN_FILE: path.join(dir, 'missing') })).toThrow(/FLEXYBOX_TOKEN_FILE: cannot read .*missing \(ENOENT\)/);
  });

  it('reads the Temporal connection by Temporal conventions', () => {
    expect(loadTemporalConfig({})).toMatchObject({ connectionOptions: { address: '127.0.0.1:7233' }, namespace: 'default' });
    const cloud = loadTemporalConfig({ TEMPORAL_ADDRESS: 'acme.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'acme.a1b2c', TEMPORAL_API_KEY: 'key' });
    expect(cloud.connectionOptions.address).toBe('acme.a1b2c.tmprl.cloud:7233');
    expect(cloud.namespace).toBe('acme.a1b2c');
    expect(cloud.connectionOptions.apiKey).toBe('key');
    expect(cloud.connectionOptions.tls).toBeTruthy();
  });
});
