/**
 * Amounts at the provider boundary, exact (contracts/money.ts): what an activity sends is the
 * exact JSON number of the amount at the provider's scale, and what a provider answers must
 * be one too, so the workflow's comparisons (`balance !== giftCardValue`) compare decimals.
 * Sums are done on integer minor units, never on the numbers.
 */
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { exactAmount, fromMinorUnits, toMinorUnits, type AmountScale } from '../contracts/money';
import { FAILURE_TYPES } from '../contracts/shared';

/**
 * The amount as the provider gets it. An amount with more decimals than the scale can only
 * come from an order recorded before amounts were checked exactly: nothing is sent, and the
 * failure says which amount and why.
 */
export function providerAmount(amount: number, scale: AmountScale, where: string): number {
  try {
    return exactAmount(amount, scale, where);
  } catch (error) {
    throw ApplicationFailure.create({
      type: FAILURE_TYPES.invalidInput,
      message: `${(error as Error).message}; nothing was sent`,
      nonRetryable: true,
    });
  }
}

/**
 * A provider's amount in a response: a JSON number with at most the scale's decimals (a
 * provider that answers 99.69999999999999 answered outside its contract, which the HTTP layer
 * reports as such). Zero and negatives pass: balances can be 0.
 */
export function amountInResponse(scale: AmountScale) {
  return z.number().refine((value) => toMinorUnits(Math.abs(value), scale.decimals) !== undefined, {
    error: `must be an amount with at most ${scale.decimals} decimals (${scale.of} has ${scale.decimals})`,
  });
}

/** Σ quantity × amount, exactly (in minor units), as the exact JSON number at the scale. */
export function totalOf(lines: { quantity: number; amount: number }[], scale: AmountScale, where: string): number {
  const minor = lines.reduce(
    (sum, line) => sum + line.quantity * toMinorUnits(providerAmount(line.amount, scale, where), scale.decimals)!,
    0,
  );
  return fromMinorUnits(minor, scale.decimals);
}
