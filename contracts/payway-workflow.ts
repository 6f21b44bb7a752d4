/**
 * The part of the Payway contract that workflow code imports as values. Kept free of zod:
 * the SDK evaluates the workflow bundle's modules once per workflow, and building the zod
 * schemas cost every order ~11 ms of CPU and ~2 MB of worker memory. ./payway.ts re-exports it.
 */

/** Step name that seeds merchant_reference. Changing it re-keys every live order: never do it. */
export const PAYWAY_ID_STEPS = { merchantReference: 'payway/merchantReference' } as const;
