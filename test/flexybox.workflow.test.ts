import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { GiftOrderConflictError, GiftOrderInputError, inputFingerprint } from '../client';
import { FLEXYBOX_TASK_QUEUE, FLEXYBOX_WORKFLOW_TYPE, flexyboxOrderInputSchema } from '../contracts/flexybox';
import { INPUT_FINGERPRINT_MEMO, orderWorkflowId } from '../contracts/shared';
import { flexyboxSeed } from '../sandbox/flexybox';
import { flexyboxIdsFor, flexyboxLedgerFor, flexyboxOrder } from './support/flexybox';
import { uniqueRef, useInProcessStack, waitFor } from './support/stack';

const env = useInProcessStack();
afterEach(() => env.sandbox.clearFaults());

describe('Flexybox gift-certificate order', () => {
  it('creates exactly one customer, sales order and payment, and returns their IDs', async () => {
    const orderRef = uniqueRef('happy');
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const result = await handle.result();

    const ids = flexyboxIdsFor(orderRef);
    expect(handle.workflowId).toBe(ids.workflowId);
    expect(result).toMatchObject({
      customerId: ids.customerId,
      salesOrderId: ids.salesOrderId,
      externalPaymentId: ids.externalPaymentId,
      total: 500,
      currency: 'DKK',
    });
    expect(result.issuedCertificates).toHaveLength(2);
    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toHaveLength(1);
    expect(ledger.salesOrders).toEqual([
      expect.objectContaining({ id: ids.salesOrderId, state: 'Committed', total: 500 }),
    ]);
    expect(ledger.payments).toEqual([expect.objectContaining({ id: ids.externalPaymentId, amount: 500 })]);

    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status).toMatchObject({ state: 'completed', step: 'completed', lastError: null, result });
    expect(status.attempts).toEqual({ resolveCatalog: 1, upsertCustomer: 1, createSalesOrder: 1, commitSalesOrder: 1 });
    const description = await handle.describe();
    expect(description.typedSearchAttributes.get({ name: 'GiftOrderState', type: 'KEYWORD' } as never)).toBe(
      'completed',
    );
  });

  it('commits once when the commit response is lost', async () => {
    const orderRef = uniqueRef('lost-response');
    await env.sandbox.fault({
      method: 'POST',
      path: `${flexyboxIdsFor(orderRef).salesOrderId}/commit$`,
      kind: 'drop-response',
    });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const result = await handle.result();

    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.payments).toEqual([expect.objectContaining({ id: result.externalPaymentId })]);
    const commits = (await env.sandbox.requests()).filter((r) => r.path.endsWith(`${result.salesOrderId}/commit`));
    expect(commits.map((r) => r.fault ?? 'ok')).toEqual(['drop-response', 'ok']);
    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status.attempts.commitSalesOrder).toBe(2);
  });

  it('retries a 429 after Retry-After and a 503, then completes', async () => {
    const orderRef = uniqueRef('throttled');
    await env.sandbox.fault({
      method: 'PUT',
      path: `/customers/${flexyboxIdsFor(orderRef).customerId}$`,
      kind: 'status',
      status: 429,
      retryAfter: 1,
    });
    await env.sandbox.fault({
      method: 'POST',
      path: `${flexyboxIdsFor(orderRef).salesOrderId}/commit$`,
      kind: 'status',
      status: 503,
    });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await handle.result();

    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.customers).toHaveLength(1);
    expect(ledger.payments).toHaveLength(1);
    // Each call was sent twice: refused, then accepted. (The customer's 429 moved the step from its
    // local first attempt on to a regular activity, whose attempts count afresh: docs/design.md.)
    const requests = await env.sandbox.requests();
    const sends = (suffix: string) => requests.filter((r) => r.path.endsWith(suffix)).map((r) => r.fault ?? 'ok');
    expect(sends(`/customers/${flexyboxIdsFor(orderRef).customerId}`)).toEqual(['status', 'ok']);
    expect(sends(`${flexyboxIdsFor(orderRef).salesOrderId}/commit`)).toEqual(['status', 'ok']);
    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status.attempts).toMatchObject({ commitSalesOrder: 2 });
  });

  it('attaches a repeated start with the same orderRef and input to the same order', async () => {
    const orderRef = uniqueRef('repeat');
    const first = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const second = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    expect(second.workflowId).toBe(first.workflowId);
    await first.result();
    // After completion, too: REJECT_DUPLICATE keeps the finished order from running again.
    const third = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    expect((await third.describe()).runId).toBe((await first.describe()).runId);

    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.salesOrders).toHaveLength(1);
    expect(ledger.payments).toHaveLength(1);
  });

  it('fingerprints the input as the caller gave it, not the defaults the schema adds', async () => {
    const orderRef = uniqueRef('fingerprint');
    const input = flexyboxOrder();
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input });
    const { memo } = await handle.describe();
    expect(memo?.[INPUT_FINGERPRINT_MEMO]).toBe(inputFingerprint(input));
    expect(memo?.[INPUT_FINGERPRINT_MEMO]).not.toBe(inputFingerprint(flexyboxOrderInputSchema.parse(input)));
    await handle.result();
  });

  it('attaches a repeat to an order started before the fingerprint covered the caller input (it covered the defaults)', async () => {
    const orderRef = uniqueRef('fingerprint-legacy');
    const input = flexyboxOrder();
    const parsed = flexyboxOrderInputSchema.parse(input);
    await env.stack.temporal.workflow.start(FLEXYBOX_WORKFLOW_TYPE, {
      workflowId: orderWorkflowId('flexybox', orderRef),
      taskQueue: FLEXYBOX_TASK_QUEUE,
      args: [parsed],
      memo: { [INPUT_FINGERPRINT_MEMO]: inputFingerprint(parsed) },
    });
    const repeat = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input });
    await repeat.result();
    expect((await flexyboxLedgerFor(env.sandbox, orderRef)).payments).toHaveLength(1);
  });

  it('refuses the same orderRef with a changed amount and keeps one order', async () => {
    const orderRef = uniqueRef('conflict');
    const first = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    const changed = flexyboxOrder({ certificates: [{ type: 'Gavekort', quantity: 2, price: 300 }] });
    await expect(env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: changed })).rejects.toThrow(
      GiftOrderConflictError,
    );
    await first.result();
    await expect(env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: changed })).rejects.toThrow(
      /already used by order giftorder-flexybox-.* with a different input/,
    );

    const ledger = await flexyboxLedgerFor(env.sandbox, orderRef);
    expect(ledger.salesOrders).toEqual([expect.objectContaining({ total: 500 })]);
    expect(ledger.payments).toHaveLength(1);
  });

  it('fails fast, without retries, on an unknown department and names the step and the reason', async () => {
    const orderRef = uniqueRef('bad-department');
    const requestsBefore = (await env.sandbox.requests()).length;
    const handle = await env.stack.giftflow.startGiftOrder({
      provider: 'flexybox',
      orderRef,
      input: flexyboxOrder({ departmentId: '00000000-0000-4000-8000-000000000000' }),
    });
    const failure = await handle.result().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const cause = (failure as WorkflowFailedError).cause as Error & { type?: string };
    expect(cause.type).toBe('ProviderRejected');
    expect(cause.message).toMatch(
      /step 'resolveCatalog'.*department '00000000-0000-4000-8000-000000000000' is not one of Flexybox's departments/,
    );
    expect(cause.message).toContain(flexyboxSeed.departments.hotelNordlys.Name);

    const departmentCalls = (await env.sandbox.requests())
      .slice(requestsBefore)
      .filter((r) => r.path.endsWith('/departments'));
    expect(departmentCalls).toHaveLength(1);
    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status).toMatchObject({ state: 'failed', step: 'resolveCatalog' });
    expect((await flexyboxLedgerFor(env.sandbox, orderRef)).customers).toHaveLength(0);
  });

  it('fails without retrying when Flexybox rejects the sales order, naming its reason', async () => {
    const orderRef = uniqueRef('rejected-order');
    const salesOrderPath = '/flexybox/pos/api/v1/salesorders$';
    const requestsBefore = (await env.sandbox.requests()).length;
    await env.sandbox.fault({
      method: 'PUT',
      path: salesOrderPath,
      kind: 'status',
      status: 400,
      body: { Message: 'Unknown DepartmentId' },
    });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const failure = (await handle.result().catch((e: WorkflowFailedError) => e)) as WorkflowFailedError;
    expect(failure.cause?.message).toBe(
      "flexybox step 'createSalesOrder' (PUT /salesorders) rejected the request (HTTP 400): Unknown DepartmentId. " +
        `Nothing was paid or issued; left at the provider: CRM customer ${flexyboxIdsFor(orderRef).customerId}.`,
    );
    const puts = (await env.sandbox.requests())
      .slice(requestsBefore)
      .filter((r) => r.method === 'PUT' && r.path.endsWith('/salesorders'));
    expect(puts).toHaveLength(1);
  });

  it('resolves a certificate type by ID and refuses an ambiguous name, listing the choices', async () => {
    const spa = flexyboxSeed.giftCertificateTypes.spaOplevelse;
    const byId = await env.stack.giftflow.startGiftOrder({
      provider: 'flexybox',
      orderRef: uniqueRef('type-id'),
      input: flexyboxOrder({ certificates: [{ type: spa.Id, price: 900 }] }),
    });
    expect((await byId.result()).certificates).toEqual([
      { typeId: spa.Id, typeName: spa.Name, quantity: 1, price: 900 },
    ]);

    const ambiguous = await env.stack.giftflow.startGiftOrder({
      provider: 'flexybox',
      orderRef: uniqueRef('type-ambiguous'),
      input: flexyboxOrder({ certificates: [{ type: 'Julegavekort', price: 100 }] }),
    });
    const failure = (await ambiguous.result().catch((e: WorkflowFailedError) => e)) as WorkflowFailedError;
    expect(failure.cause?.message).toContain("certificate type 'Julegavekort' names 2 gift-certificate types");
    expect(failure.cause?.message).toContain(flexyboxSeed.giftCertificateTypes.julegavekortSpa.Id);
  });

  it('refuses bad input with field-level errors and starts nothing', async () => {
    const orderRef = uniqueRef('bad-input');
    const input = flexyboxOrder({
      customer: { fullName: '', email: 'not-an-email' },
      certificates: [{ type: 'Gavekort', price: -5 }],
    });
    const error = (await env.stack.giftflow
      .startGiftOrder({ provider: 'flexybox', orderRef, input })
      .catch((e: unknown) => e)) as GiftOrderInputError;
    expect(error).toBeInstanceOf(GiftOrderInputError);
    expect(error.issues.map((issue) => issue.field)).toEqual(
      expect.arrayContaining(['input.customer.fullName', 'input.customer.email', 'input.certificates.0.price']),
    );
    expect(error.message).toContain('input.certificates.0.price: price must be greater than 0');
    await expect(env.stack.temporal.workflow.getHandle(flexyboxIdsFor(orderRef).workflowId).describe()).rejects.toThrow(
      /not found/i,
    );
  });

  it('validates input started around the client in the worker: bad input fails naming the field, good input gets its defaults', async () => {
    const start = (orderRef: string, input: unknown) =>
      env.stack.temporal.workflow.start('flexyboxGiftCertificateOrder', {
        taskQueue: 'giftflow-flexybox',
        workflowId: flexyboxIdsFor(orderRef).workflowId,
        args: [input],
      });

    const badRef = uniqueRef('raw-bad-input');
    const bad = await start(badRef, flexyboxOrder({ customer: { fullName: 'Karen Jensen', email: 'not-an-email' } }));
    const failure = (await bad.result().catch((e: unknown) => e)) as WorkflowFailedError;
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failure.cause).toMatchObject({
      type: 'InvalidInput',
      message:
        'invalid Flexybox order input:\n  input.customer.email: email must be an e-mail address. Nothing was paid or issued; nothing was created at the provider.',
    });
    expect(await flexyboxLedgerFor(env.sandbox, badRef)).toEqual({ customers: [], salesOrders: [], payments: [] });

    const goodRef = uniqueRef('raw-input');
    const good = await start(goodRef, {
      ...flexyboxOrder(),
      departmentId: `  ${flexyboxSeed.departments.hotelNordlys.Id} `,
    });
    expect(await good.result()).toMatchObject({
      currency: 'DKK',
      departmentId: flexyboxSeed.departments.hotelNordlys.Id,
      total: 500,
    });
  });

  it('finishes a commit already under way when cancelled, and says the cancellation could not undo it', async () => {
    const orderRef = uniqueRef('cancel');
    const { salesOrderId } = flexyboxIdsFor(orderRef);
    // Hold the commit long enough to cancel while the sales order exists but is unpaid.
    await env.sandbox.fault({ method: 'POST', path: `${salesOrderId}/commit$`, kind: 'status', status: 503, times: 0 });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await waitFor(
      'the commit to be retried',
      async () => (await env.stack.giftflow.getOrderStatus(handle.workflowId)).retrying,
    );
    await env.stack.giftflow.cancelOrder(handle.workflowId);

    // The commit runs in a non-cancellable scope, so it keeps retrying until Flexybox answers.
    await env.sandbox.clearFaults();
    const result = await handle.result();
    expect(result.cancellationIgnored).toMatch(/cannot undo a committed Flexybox order/);
    expect((await flexyboxLedgerFor(env.sandbox, orderRef)).payments).toHaveLength(1);
  });

  it('cancels cleanly while the sales order is being created and names the customer it created', async () => {
    const orderRef = uniqueRef('cancel-early');
    await env.sandbox.fault({
      method: 'PUT',
      path: '/flexybox/pos/api/v1/salesorders$',
      kind: 'status',
      status: 503,
      times: 0,
    });
    const handle = await env.stack.giftflow.startGiftOrder({ provider: 'flexybox', orderRef, input: flexyboxOrder() });
    await waitFor(
      'the sales order to be retried',
      async () => (await env.stack.giftflow.getOrderStatus(handle.workflowId)).retrying,
    );
    await env.stack.giftflow.cancelOrder(handle.workflowId);

    const failure = (await handle.result().catch((e: WorkflowFailedError) => e)) as WorkflowFailedError;
    expect(failure.cause).toBeInstanceOf(CancelledFailure);
    const status = await env.stack.giftflow.getOrderStatus(handle.workflowId);
    expect(status).toMatchObject({
      state: 'cancelled',
      workflowStatus: 'CANCELLED',
      providerIds: { customerId: flexyboxIdsFor(orderRef).customerId },
    });
    expect(status.lastError).toMatch(/cancelled before commit; nothing was paid\. Created at Flexybox: CRM customer/);
    expect(status.lastError).toContain('(createSalesOrder) may also have landed');
    expect((await flexyboxLedgerFor(env.sandbox, orderRef)).payments).toHaveLength(0);
  });
});
