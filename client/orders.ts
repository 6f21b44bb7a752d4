/**
 * The catalogue of order types a backend can start: for each provider, its workflow type,
 * task queue and input schema. Adding a provider means adding one entry here.
 */
import type { z } from 'zod';
import {
  CPEXTENDER_ISSUE_WORKFLOW_TYPE,
  CPEXTENDER_TASK_QUEUE,
  cpExtenderIssueInputSchema,
  type CpExtenderIssueInput,
  type CpExtenderIssueResult,
} from '../contracts/cpextender';
import {
  FLEXYBOX_TASK_QUEUE,
  FLEXYBOX_WORKFLOW_TYPE,
  flexyboxOrderInputSchema,
  type FlexyboxOrderInput,
  type FlexyboxOrderResult,
} from '../contracts/flexybox';
import {
  PAYWAY_TASK_QUEUE,
  PAYWAY_WORKFLOW_TYPE,
  paywayOrderInputSchema,
  type PaywayOrderInput,
  type PaywayOrderResult,
} from '../contracts/payway';
import {
  SMARTGIFT_TASK_QUEUE,
  SMARTGIFT_WORKFLOW_TYPE,
  smartGiftOrderInputSchema,
  type SmartGiftOrderInput,
  type SmartGiftOrderResult,
} from '../contracts/smartgift';

/** Input and result types per provider, for a typed `startGiftOrder`. */
export interface GiftOrderTypes {
  flexybox: { input: FlexyboxOrderInput; result: FlexyboxOrderResult };
  cpextender: { input: CpExtenderIssueInput; result: CpExtenderIssueResult };
  payway: { input: PaywayOrderInput; result: PaywayOrderResult };
  smartgift: { input: SmartGiftOrderInput; result: SmartGiftOrderResult };
}

export type OrderProvider = keyof GiftOrderTypes;

export const ORDER_TYPES: { [P in OrderProvider]: { workflowType: string; taskQueue: string; schema: z.ZodType } } = {
  flexybox: { workflowType: FLEXYBOX_WORKFLOW_TYPE, taskQueue: FLEXYBOX_TASK_QUEUE, schema: flexyboxOrderInputSchema },
  cpextender: { workflowType: CPEXTENDER_ISSUE_WORKFLOW_TYPE, taskQueue: CPEXTENDER_TASK_QUEUE, schema: cpExtenderIssueInputSchema },
  payway: { workflowType: PAYWAY_WORKFLOW_TYPE, taskQueue: PAYWAY_TASK_QUEUE, schema: paywayOrderInputSchema },
  smartgift: { workflowType: SMARTGIFT_WORKFLOW_TYPE, taskQueue: SMARTGIFT_TASK_QUEUE, schema: smartGiftOrderInputSchema },
};

export function isOrderProvider(name: string): name is OrderProvider {
  return Object.prototype.hasOwnProperty.call(ORDER_TYPES, name);
}
