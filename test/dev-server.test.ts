import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_NAMES } from '../contracts/shared';
import { DevServer, startDevServer } from '../scripts/dev-server';

const cli = process.env.TEMPORAL_CLI ?? path.resolve(__dirname, '..', '.tools', 'bin', 'temporal');

describe('startDevServer with a DB file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'giftflow-dev-server-'));
  const start = () =>
    startDevServer({ cli, dbFile: path.join(dir, 'temporal.db'), port: 0, logFile: path.join(dir, 'temporal.log') });
  let server: DevServer | undefined;
  let connection: Connection | undefined;

  afterEach(async () => {
    await connection?.close();
    await server?.stop();
    connection = server = undefined;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('registers the search attributes and keeps workflows across a restart', async () => {
    const workflowId = `dev-server-test-${Date.now()}`;

    server = await start();
    connection = await Connection.connect({ address: server.address });
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(SEARCH_ATTRIBUTE_NAMES));
    // Nobody polls this queue, so the workflow stays RUNNING.
    await new Client({ connection }).workflow.start('noSuchWorkflow', { taskQueue: 'nobody', workflowId });
    await connection.close();
    await server.stop();

    server = await start();
    connection = await Connection.connect({ address: server.address });
    const description = await new Client({ connection }).workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe('RUNNING');
  });
});
