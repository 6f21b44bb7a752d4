import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SEARCH_ATTRIBUTE_NAMES } from '../contracts/shared';
import { flexyboxIdsFor, flexyboxOrder } from './support/flexybox';
import { startTestCodecServer } from './support/order-metadata';
import { uniqueRef, useInProcessStack, waitFor } from './support/stack';

// Debian's chromium, driven headless; flags keep it from reaching for the (closed) network.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const SCREENSHOTS = path.resolve(__dirname, '..', '.artifacts', 'web-ui');

const env = useInProcessStack();
let browser: Browser;
let codecServer: { url: string; close: () => Promise<void> };

function uiUrl(): string {
  const url = process.env.TEMPORAL_TEST_UI_URL;
  if (!url)
    throw new Error(
      'TEMPORAL_TEST_UI_URL is not set: run the tests through `npm test`, whose setup starts the dev server with its Web UI',
    );
  return url;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no chromium at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  // Payloads, summaries and current details are encrypted: the UI reads them through the codec server, as an operator's does.
  codecServer = await startTestCodecServer([new URL(uiUrl()).origin]);
  mkdirSync(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await codecServer?.close();
});

/**
 * A page as an operator has set up the Web UI (docs/web-ui.md): the codec server under Settings >
 * Codec Server, and giftflow's search attributes as workflow list columns (Configure Columns).
 * Both are the UI's own settings in the browser's local storage.
 */
async function operatorPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const columns = ['Status', 'Workflow ID', ...SEARCH_ATTRIBUTE_NAMES, 'Type', 'Start'].map((label, index) => ({
    label,
    pinned: index < 2,
  }));
  // overrideRemoteCodecConfiguration: the browser's codec endpoint wins over the server's (none here).
  const settings = {
    endpoint: codecServer.url,
    overrideRemoteCodecConfiguration: true,
    'namespace-workflow-table-columns': { default: columns },
  };
  await context.addInitScript({
    content: Object.entries(settings)
      .map(([key, value]) => `localStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(JSON.stringify(value))});`)
      .join('\n'),
  });
  return context.newPage();
}

const detailPage = (workflowId: string, tab = '') =>
  `${uiUrl()}/namespaces/default/workflows/${encodeURIComponent(workflowId)}${tab}`;

/** The User Metadata tab: the order's summary, its activities' summaries and its current details. */
async function openUserMetadata(page: Page, workflowId: string): Promise<void> {
  await page.goto(detailPage(workflowId));
  await page.getByText('User Metadata', { exact: true }).click();
  await page.getByText('Current Details', { exact: true }).waitFor({ timeout: 30_000 });
}

/** The text of the block of rendered markdown (the UI renders summary and current details in sandboxed frames) that contains `text`. */
function markdownShowing(page: Page, text: string): Promise<string> {
  return waitFor(`the page to show "${text}"`, async () => {
    for (const frame of page.frames().filter((frame) => frame !== page.mainFrame())) {
      const shown = await frame.innerText('body').catch(() => '');
      if (shown.includes(text)) return shown.trim();
    }
    return undefined;
  });
}

describe('Temporal Web UI, as an operator sees it', () => {
  it('lists a giftflow order with its provider, reference and state, and shows its summary, step summaries and outcome', async () => {
    const orderRef = uniqueRef('web-ui');
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await handle.result();
    const page = await operatorPage();

    const query = `GiftProvider="flexybox" AND GiftOrderState="completed" AND GiftOrderRef="${orderRef}"`;
    await page.goto(`${uiUrl()}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    const row = page.locator('tr', { hasText: handle.workflowId }).first();
    await row.waitFor({ timeout: 30_000 });
    const cells = (await row.innerText()).split(/\s+/);
    expect(cells).toEqual(
      expect.arrayContaining([
        'Completed',
        handle.workflowId,
        'flexybox',
        orderRef,
        'completed',
        'flexyboxGiftCertificateOrder',
      ]),
    );
    await page.screenshot({ path: path.join(SCREENSHOTS, 'workflow-list.png') });

    await openUserMetadata(page, handle.workflowId);
    expect(await markdownShowing(page, orderRef)).toBe(`Flexybox order ${orderRef}: 500.00 DKK, 2 certificates`);
    expect(await markdownShowing(page, 'Completed')).toBe('Completed: Flexybox order');
    await page.getByText('Flexybox: commit sales order', { exact: true }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'order-user-metadata.png'), fullPage: true });

    // The timeline shows the provider calls that ran local first as markers named by their activity type.
    await page.goto(detailPage(handle.workflowId, `/${(await handle.describe()).runId}/history`));
    await page.getByRole('button', { name: 'createFlexyboxSalesOrder', exact: true }).waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(SCREENSHOTS, 'order-timeline.png'), fullPage: true });
    await page.context().close();
  });

  it('shows the step an order waits at as its current details', async () => {
    const orderRef = uniqueRef('web-ui-parked');
    await env.sandbox.fault({
      method: 'POST',
      path: `${flexyboxIdsFor(orderRef).salesOrderId}/commit$`,
      kind: 'status',
      status: 401,
      times: 0,
    });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    try {
      await waitFor(
        'the order to park',
        async () => (await env.stack.giftflow.getOrderStatus(handle.workflowId)).state === 'needs-attention',
      );
      const page = await operatorPage();
      await openUserMetadata(page, handle.workflowId);
      expect(await markdownShowing(page, 'Needs attention')).toBe(
        `Needs attention at Flexybox: commit sales order: fix the cause, then giftflow retry ${handle.workflowId}`,
      );
      await page.screenshot({ path: path.join(SCREENSHOTS, 'order-needs-attention.png'), fullPage: true });
      await page.context().close();
    } finally {
      await env.sandbox.clearFaults();
      await env.stack.giftflow.retryOrder(handle.workflowId, { reason: 'web-ui test done' });
    }
    expect((await handle.result()).issuedCertificates).toHaveLength(2);
  });
});
