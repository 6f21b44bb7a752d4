/** Smart Gift test data and ledger look-ups shared by the Smart Gift test files. */
import { SMARTGIFT_ID_STEPS, type SmartGiftOrderInput } from '../../contracts/smartgift';
import { orderWorkflowId } from '../../contracts/shared';
import { smartGiftVoucherCode } from '../../activities/smartgift';
import { loadConfig } from '../../config';
import { deriveProviderId } from '../../workflows/ids';
import type { TestSandbox } from './stack';

/** The full example body of provider-docs/smart-gift-pos-sale.txt, verbatim. */
export function documentedFullBody() {
  return {
    items: [
      {
        id: 1,
        price: 100.0,
        to: 'Recipient #1',
        from: 'Sender',
        message: 'Here is an example voucher for you to enjoy!',
        code: 'EXAMPLECODE1',
      },
      {
        id: 1,
        price: 100.0,
        from: 'Recipient #2',
        to: 'Sender',
        message: 'Here is an example voucher for you to enjoy!',
        code: 'EXAMPLECODE2',
      },
    ],
    customer: {
      first_name: 'John',
      last_name: 'Smith',
      email: 'customer@example.com',
      address1: 'Bank Chambers',
      address2: 'High Street',
      postcode: 'NP11 4EY',
      town: 'Newbridge',
      county: 'Newport',
    },
    delivery: {
      method: 1,
      email: 'recipient@example.com',
      date: null,
      town: null,
      county: null,
      address1: null,
      address2: null,
      postcode: null,
      last_name: null,
      first_name: null,
    },
    payment_method: 1,
    order_id: '123',
  };
}

/** The shortened example body of the contract. */
export function documentedShortBody() {
  return {
    items: [{ id: 1, price: 100.0 }],
    customer: { email: 'customer@example.com' },
    delivery: { method: 1, email: 'recipient@example.com' },
    payment_method: 1,
  };
}

/** An online order of one monetary voucher, with codes and order_id left to the workflow. */
export function smartGiftOrder(overrides: Partial<SmartGiftOrderInput> = {}): SmartGiftOrderInput {
  return { ...documentedShortBody(), ...overrides } as SmartGiftOrderInput;
}

/**
 * The order_id and voucher codes the workflow for `orderRef` derives, computed independently
 * of any run; `codeSecret` is the SMARTGIFT_CODE_SECRET of the worker that derives the codes.
 */
export function smartGiftIdsFor(orderRef: string, items = 1, codeSecret = loadConfig({}).smartgift.codeSecret) {
  const workflowId = orderWorkflowId('smartgift', orderRef);
  return {
    workflowId,
    orderId: deriveProviderId(workflowId, SMARTGIFT_ID_STEPS.orderId),
    voucherCodes: Array.from({ length: items }, (_, index) =>
      smartGiftVoucherCode(deriveProviderId(workflowId, SMARTGIFT_ID_STEPS.voucherCode(index)), codeSecret),
    ),
  };
}

/** What the sandbox holds for one order_id: its orders and their vouchers. */
export async function smartGiftLedgerFor(sandbox: TestSandbox, orderId: string) {
  const { smartgift } = await sandbox.ledger();
  const orders = smartgift.orders.filter((order: { orderId: string }) => order.orderId === orderId);
  const references = new Set(orders.map((order: { orderReference: string }) => order.orderReference));
  return {
    orders,
    vouchers: smartgift.vouchers.filter((voucher: { orderReference: string }) =>
      references.has(voucher.orderReference),
    ),
  };
}
