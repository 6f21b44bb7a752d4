/**
 * Where a process's Temporal address came from, and the one message every giftflow process
 * (worker, CLI, npm start) prints when nothing answers there: the address, the setting that
 * chose it and what to do, instead of the SDK's `tonic::transport::Error(...)` or "Failed to
 * connect before the deadline". No imports from ./index, which re-exports this file.
 */

/** The local dev server's address, where `npm start` runs one: the default without any setting. */
export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

/**
 * `@temporalio/envconfig` takes the address from TEMPORAL_ADDRESS, else from a profile
 * (TEMPORAL_PROFILE, default `default`) in the TOML file TEMPORAL_CONFIG_FILE or the user's
 * `temporalio/temporal.toml`; this names which, so the operator edits the right thing.
 * `fromProfile` is whether the profile set an address.
 */
export function temporalAddressSource(env: NodeJS.ProcessEnv, fromProfile: boolean): string {
  if (env.TEMPORAL_ADDRESS !== undefined) return 'TEMPORAL_ADDRESS';
  if (!fromProfile) return 'the default, as TEMPORAL_ADDRESS is not set';
  const file = env.TEMPORAL_CONFIG_FILE ?? 'the temporalio/temporal.toml file in your config directory';
  return `profile '${env.TEMPORAL_PROFILE ?? 'default'}' in ${file}`;
}

/** What to do about an unreachable address, by where it came from. */
function fix(source: string): string {
  if (source === 'TEMPORAL_ADDRESS') return 'start that server or correct TEMPORAL_ADDRESS';
  if (source.startsWith('profile '))
    return 'start that server, correct the profile, or set TEMPORAL_ADDRESS to override it';
  return "start a local one with 'npm start', or set TEMPORAL_ADDRESS to your server";
}

/**
 * The cause in a few words. The worker's (Rust) connection reports e.g.
 * `tonic::transport::Error(Transport, ConnectError(... message: "Connection refused" ...))`;
 * the innermost quoted message is the part a person can act on.
 */
function connectionFailureReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const details = [...text.matchAll(/(?:message|error): "([^"]+)"/g)].map((match) => match[1]);
  const reason = details.at(-1) ?? text.split('\n')[0];
  return reason.length > 200 ? `${reason.slice(0, 200)}...` : reason;
}

/** Nothing that speaks Temporal's API answered at the configured address. */
export class TemporalUnreachableError extends Error {
  override name = 'TemporalUnreachableError';
  constructor(
    readonly address: string,
    /** Where the address came from, see temporalAddressSource. */
    readonly source: string,
    cause: unknown,
  ) {
    super(`cannot reach Temporal at ${address} (${source}): ${connectionFailureReason(cause)}; ${fix(source)}`, {
      cause,
    });
  }
}

/**
 * Runs `connect` (Connection.connect, NativeConnection.connect, ...) and turns its failure
 * into TemporalUnreachableError, so every process words it the same way.
 */
export async function reachTemporal<T>(
  temporal: { connectionOptions: { address: string }; addressSource: string },
  connect: () => Promise<T>,
): Promise<T> {
  try {
    return await connect();
  } catch (error) {
    throw new TemporalUnreachableError(temporal.connectionOptions.address, temporal.addressSource, error);
  }
}
