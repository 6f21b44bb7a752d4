/**
 * Writes schemas/<name>.schema.json: the JSON Schema (draft 2020-12) of each workflow's input,
 * generated from the zod schemas the client and the workers validate with, for backends that
 * start orders from another language (docs/other-languages.md). test/schemas.test.ts fails
 * when a committed file differs from what this generates: re-run it after changing a schema.
 *
 *   node --require tsx/cjs scripts/generate-schemas.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CATALOGUE_WORKFLOWS } from '../contracts/catalogue';

export const SCHEMAS_DIR = path.resolve(__dirname, '..', 'schemas');

/** One workflow input a backend may send: where it goes, under which ID, and its zod schema. */
export interface WorkflowInput {
  /** File name under schemas/ without `.schema.json`. */
  name: string;
  workflowType: string;
  taskQueue: string;
  /** The workflow ID for a caller's reference `<ref>`. */
  workflowId: string;
  schema: z.ZodType;
}

/** Every workflow a backend starts with an input, from the provider catalogue. */
export const WORKFLOW_INPUTS: WorkflowInput[] = CATALOGUE_WORKFLOWS.map((entry) => ({
  name: entry.schemaName,
  workflowType: entry.workflowType,
  taskQueue: entry.taskQueue,
  workflowId: entry.workflowId('<ref>'),
  schema: entry.schema,
}));

/**
 * The JSON Schema of one input, as the caller writes it (`io: 'input'`: fields with a default
 * are optional and carry it). Checks zod cannot express in JSON Schema (refinements such as the
 * currency list, the two-decimal rule, invisible characters) stay with the worker, which
 * validates every input again and fails the order with InvalidInput naming the field.
 */
export function jsonSchemaOf(input: WorkflowInput): Record<string, unknown> {
  const generated = z.toJSONSchema(input.schema, { io: 'input', unrepresentable: 'throw' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: `${input.workflowType} input`,
    description: `The single argument of workflow type ${input.workflowType} on task queue ${input.taskQueue}, started with workflow ID ${input.workflowId}. Generated from the zod schema by scripts/generate-schemas.ts; do not edit.`,
    ...rest,
  };
}

/** File name → file text of every schema, as committed. */
export function generateSchemaFiles(): Map<string, string> {
  return new Map(
    WORKFLOW_INPUTS.map((input) => [`${input.name}.schema.json`, `${JSON.stringify(jsonSchemaOf(input), null, 2)}\n`]),
  );
}

if (require.main === module) {
  fs.mkdirSync(SCHEMAS_DIR, { recursive: true });
  const files = generateSchemaFiles();
  const stale = fs.readdirSync(SCHEMAS_DIR).filter((file) => file.endsWith('.schema.json') && !files.has(file));
  for (const file of stale) fs.rmSync(path.join(SCHEMAS_DIR, file));
  for (const [file, text] of files) fs.writeFileSync(path.join(SCHEMAS_DIR, file), text);
  console.log(
    `wrote ${files.size} schemas to ${path.relative(process.cwd(), SCHEMAS_DIR) || '.'}${stale.length ? `; removed ${stale.join(', ')}` : ''}`,
  );
}
