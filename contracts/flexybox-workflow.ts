/** Values of the Flexybox contract that workflow code imports; free of zod (see shared.ts). ./flexybox.ts re-exports them. */

/** Step names that seed the derived IDs. Changing one re-keys every live order: never do it. */
export const FLEXYBOX_ID_STEPS = {
  customerId: 'flexybox/customer',
  salesOrderId: 'flexybox/salesOrder',
  externalPaymentId: 'flexybox/externalPayment',
} as const;
