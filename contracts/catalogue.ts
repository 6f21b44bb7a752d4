/**
 * The provider catalogue: for each provider, its name, its task queue and every workflow a backend
 * starts on it (workflow type, input schema, workflow ID convention). validate-input, the client,
 * the CLI and the schema generator derive from it; adding a workflow means adding one entry here.
 * It holds the zod schemas, so workflow code never imports it (workflows use the zod-free
 * `*-workflow.ts` modules and shared.ts). workers/main.ts checks at compile time that its workflow
 * types are exactly the ones workflows/index.ts exports.
 */
import type { ZodType } from 'zod';
import {
  CPEXTENDER_ISSUE_WORKFLOW_TYPE,
  CPEXTENDER_POOL_WORKFLOW_TYPE,
  CPEXTENDER_REDEEM_WORKFLOW_TYPE,
  cpExtenderIssueInputSchema,
  cpExtenderPoolInputSchema,
  cpExtenderRedeemInputSchema,
  poolWorkflowId,
  redemptionWorkflowId,
} from './cpextender';
import { FLEXYBOX_WORKFLOW_TYPE, flexyboxOrderInputSchema } from './flexybox';
import { PAYWAY_WORKFLOW_TYPE, paywayOrderInputSchema } from './payway';
import { orderWorkflowId, PROVIDER_NAMES, PROVIDERS, TASK_QUEUES, type Provider } from './shared';
import { SMARTGIFT_WORKFLOW_TYPE, smartGiftOrderInputSchema } from './smartgift';

/** One workflow a backend starts with a single input. */
export interface CatalogueEntry {
  workflowType: string;
  /** How error messages name its input. */
  what: string;
  /** Its JSON Schema's file name under schemas/, without `.schema.json`. */
  schemaName: string;
  schema: ZodType;
  /** The workflow ID for a caller's reference: the first layer of exactly-once. */
  workflowId: (ref: string) => string;
}

/** One provider: `order` is the workflow `startGiftOrder` starts; any other is started through the provider's own client. */
interface ProviderEntry {
  name: string;
  taskQueue: string;
  workflows: { order: CatalogueEntry } & Record<string, CatalogueEntry>;
}

export const CATALOGUE = {
  flexybox: {
    name: PROVIDER_NAMES.flexybox,
    taskQueue: TASK_QUEUES.flexybox,
    workflows: {
      order: {
        workflowType: FLEXYBOX_WORKFLOW_TYPE,
        what: 'Flexybox order input',
        schemaName: 'flexybox-order',
        schema: flexyboxOrderInputSchema,
        workflowId: (ref) => orderWorkflowId('flexybox', ref),
      },
    },
  },
  cpextender: {
    name: PROVIDER_NAMES.cpextender,
    taskQueue: TASK_QUEUES.cpextender,
    workflows: {
      order: {
        workflowType: CPEXTENDER_ISSUE_WORKFLOW_TYPE,
        what: 'CP Extender gift-card input',
        schemaName: 'cpextender-issue',
        schema: cpExtenderIssueInputSchema,
        workflowId: (ref) => orderWorkflowId('cpextender', ref),
      },
      redeem: {
        workflowType: CPEXTENDER_REDEEM_WORKFLOW_TYPE,
        what: 'CP Extender redemption input',
        schemaName: 'cpextender-redeem',
        schema: cpExtenderRedeemInputSchema,
        workflowId: redemptionWorkflowId,
      },
      pool: {
        workflowType: CPEXTENDER_POOL_WORKFLOW_TYPE,
        what: 'CP Extender pool input',
        schemaName: 'cpextender-pool',
        schema: cpExtenderPoolInputSchema,
        workflowId: poolWorkflowId,
      },
    },
  },
  smartgift: {
    name: PROVIDER_NAMES.smartgift,
    taskQueue: TASK_QUEUES.smartgift,
    workflows: {
      order: {
        workflowType: SMARTGIFT_WORKFLOW_TYPE,
        what: 'Smart Gift order input',
        schemaName: 'smartgift-order',
        schema: smartGiftOrderInputSchema,
        workflowId: (ref) => orderWorkflowId('smartgift', ref),
      },
    },
  },
  payway: {
    name: PROVIDER_NAMES.payway,
    taskQueue: TASK_QUEUES.payway,
    workflows: {
      order: {
        workflowType: PAYWAY_WORKFLOW_TYPE,
        what: 'Payway order input',
        schemaName: 'payway-order',
        schema: paywayOrderInputSchema,
        workflowId: (ref) => orderWorkflowId('payway', ref),
      },
    },
  },
} as const satisfies { [P in Provider]: ProviderEntry };

type WorkflowsOf<P extends Provider> = (typeof CATALOGUE)[P]['workflows'];
/** Every workflow type in the catalogue, as literal names. */
export type CatalogueWorkflowType = {
  [P in Provider]: WorkflowsOf<P>[keyof WorkflowsOf<P>] extends { workflowType: infer T } ? T : never;
}[Provider];

/** A catalogue entry with its provider and task queue. */
export interface CatalogueWorkflow extends CatalogueEntry {
  provider: Provider;
  taskQueue: string;
}

/** Every workflow in the catalogue, provider by provider. */
export const CATALOGUE_WORKFLOWS: readonly CatalogueWorkflow[] = PROVIDERS.flatMap((provider) =>
  Object.values<CatalogueEntry>(CATALOGUE[provider].workflows).map((entry) => ({
    ...entry,
    provider,
    taskQueue: CATALOGUE[provider].taskQueue,
  })),
);

/** The catalogue's entry for a workflow type, or undefined for a type it does not know. */
export function catalogueWorkflow(workflowType: string): CatalogueWorkflow | undefined {
  return CATALOGUE_WORKFLOWS.find((entry) => entry.workflowType === workflowType);
}
