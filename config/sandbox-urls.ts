/**
 * Where each provider variable points when a provider is played by the sandbox (sandbox/server.ts
 * mounts every provider under its own prefix). The one place for these paths: the configuration's
 * defaults, the tests' stack, and the chaos and bench harnesses derive from it.
 */

/** The sandbox's port when SANDBOX_PORT is unset (sandbox/main.ts, `npm start`). */
export const DEFAULT_SANDBOX_PORT = '4010';
/** The sandbox `npm start` runs, which the configuration points at by default. */
export const DEFAULT_SANDBOX_URL = `http://127.0.0.1:${DEFAULT_SANDBOX_PORT}`;

/** The provider URL variables for a sandbox listening at `base` (no trailing slash). */
export function sandboxUrls(base: string) {
  return {
    FLEXYBOX_CRM_URL: `${base}/flexybox/crm/api/v2`,
    FLEXYBOX_POS_URL: `${base}/flexybox/pos/api/v1`,
    FLEXYBOX_API_URL: `${base}/flexybox/api/api/v2`,
    SMARTGIFT_URL: `${base}/smartgift`,
    PAYWAY_URL: `${base}/payway`,
    CPEXTENDER_URL: `${base}/cpextender`,
  };
}
