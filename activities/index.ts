/** Every provider's activities, created from one configuration for the worker to register. */
import type { GiftflowConfig } from '../config';
import { createFlexyboxActivities } from './flexybox';

export function createActivities(config: GiftflowConfig) {
  return { ...createFlexyboxActivities(config) };
}

export type GiftflowActivities = ReturnType<typeof createActivities>;
