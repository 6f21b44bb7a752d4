/**
 * Each workflow's input, validated again by a local activity (the client did before start)
 * against its schema in the provider catalogue (contracts/catalogue.ts). It runs in the worker's
 * main thread, where the zod schemas are built once; in workflow code every order would build
 * them again (see contracts/shared.ts).
 */
import { ApplicationFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import { catalogueWorkflow } from '../contracts/catalogue';
import { FAILURE_TYPES } from '../contracts/shared';

/** The calling workflow's input, parsed by its schema (defaults applied), or a non-retryable InvalidInput failure. */
export async function validateWorkflowInput(input: unknown): Promise<unknown> {
  const { workflowType } = Context.current().info;
  const expected = workflowType === undefined ? undefined : catalogueWorkflow(workflowType);
  if (!expected)
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.invalidInput,
      message: `no input schema for workflow type ${workflowType}`,
      nonRetryable: true,
    });
  const parsed = expected.schema.safeParse(input);
  if (!parsed.success) {
    // One line per field, named by its path from the input, as the client's GiftOrderInputError names it.
    const fields = parsed.error.issues.map((issue) => `  ${['input', ...issue.path].join('.')}: ${issue.message}`);
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.invalidInput,
      message: `invalid ${expected.what}:\n${fields.join('\n')}`,
      nonRetryable: true,
    });
  }
  return parsed.data;
}
