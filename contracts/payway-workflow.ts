/** Values of the Payway contract that workflow code imports; free of zod (see shared.ts). ./payway.ts re-exports them. */

/** Step name that seeds merchant_reference. Changing it re-keys every live order: never do it. */
export const PAYWAY_ID_STEPS = { merchantReference: 'payway/merchantReference' } as const;
