/** Runs the sandbox on SANDBOX_HOST:SANDBOX_PORT (default 127.0.0.1:4010) until SIGINT/SIGTERM. */
import type { AddressInfo } from 'node:net';
import { DEFAULT_SANDBOX_PORT } from '../config/sandbox-urls';
import { createSandboxServer } from './server';

async function main(): Promise<void> {
  const host = process.env.SANDBOX_HOST || '127.0.0.1';
  const portText = process.env.SANDBOX_PORT || DEFAULT_SANDBOX_PORT;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`SANDBOX_PORT must be a port number (0-65535), got '${portText}'`);
  }

  const app = createSandboxServer();
  await app.listen({ host, port });
  const { port: actualPort } = app.server.address() as AddressInfo;
  console.log(`sandbox listening on http://${host}:${actualPort}`);

  const stop = (): void => {
    app.close().then(
      () => (process.exitCode = 0),
      (error: unknown) => {
        console.error(error);
        process.exitCode = 1;
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
