/**
 * What the provider-specific client modules (cpextender.ts, retry.ts) need from GiftflowClient:
 * its Temporal client and its start-once. An interface apart from index.ts, so they do not
 * import the module that imports them.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Provider } from '../contracts/shared';
import { GiftOrderInputError } from './errors';

/** A caller's reference (order, redemption, pool): it becomes part of the workflow ID. */
export const ORDER_REF = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Throws GiftOrderInputError naming `field` unless `ref` is a valid caller's reference. */
export function checkRef(provider: string, field: string, ref: unknown): asserts ref is string {
  if (typeof ref !== 'string' || !ORDER_REF.test(ref)) {
    throw new GiftOrderInputError(provider, [
      { field, message: 'must be 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)' },
    ]);
  }
}

/** One workflow to start under a caller's reference (see GiftflowClient.startOnce). */
export interface StartOnceRequest {
  workflowType: string;
  taskQueue: string;
  workflowId: string;
  provider: Provider;
  ref: string;
  input: unknown;
  callerInput: unknown;
  /** The Web UI's one line for it (no personal data); by default the provider and the reference. */
  summary?: string;
}

/** The part of GiftflowClient the provider-specific client modules use. */
export interface OrderStarter {
  readonly temporal: Client;
  startOnce(start: StartOnceRequest): Promise<WorkflowHandle>;
}
