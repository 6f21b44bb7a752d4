import fs from 'node:fs';
import path from 'node:path';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import * as workflows from '../workflows';
import { generateSchemaFiles, SCHEMAS_DIR, WORKFLOW_INPUTS, type WorkflowInput } from '../scripts/generate-schemas';
import { cpExtenderIssue } from './support/cpextender';
import { flexyboxOrder } from './support/flexybox';
import { paywayOrder } from './support/payway';
import { smartGiftOrder } from './support/smartgift';

const EXAMPLES_DIR = path.resolve(__dirname, '..', 'examples');
/** Which schema each example input under examples/ is for. */
const EXAMPLE_SCHEMAS: Record<string, string> = {
  'flexybox-order.json': 'flexybox-order',
  'cpextender-card.json': 'cpextender-issue',
  'payway-order.json': 'payway-order',
  'smartgift-order.json': 'smartgift-order',
};
/** Inputs the test suites place orders with: each must be valid under its schema too. */
const TEST_INPUTS: Record<string, unknown> = {
  'flexybox-order': flexyboxOrder(),
  'cpextender-issue': cpExtenderIssue(),
  'payway-order': paywayOrder(),
  'smartgift-order': smartGiftOrder(),
  'cpextender-redeem': { giftCardId: 'GC-1', amount: 25.5 },
  'cpextender-pool': { count: 10, agency: 'Hotel Nordlys' },
};

const committed = (file: string) => fs.readFileSync(path.join(SCHEMAS_DIR, file), 'utf8');
const inputNamed = (name: string): WorkflowInput => WORKFLOW_INPUTS.find((input) => input.name === name)!;

/** A strict draft 2020-12 validator per committed schema: an unknown keyword fails the compile. */
const validators = new Map<string, ValidateFunction>();
function validatorFor(name: string): ValidateFunction {
  if (!validators.has(name)) {
    // Formats are not checked (ajv-formats is not a dependency); every `format` zod emits comes with a `pattern` that is.
    // Union types are standard JSON Schema: amounts are a number or a decimal string.
    const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true, validateFormats: false });
    validators.set(name, ajv.compile(JSON.parse(committed(`${name}.schema.json`))));
  }
  return validators.get(name)!;
}

describe('input JSON Schemas under schemas/', () => {
  it('are current: the committed files are exactly what scripts/generate-schemas.ts generates', () => {
    const generated = generateSchemaFiles();
    const onDisk = fs
      .readdirSync(SCHEMAS_DIR)
      .filter((file) => file.endsWith('.schema.json'))
      .sort();
    expect(onDisk).toEqual([...generated.keys()].sort());
    for (const [file, text] of generated) {
      // One file at a time, so a failure names the stale schema; the fix is the generator, not an edit.
      expect({ file, text: committed(file) }).toEqual({ file, text });
    }
  });

  it('cover every workflow type the worker runs, each naming its task queue and workflow ID', () => {
    for (const input of WORKFLOW_INPUTS) {
      const schema = JSON.parse(committed(`${input.name}.schema.json`));
      expect(schema.title).toBe(`${input.workflowType} input`);
      expect(schema.description).toContain(`task queue ${input.taskQueue}`);
      expect(schema.description).toContain(`workflow ID ${input.workflowId}`);
    }
    // Every workflow the worker runs (its bundle's entry point) takes an input a backend sends.
    expect(WORKFLOW_INPUTS.map((input) => input.workflowType).sort()).toEqual(Object.keys(workflows).sort());
  });

  it.each(Object.entries(EXAMPLE_SCHEMAS))('accept examples/%s, as zod does', (example, name) => {
    const input = JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, example), 'utf8'));
    const validate = validatorFor(name);
    expect({ example, valid: validate(input), errors: validate.errors ?? null }).toEqual({
      example,
      valid: true,
      errors: null,
    });
    expect(inputNamed(name).schema.safeParse(input).success).toBe(true);
  });

  it('have a schema for every example under examples/', () => {
    const examples = fs.readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.json'));
    expect(examples.sort()).toEqual(Object.keys(EXAMPLE_SCHEMAS).sort());
  });

  it.each(Object.entries(TEST_INPUTS))('accept the %s input the test suites use', (name, input) => {
    expect(inputNamed(name).schema.safeParse(input).success).toBe(true);
    const validate = validatorFor(name);
    expect({ name, valid: validate(input), errors: validate.errors ?? null }).toEqual({
      name,
      valid: true,
      errors: null,
    });
  });

  it.each([
    [
      'a missing required field',
      (order: Record<string, unknown>) => delete order.departmentId,
      "must have required property 'departmentId'",
    ],
    [
      'an unknown field',
      (order: Record<string, unknown>) => (order.giftMessage = 'hi'),
      'must NOT have additional properties',
    ],
    [
      'a quantity that is not a whole number',
      (order: any) => (order.certificates[0].quantity = 1.5),
      'must be integer',
    ],
    [
      'a price that is neither a number nor a string',
      (order: any) => (order.certificates[0].price = true),
      'must be number,string',
    ],
    ['no certificate lines', (order: any) => (order.certificates = []), 'must NOT have fewer than 1 items'],
    [
      'a lower-case country code',
      (order: any) => (order.customer.countryCode = 'dk'),
      'must match pattern "^[A-Z]{2}$"',
    ],
  ])('refuse a Flexybox order with %s, as zod does', (_what, spoil, message) => {
    const order = JSON.parse(JSON.stringify(flexyboxOrder())) as Record<string, unknown>;
    spoil(order);
    const validate = validatorFor('flexybox-order');
    expect(validate(order)).toBe(false);
    expect(validate.errors!.map((error) => error.message)).toContain(message);
    expect(inputNamed('flexybox-order').schema.safeParse(order).success).toBe(false);
  });
});
