import { checkReconcileAnswer } from '../contracts/shared';

describe('checkReconcileAnswer', () => {
  it('returns a created answer with its fields trimmed, and a not-created answer as is', () => {
    expect(
      checkReconcileAnswer({ outcome: 'created', orderId: ' 42 ', paymentId: 'p1' }, ['orderId'], ['paymentId']),
    ).toEqual({ outcome: 'created', orderId: '42', paymentId: 'p1' });
    expect(checkReconcileAnswer({ outcome: 'created', authCode: 'A1' }, ['authCode'])).toEqual({
      outcome: 'created',
      authCode: 'A1',
    });
    expect(checkReconcileAnswer({ outcome: 'not-created' }, ['authCode'])).toEqual({ outcome: 'not-created' });
  });

  it('names every wrong field', () => {
    expect(() =>
      checkReconcileAnswer({ outcome: 'created', orderId: '  ', paymentId: 7 }, ['orderId'], ['paymentId']),
    ).toThrow('invalid reconcile answer: orderId: orderId must not be empty; paymentId: paymentId is required');
    expect(() =>
      checkReconcileAnswer({ outcome: 'created', authCode: 'A1', orderId: 'x', extra: 1 }, ['authCode']),
    ).toThrow('invalid reconcile answer: (answer): Unrecognized keys: "orderId", "extra"');
    expect(() => checkReconcileAnswer('created', ['authCode'])).toThrow(
      "invalid reconcile answer: outcome: outcome must be 'created' or 'not-created'",
    );
  });
});
