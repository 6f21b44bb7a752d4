/**
 * Every request body an order sends, per provider, built from the caller's input through its
 * schema (as client and worker parse it) with the activities' own pure builders. Run as a
 * script, it reads `[kind, input][]` as JSON on stdin and prints the requests of each as JSON:
 * a second process, with its own start-up state, for the property test's "same on every run".
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { totalOf } from '../../activities/amounts';
import { cpExtenderAuthorizeBody, cpExtenderCreateBody } from '../../activities/cpextender';
import { flexyboxCommitBody, flexyboxCustomerBody, flexyboxSalesOrderBody } from '../../activities/flexybox';
import { paywayCreateBody } from '../../activities/payway';
import { smartGiftPosSaleBody, smartGiftVoucherCode } from '../../activities/smartgift';
import { cpExtenderIssueInputSchema, cpExtenderRedeemInputSchema } from '../../contracts/cpextender';
import { flexyboxOrderInputSchema } from '../../contracts/flexybox';
import { currencyScale } from '../../contracts/money';
import { paywayOrderInputSchema } from '../../contracts/payway';
import { orderWorkflowId } from '../../contracts/shared';
import { smartGiftOrderInputSchema } from '../../contracts/smartgift';
import { tsProcess } from '../../scripts/dev-server';
import { deriveProviderId } from '../../workflows/ids';

const WORKFLOW_ID = orderWorkflowId('flexybox', 'property');
const derived = (step: string) => deriveProviderId(WORKFLOW_ID, step);

export const requests = {
  flexybox(input: unknown) {
    const order = flexyboxOrderInputSchema.parse(input);
    // Resolved as the catalogue would: a type ID per type (the look-up itself is Flexybox's answer, not ours).
    const lines = order.certificates.map((line) => ({
      typeId: `type-${line.type}`,
      typeName: line.type,
      quantity: line.quantity,
      price: line.price,
    }));
    const total = totalOf(
      lines.map((line) => ({ quantity: line.quantity, amount: line.price })),
      currencyScale(order.currency),
      'price',
    );
    return [
      flexyboxCustomerBody(order.customer),
      flexyboxSalesOrderBody({
        salesOrderId: derived('so'),
        customerId: derived('c'),
        departmentId: order.departmentId,
        lines,
        currency: order.currency,
        debitMethod: order.debitMethod,
      }),
      flexyboxCommitBody({ id: derived('p'), type: order.paymentType, amount: total }),
    ];
  },
  cpExtenderIssue(input: unknown) {
    const order = cpExtenderIssueInputSchema.parse(input);
    return [
      cpExtenderCreateBody({
        ...order,
        giftCardId: order.giftCardId ?? 'WEB-1',
        saleId: order.pointsToRedeem === undefined ? (order.saleId ?? derived('sale')) : undefined,
      }),
    ];
  },
  cpExtenderRedeem(input: unknown) {
    const redemption = cpExtenderRedeemInputSchema.parse(input);
    return [cpExtenderAuthorizeBody({ ...redemption, saleId: redemption.saleId ?? derived('sale') })];
  },
  smartGift(input: unknown) {
    const order = smartGiftOrderInputSchema.parse(input);
    const codes = order.items.map(
      (item, index) => item.code ?? smartGiftVoucherCode(derived(`voucher/${index}`), 'property-secret'),
    );
    return [smartGiftPosSaleBody(order, order.order_id ?? derived('order'), codes)];
  },
  payway(input: unknown) {
    return [paywayCreateBody(paywayOrderInputSchema.parse(input), derived('merchant'))];
  },
};

export type RequestKind = keyof typeof requests;

/** The requests of each `[kind, input]`, as JSON text, built by a separate Node process running this file. */
export function requestsInAnotherProcess(inputs: [RequestKind, unknown][]): Promise<string[]> {
  const [node, args] = tsProcess(__filename);
  return new Promise((resolve, reject) => {
    const child = execFile(
      node,
      args,
      { cwd: path.resolve(__dirname, '..', '..'), maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout) as string[]),
    );
    child.stdin!.end(JSON.stringify(inputs));
  });
}

if (require.main === module) {
  let text = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => (text += chunk));
  process.stdin.on('end', () => {
    const inputs = JSON.parse(text) as [RequestKind, unknown][];
    process.stdout.write(JSON.stringify(inputs.map(([kind, input]) => JSON.stringify(requests[kind](input)))));
  });
}
