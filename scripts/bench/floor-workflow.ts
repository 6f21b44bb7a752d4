/**
 * The benchmark's floor: a workflow that runs the same number of activities as a provider
 * workflow, each doing nothing, with the same activity options. What it costs is what
 * Temporal itself costs on this server and worker; giftflow cannot be faster than it.
 */
import { proxyActivities } from '@temporalio/workflow';
import { PROVIDER_CALL } from '../../workflows/activity-options';

const { noop } = proxyActivities<{ noop(): Promise<void> }>(PROVIDER_CALL);

export async function floorOrder(activityCount: number): Promise<void> {
  for (let i = 0; i < activityCount; i++) await noop();
}

// The new floor of the fast path (scripts/bench/local-floor-workflow.ts), registered by the same worker.
export { localFloorOrder } from './local-floor-workflow';
