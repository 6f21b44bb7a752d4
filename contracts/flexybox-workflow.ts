/**
 * The part of the Flexybox contract that workflow code imports as values. Kept free of zod:
 * the SDK evaluates the workflow bundle's modules once per workflow, and building the zod
 * schemas cost every order ~11 ms of CPU and ~2 MB of worker memory. ./flexybox.ts re-exports it.
 */

/** Step names that seed the derived IDs. Changing one re-keys every live order: never do it. */
export const FLEXYBOX_ID_STEPS = {
  customerId: 'flexybox/customer',
  salesOrderId: 'flexybox/salesOrder',
  externalPaymentId: 'flexybox/externalPayment',
} as const;
