/**
 * Each workflow's input, validated again by a local activity (the client did before start).
 * It runs in the worker's main thread, where the zod schemas are built once; in workflow code
 * every order would build them again (see contracts/shared.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { ZodType } from 'zod';
import {
  CPEXTENDER_ISSUE_WORKFLOW_TYPE,
  CPEXTENDER_POOL_WORKFLOW_TYPE,
  CPEXTENDER_REDEEM_WORKFLOW_TYPE,
  cpExtenderIssueInputSchema,
  cpExtenderPoolInputSchema,
  cpExtenderRedeemInputSchema,
} from '../contracts/cpextender';
import { FLEXYBOX_WORKFLOW_TYPE, flexyboxOrderInputSchema } from '../contracts/flexybox';
import { PAYWAY_WORKFLOW_TYPE, paywayOrderInputSchema } from '../contracts/payway';
import { FAILURE_TYPES } from '../contracts/shared';
import { SMARTGIFT_WORKFLOW_TYPE, smartGiftOrderInputSchema } from '../contracts/smartgift';

/** Per workflow type: its input schema and how error messages name the input. */
const WORKFLOW_INPUTS: Record<string, { schema: ZodType; what: string }> = {
  [FLEXYBOX_WORKFLOW_TYPE]: { schema: flexyboxOrderInputSchema, what: 'Flexybox order input' },
  [CPEXTENDER_ISSUE_WORKFLOW_TYPE]: { schema: cpExtenderIssueInputSchema, what: 'CP Extender gift-card input' },
  [CPEXTENDER_POOL_WORKFLOW_TYPE]: { schema: cpExtenderPoolInputSchema, what: 'CP Extender pool input' },
  [CPEXTENDER_REDEEM_WORKFLOW_TYPE]: { schema: cpExtenderRedeemInputSchema, what: 'CP Extender redemption input' },
  [PAYWAY_WORKFLOW_TYPE]: { schema: paywayOrderInputSchema, what: 'Payway order input' },
  [SMARTGIFT_WORKFLOW_TYPE]: { schema: smartGiftOrderInputSchema, what: 'Smart Gift order input' },
};

/** The calling workflow's input, parsed by its schema (defaults applied), or a non-retryable InvalidInput failure. */
export async function validateWorkflowInput(input: unknown): Promise<unknown> {
  const { workflowType } = Context.current().info;
  const expected = workflowType === undefined ? undefined : WORKFLOW_INPUTS[workflowType];
  if (!expected) throw ApplicationFailure.create({ type: FAILURE_TYPES.invalidInput, message: `no input schema for workflow type ${workflowType}`, nonRetryable: true });
  const parsed = expected.schema.safeParse(input);
  if (!parsed.success) {
    // One line per field, named by its path from the input, as the client's GiftOrderInputError names it.
    const fields = parsed.error.issues.map((issue) => `  ${['input', ...issue.path].join('.')}: ${issue.message}`);
    throw ApplicationFailure.create({ type: FAILURE_TYPES.invalidInput, message: `invalid ${expected.what}:\n${fields.join('\n')}`, nonRetryable: true });
  }
  return parsed.data;
}
