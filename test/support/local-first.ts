/** Look-ups for tests of the local-first provider calls (workflows/local-first.ts). */
import type { WorkflowHandle } from '@temporalio/client';
import { request } from 'undici';
import { LOCAL_ACTIVITY_MARKER } from '../../activities/earlier-runs';
import type { TestSandbox } from './stack';

/** Whether the sandbox has taken up the fault on `path` (a request is held): the call is in flight. */
export async function faultHit(sandbox: TestSandbox, path: string): Promise<boolean> {
  const faults = (await (await request(`${sandbox.url}/__sandbox/faults`)).body.json()) as {
    path: string;
    hits: number;
  }[];
  return faults.some((fault) => fault.path === path && fault.hits > 0);
}

/**
 * How the order ran `activityType`: as regular activities (scheduled events) and as local ones
 * (core's local-activity markers, whose data names the activity type in plain JSON).
 */
export async function ranAs(handle: WorkflowHandle, activityType: string): Promise<{ regular: number; local: number }> {
  const events = (await handle.fetchHistory()).events ?? [];
  const regular = events.filter(
    (event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType,
  ).length;
  const local = events.filter((event) => {
    const marker = event.markerRecordedEventAttributes;
    const data = marker?.markerName === LOCAL_ACTIVITY_MARKER ? marker.details?.data?.payloads?.[0]?.data : undefined;
    return data && Buffer.from(data).toString('utf8').includes(`"activity_type":"${activityType}"`);
  }).length;
  return { regular, local };
}
