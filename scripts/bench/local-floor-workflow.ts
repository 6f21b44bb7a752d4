/**
 * The new floor (issue 14): the fast path's shape with empty activities, `local` local
 * activities then `regular` regular ones, with the same options as the fast path's calls.
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import { PROVIDER_CALL, PROVIDER_CALL_LOCAL_FIRST } from '../../workflows/activity-options';

type Noop = { noop(): Promise<void> };
const local = proxyLocalActivities<Noop>(PROVIDER_CALL_LOCAL_FIRST);
const regular = proxyActivities<Noop>(PROVIDER_CALL);

export async function localFloorOrder(shape: { local: number; regular: number }): Promise<void> {
  for (let i = 0; i < shape.local; i++) await local.noop();
  for (let i = 0; i < shape.regular; i++) await regular.noop();
}
