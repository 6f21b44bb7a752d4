/**
 * A small chaos run (scripts/chaos.ts) on its own real stack: 40 orders over every provider
 * workflow while workers are SIGKILLed, the dev server restarts once, the sandbox fails and
 * the operator resets a few orders (while running and after completion) and retries parked ones.
 * Plus the sandbox's probabilistic faults it relies on.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { request } from 'undici';
import { tsProcess } from '../scripts/dev-server';
import { TestSandbox } from './support/stack';

const ROOT = path.resolve(__dirname, '..');

function runChaos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(...tsProcess(path.join(ROOT, 'scripts', 'chaos.ts'), ...args), {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The table's rows by workflow name, each cell by its column header. */
function parseTable(stdout: string): Map<string, Record<string, string>> {
  const lines = stdout.split('\n');
  const headerAt = lines.findIndex((line) => line.startsWith('workflow '));
  const header = lines[headerAt].split(/\s{2,}/);
  const rows = new Map<string, Record<string, string>>();
  for (const line of lines.slice(headerAt + 1)) {
    if (!line.trim()) break;
    const cells = line.split(/\s+/);
    rows.set(cells[0], Object.fromEntries(header.map((column, i) => [column, cells[i]])));
  }
  return rows;
}

describe('chaos run', () => {
  it('loses and duplicates no order through worker kills, a server restart, provider faults and operator resets', async () => {
    // 15 % of the ~30 resettable orders: 4 or 5 resets, half while running, half after completion.
    const { code, stdout, stderr } = await runChaos([
      '--orders',
      '40',
      '--kill-every',
      '6',
      '--timeout',
      '240',
      '--reset-rate',
      '0.15',
    ]);
    const context = `stdout:\n${stdout}\nstderr (tail):\n${stderr.slice(-3000)}`;
    expect({ code, context }).toEqual({ code: 0, context });

    const rows = parseTable(stdout);
    expect(rows.get('all')).toMatchObject({ submitted: '40', duplicates: '0', lost: '0', open: '0' });
    expect(Number(rows.get('all')?.resets)).toBeGreaterThanOrEqual(2);
    expect(rows.get('all')?.retries).toMatch(/^\d+$/);
    // Pools are never reset (a reset run reserves a second batch).
    expect(rows.get('cpextender-pool')?.resets).toBe('0');
    // Every run beyond one per order was made by a reset: none was started on its own.
    const [, runs, derived] =
      /(\d+) workflow runs, (\d+) of them made by a reset or a retry of another run/.exec(stdout) ?? [];
    expect(Number(runs) - Number(derived)).toBe(40);
    expect(Number(derived)).toBe(Number(rows.get('all')?.resets));
    for (const workflow of [
      'flexybox',
      'payway',
      'cpextender-issue',
      'cpextender-redeem',
      'cpextender-pool',
      'smartgift',
    ]) {
      expect(Number(rows.get(workflow)?.submitted)).toBeGreaterThan(0);
    }
    const [, kills, restarts] =
      /chaos: (\d+) worker kills, \d+ other worker exits, (\d+) server restarts/.exec(stdout) ?? [];
    expect(Number(kills)).toBeGreaterThanOrEqual(1);
    expect(Number(restarts)).toBe(1);
    expect(stdout).toMatch(
      /^PASS: seed \d+; replay with: npm run chaos -- --seed \d+ --orders 40 .*--reset-rate 0.15/m,
    );
  }, 300_000);

  describe('sandbox probabilistic faults', () => {
    let sandbox: TestSandbox;
    beforeAll(async () => (sandbox = await TestSandbox.start()));
    afterAll(() => sandbox.close());
    afterEach(() => sandbox.clearFaults());

    const balanceChecks = async (times: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < times; i++) {
        const response = await request(`${sandbox.url}/cpextender/Giftcard/WEB-0000000000000003/BalanceCheck`, {
          headers: { authorization: 'Bearer cpextender-dev-token' },
        });
        await response.body.dump();
        statuses.push(response.statusCode);
      }
      return statuses;
    };

    it('applies a fault with probability 0 to no request, and passes the spared requests on to the next fault', async () => {
      await sandbox.fault({ path: 'BalanceCheck$', kind: 'status', status: 500, times: 0, probability: 0 });
      await sandbox.fault({ path: 'BalanceCheck$', kind: 'status', status: 503, times: 2 });
      expect(await balanceChecks(3)).toEqual([503, 503, 200]);
    });

    it('applies a fault with probability 1 to every request, as without one', async () => {
      await sandbox.fault({ path: 'BalanceCheck$', kind: 'status', status: 500, times: 0, probability: 1 });
      expect(await balanceChecks(3)).toEqual([500, 500, 500]);
    });

    it('refuses a probability outside 0..1, naming the field', async () => {
      const response = await request(`${sandbox.url}/__sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ path: 'x', kind: 'reset', probability: 1.5 }),
      });
      expect(response.statusCode).toBe(400);
      expect(await response.body.json()).toEqual({ error: 'probability: must be from 0 to 1' });
    });
  });
});
