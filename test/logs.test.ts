/**
 * Issue 13, item 4: the worker's log must not carry customer PII or card secrets. One worker
 * process on every task queue, at DEBUG (the most it ever prints in production), runs one
 * order per provider plus a provider fault (an activity retry whose error body echoes PII)
 * and a failed order (whose failure names a reserved GiftCardId); then none of the sensitive
 * values may appear anywhere in what the worker printed, while the log stays useful.
 */
import { WorkflowFailedError } from '@temporalio/client';
import type { CpExtenderIssueResult, CpExtenderRedeemResult } from '../contracts/cpextender';
import type { FlexyboxOrderResult } from '../contracts/flexybox';
import { TASK_QUEUES } from '../contracts/shared';
import type { SmartGiftOrderResult } from '../contracts/smartgift';
import { cpExtenderIssue, startRedemptionParkedAtConfirm } from './support/cpextender';
import { flexyboxOrder } from './support/flexybox';
import { paywayOrder } from './support/payway';
import { smartGiftOrder } from './support/smartgift';
import { uniqueRef, useCrashStack, waitFor, type WorkerProcess } from './support/stack';

const env = useCrashStack(Object.values(TASK_QUEUES).join(','));

/** Customer data of the orders below; each value must never be logged. */
const karen = {
  fullName: 'Karen Margrethe Jensen',
  email: 'karen.logtest@example.com',
  // Danish style, without a leading '+': the old regex missed it.
  phoneNumber: '20 30 40 50',
  streetAddress: 'Strandvejen 112',
};
const smartGiftCustomer = {
  first_name: 'Ingrid',
  last_name: 'Sørensen',
  email: 'ingrid.logtest@example.com',
  address1: 'Algade 7',
};
const voucher = { code: 'LOGTEST7CODE', message: 'Tillykke med dagen, Maja', to: 'Maja Holm' };
const paywayAddress = {
  first_name: 'Astrid',
  last_name: 'Lindqvist',
  street: 'Sveavägen',
  street_number: '44',
  city: 'Stockholm',
  zip_code: '11134',
  country_code: 'SE',
  mobile_number: '0701234567',
};

describe('worker log redaction', () => {
  it('keeps names, addresses, phone numbers, e-mails, card numbers, auth codes and voucher codes out of the worker output', async () => {
    const worker: WorkerProcess = await env.startWorker({ GIFTFLOW_LOG_LEVEL: 'DEBUG' });

    // Flexybox: the first customer upsert gets a 503 whose body echoes the customer (as real
    // providers do), so the activity fails, is logged, and is retried.
    await env.sandbox.fault({
      method: 'PUT',
      path: '/flexybox/crm/api/v2/customers/',
      kind: 'status',
      status: 503,
      body: { Message: `customer ${karen.email} (${karen.phoneNumber}) is locked, try again` },
    });
    const flexybox = await env.giftflow.startGiftOrder({
      provider: 'flexybox',
      orderRef: uniqueRef('logs-fx'),
      input: flexyboxOrder({ customer: karen }),
    });
    const smartgift = await env.giftflow.startGiftOrder({
      provider: 'smartgift',
      orderRef: uniqueRef('logs-sg'),
      input: smartGiftOrder({ items: [{ id: 1, price: 100, ...voucher }], customer: smartGiftCustomer }),
    });
    const payway = await env.giftflow.startGiftOrder({
      provider: 'payway',
      orderRef: uniqueRef('logs-pw'),
      input: paywayOrder({
        giver_account_id: undefined,
        giver_email: 'astrid.logtest@example.se',
        gift_delivery_address: paywayAddress,
      }),
    });
    const card = (await (
      await env.giftflow.startGiftOrder({
        provider: 'cpextender',
        orderRef: uniqueRef('logs-cpx'),
        input: cpExtenderIssue(),
      })
    ).result()) as CpExtenderIssueResult;
    const redemption = (await (
      await env.giftflow.cpextender.redeem({
        redemptionRef: uniqueRef('logs-cpx-redeem'),
        input: { giftCardId: card.giftCardId, amount: 25, autoConfirm: true },
      })
    ).result()) as CpExtenderRedeemResult;
    // A parked redemption: CP Extender refuses our token at Confirm, once the AuthCode is
    // recorded; the workflow logs "order needs attention", and an operator's retry finishes it.
    const parking = await startRedemptionParkedAtConfirm(
      env.sandbox,
      env.giftflow,
      card.giftCardId,
      uniqueRef('logs-cpx-park'),
    );
    await waitFor(
      'the redemption to park',
      async () => (await env.giftflow.getOrderStatus(parking.workflowId)).state === 'needs-attention',
    );
    await env.sandbox.clearFaults();
    await env.giftflow.retryOrder(parking.workflowId, { reason: 'token rotated' });
    const parked = (await parking.result()) as CpExtenderRedeemResult;
    // A failed order: CP Extender refuses the customer after a GiftCardId was reserved, and the
    // failure (logged as "Workflow failed") names the reservation left behind.
    const failing = await env.giftflow.startGiftOrder({
      provider: 'cpextender',
      orderRef: uniqueRef('logs-cpx-fail'),
      input: cpExtenderIssue({ customerNumber: '1111111111' }),
    });
    await expect(failing.result()).rejects.toBeInstanceOf(WorkflowFailedError);
    const reserved = (await env.giftflow.getOrderStatus(failing.workflowId)).providerIds.giftCardId as string;

    const fx = (await flexybox.result()) as FlexyboxOrderResult;
    const sg = (await smartgift.result()) as SmartGiftOrderResult;
    await payway.result();
    // Workflow-side logs reach the worker's logger through a sink, a little after the result.
    await waitFor('the failed order to be logged', async () => worker.output().includes('Workflow failed'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const output = worker.output();

    const sensitive = [
      karen.fullName,
      karen.email,
      karen.phoneNumber,
      karen.phoneNumber.replace(/\s/g, ''),
      karen.streetAddress,
      ...Object.values(smartGiftCustomer),
      voucher.code,
      voucher.message,
      voucher.to,
      ...sg.voucherCodes,
      'astrid.logtest@example.se',
      paywayAddress.first_name,
      paywayAddress.last_name,
      paywayAddress.street,
      paywayAddress.mobile_number,
      card.giftCardId,
      cpExtenderIssue().customerNumber,
      reserved,
      redemption.authCode,
      parked.authCode,
      ...(fx.issuedCertificates ?? []).map((certificate) => certificate.number),
    ];
    expect(reserved).toBeTruthy();
    expect(sg.voucherCodes).toContain(voucher.code);
    const leaked = sensitive.filter((value) => output.toLowerCase().includes(value.toLowerCase()));
    // On failure, show the offending lines rather than the whole DEBUG log.
    const lines = output
      .split('\n')
      .filter((line) => leaked.some((value) => line.toLowerCase().includes(value.toLowerCase())));
    expect({ leaked, lines }).toEqual({ leaked: [], lines: [] });

    // Still useful: the error paths were logged, with provider, step and workflow ID.
    expect(output).toContain('Activity failed');
    expect(output).toContain('Workflow failed');
    expect(output).toContain('order needs attention');
    expect(output).toMatch(/provider call .*"provider":"flexybox".*"step":"upsertCustomer"/);
    expect(output).toContain(failing.workflowId);
    expect(output).toContain(flexybox.workflowId);
    expect((await env.sandbox.requests()).some((request) => request.fault === 'status')).toBe(true);
  }, 180_000);
});
