/** Values of the Smart Gift contract that workflow code imports; free of zod (see shared.ts). ./smartgift.ts re-exports them. */

/** Step names that seed the derived IDs. Changing one re-keys every live order: never do it. */
export const SMARTGIFT_ID_STEPS = {
  orderId: 'smartgift/order',
  voucherCode: (itemIndex: number) => `smartgift/voucher/${itemIndex}`,
} as const;
