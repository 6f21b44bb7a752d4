/**
 * The catalogue of order types a backend can start: for each provider, its workflow type,
 * task queue and input schema. Adding a provider means adding one entry here.
 */
import type { z } from 'zod';
import {
  FLEXYBOX_TASK_QUEUE,
  FLEXYBOX_WORKFLOW_TYPE,
  flexyboxOrderInputSchema,
  type FlexyboxOrderInput,
  type FlexyboxOrderResult,
} from '../contracts/flexybox';

/** Input and result types per provider, for a typed `startGiftOrder`. */
export interface GiftOrderTypes {
  flexybox: { input: FlexyboxOrderInput; result: FlexyboxOrderResult };
}

export type OrderProvider = keyof GiftOrderTypes;

export const ORDER_TYPES: { [P in OrderProvider]: { workflowType: string; taskQueue: string; schema: z.ZodType } } = {
  flexybox: { workflowType: FLEXYBOX_WORKFLOW_TYPE, taskQueue: FLEXYBOX_TASK_QUEUE, schema: flexyboxOrderInputSchema },
};

export function isOrderProvider(name: string): name is OrderProvider {
  return Object.prototype.hasOwnProperty.call(ORDER_TYPES, name);
}
