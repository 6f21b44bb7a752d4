/** Every provider's activities, created from one configuration for the worker to register. */
import type { GiftflowConfig } from '../config';
import { createCpExtenderActivities } from './cpextender';
import { createFlexyboxActivities } from './flexybox';
import { createPaywayActivities } from './payway';
import { createSmartGiftActivities } from './smartgift';
import { validateWorkflowInput } from './validate-input';

export function createActivities(config: GiftflowConfig) {
  return {
    ...createFlexyboxActivities(config),
    ...createPaywayActivities(config),
    ...createCpExtenderActivities(config),
    ...createSmartGiftActivities(config),
    validateWorkflowInput,
  };
}

export type GiftflowActivities = ReturnType<typeof createActivities>;
