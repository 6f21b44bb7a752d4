import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { flexyboxOrder } from './support/flexybox';
import { uniqueRef, useInProcessStack } from './support/stack';

// Debian's chromium, driven headless; flags keep it from reaching for the (closed) network.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOTS = path.resolve(__dirname, '..', '.artifacts', 'web-ui');

const env = useInProcessStack();
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
});
afterAll(() => browser?.close());

describe('Temporal Web UI, as an operator sees it', () => {
  it('finds a giftflow order by its search attributes and shows it as completed', async () => {
    const uiUrl = process.env.TEMPORAL_TEST_UI_URL;
    if (!uiUrl) throw new Error('TEMPORAL_TEST_UI_URL is not set: run the tests through `npm test`, whose setup starts the dev server with its Web UI');
    const orderRef = uniqueRef('web-ui');
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await handle.result();

    const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
    const query = `GiftProvider="flexybox" AND GiftOrderState="completed" AND GiftOrderRef="${orderRef}"`;
    await page.goto(`${uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    const row = page.locator('tr', { hasText: handle.workflowId });
    await row.first().waitFor({ timeout: 30_000 });
    expect(await row.first().innerText()).toMatch(/Completed/i);
    expect(await row.first().innerText()).toContain('flexyboxGiftCertificateOrder');

    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'workflow-list.png') });
    await page.close();
  });
});
