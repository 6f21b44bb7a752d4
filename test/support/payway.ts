/** Payway test data and ledger look-ups shared by the Payway test files. */
import { request } from 'undici';
import { PAYWAY_ID_STEPS, PAYWAY_PATHS, type PaywayOrderInput } from '../../contracts/payway';
import { orderWorkflowId } from '../../contracts/shared';
import { paywaySeed } from '../../sandbox/payway';
import { deriveProviderId } from '../../workflows/ids';
import type { TestSandbox } from './stack';

/** The body of the documented curl example ("Curl Example with giver_account_id"). */
export const documentedExample = {
  giver_account_id: '5c6291d537c2ed78a11518b7',
  product_code: 'adeprimo_digital',
  period_id: '5cb804811d41c82b5c518ea8',
  start_date: '2019-05-01T00:00:00+00:00',
  gift_delivery_address: {
    first_name: 'John',
    last_name: 'Doe',
    street: 'Sunset Boulevard',
    street_number: '2',
    city: 'California',
    zip_code: '65100',
    country_code: 'SE',
    mobile_number: '0501231234',
  },
} satisfies PaywayOrderInput;

/** The same order placed by e-mail, with every optional field the documentation lists. */
export const fullExample = {
  giver_email: 'anna.berg@example.se',
  product_code: 'adeprimo_digital',
  period_id: paywaySeed.campaigns.digital.periods.free,
  gift_delivery_address: documentedExample.gift_delivery_address,
  traffic_source: 'christmas-campaign',
  secure_identification: { trusted_identity_id: '5d1e2f3a4b5c6d7e8f901234' },
  client_info: {
    user_agent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36',
    language: 'sv-SE',
    ip_address: '111.111.1.11',
  },
} satisfies PaywayOrderInput;

export function paywayOrder(overrides: Partial<PaywayOrderInput> = {}): PaywayOrderInput {
  return { ...documentedExample, ...overrides };
}

/** The IDs the workflow for `orderRef` derives, computed independently of any run. */
export function paywayIdsFor(orderRef: string) {
  const workflowId = orderWorkflowId('payway', orderRef);
  return { workflowId, merchantReference: deriveProviderId(workflowId, PAYWAY_ID_STEPS.merchantReference) };
}

export interface LedgerOrder {
  id: string;
  order_id: string;
  payment_id: string;
  merchant_reference: string | null;
  payment_method: string;
}

/** The sandbox's Payway orders carrying this order's merchant_reference. */
export async function paywayOrdersFor(sandbox: TestSandbox, orderRef: string): Promise<LedgerOrder[]> {
  const { merchantReference } = paywayIdsFor(orderRef);
  const { payway } = await sandbox.ledger();
  return payway.orders.filter((order: LedgerOrder) => order.merchant_reference === merchantReference);
}

export async function tokensIssued(sandbox: TestSandbox): Promise<number> {
  return (await sandbox.ledger()).payway.tokensIssued;
}

/** Sends a request to the sandbox's Payway routes and returns the status and JSON body. */
export async function paywayCall(
  sandbox: TestSandbox,
  path: string,
  options: { token?: string; json?: unknown; form?: Record<string, string> },
): Promise<{ status: number; body: any }> {
  const [contentType, body] = options.form
    ? ['application/x-www-form-urlencoded', new URLSearchParams(options.form).toString()]
    : ['application/json', JSON.stringify(options.json)];
  const response = await request(`${sandbox.url}/payway${path}`, {
    method: 'POST',
    headers: {
      'content-type': contentType,
      accept: 'application/json',
      ...(options.token && { authorization: `Bearer ${options.token}` }),
    },
    body,
  });
  return { status: response.statusCode, body: await response.body.json() };
}

/** A token from the sandbox's token endpoint with the dev client credentials. */
export async function sandboxToken(sandbox: TestSandbox, scope = '/external/account/w'): Promise<string> {
  const { body } = await paywayCall(sandbox, PAYWAY_PATHS.token, {
    form: { grant_type: 'client_credentials', client_id: 'giftflow-dev', client_secret: 'payway-dev-secret', scope },
  });
  return body.access_token;
}
