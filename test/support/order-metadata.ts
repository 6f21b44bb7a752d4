/**
 * What other tools show of an order beyond its payloads: the codec server that the temporal CLI
 * and the Web UI use to read and write encrypted payloads, and the Web UI's metadata (static
 * summary, activity summaries, current details) read back through the client.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { LOCAL_ACTIVITY_MARKER } from '../../activities/earlier-runs';
import { createDataConverter } from '../../security/codec-keys';
import { createCodecServer } from '../../security/codec-server';

/** A codec server with the test keys on a free port; `allowedOrigins` are browser origins (the Web UI's). */
export async function startTestCodecServer(
  allowedOrigins: string[] = [],
): Promise<{ url: string; close: () => Promise<void> }> {
  const [codec] = (await createDataConverter()).payloadCodecs ?? [];
  if (!codec)
    throw new Error(
      'GIFTFLOW_CODEC_KEYS is not set: run the tests through jest, whose global setup sets the test keys',
    );
  const app = createCodecServer({ codec, allowedOrigins });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { url, close: () => app.close() };
}

/** A payload decoded by the client's codec and converter (as the Web UI does through the codec server). */
async function decode(client: Client, payload: Payload | null | undefined): Promise<unknown> {
  if (!payload) return undefined;
  let decoded = [payload];
  for (const codec of [...(client.options.dataConverter.payloadCodecs ?? [])].reverse())
    decoded = await codec.decode(decoded);
  return defaultPayloadConverter.fromPayload(decoded[0]);
}

/**
 * The summary of each activity, in history order, with its activity type: scheduled activities
 * and local activities (their markers carry the summary, and the type in the marker's data).
 */
export async function activitySummaries(
  client: Client,
  handle: WorkflowHandle,
): Promise<{ activityType: string; summary: unknown }[]> {
  const history = await handle.fetchHistory();
  const activities = (history.events ?? []).filter(
    (event) =>
      event.activityTaskScheduledEventAttributes ||
      event.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER,
  );
  return Promise.all(
    activities.map(async (event) => ({
      activityType:
        event.activityTaskScheduledEventAttributes?.activityType?.name ??
        (
          (await decode(client, event.markerRecordedEventAttributes!.details!.data.payloads![0])) as {
            activity_type: string;
          }
        ).activity_type,
      summary: await decode(client, event.userMetadata?.summary as Payload | undefined),
    })),
  );
}

/** The static summary the order was started with. */
export async function staticSummary(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).staticSummary();
}

/** The order's current details, as the Web UI reads them (the SDK's built-in metadata query). */
export async function currentDetails(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.query(workflowMetadataQuery)).currentDetails ?? undefined;
}

/** Names of the patches an order's history records (its version markers). */
export async function patchesIn(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .filter((event) => event.markerRecordedEventAttributes?.markerName === 'core_patch')
    .map(
      (event) =>
        JSON.parse(
          Buffer.from(event.markerRecordedEventAttributes!.details!['patch-data'].payloads![0].data!).toString(),
        ).id as string,
    );
}
