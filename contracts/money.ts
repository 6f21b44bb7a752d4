/**
 * Exact money: amounts as integer minor units (øre, cents, fils) by the currency's ISO 4217
 * exponent. Plain code, free of zod and Node APIs, so client, activities, sandbox and (if it
 * ever needs to) workflow code can share it.
 *
 * Why amounts still travel as JSON numbers between client, workflow and provider: every
 * provider documents its amounts as JSON numbers in the major unit (Flexybox `"Price": 100`,
 * CP Extender `"RequestedAmount": 40.00`, Smart Gift `"price": 100.00`), callers send JSON
 * numbers, and recorded histories hold them. A number is exact here because giftflow only
 * ever makes one as `minor / 10^exponent`: IEEE division is correctly rounded, so that is the
 * double nearest to the decimal, JSON.stringify prints exactly the decimal (no
 * 0.30000000000000004), and two such numbers are `===` exactly when their decimals are equal
 * (amounts are capped far below 15 significant digits, where distinct decimals stay distinct
 * doubles). Sums and differences are never done on those numbers, only on minor units.
 */

/**
 * ISO 4217 exponents other than 2, for the active currencies contracts/input-text.ts accepts
 * (the funds codes with 4, CLF and UYW, are not accepted there). Every other code has 2.
 */
const EXPONENTS: Readonly<Record<string, number>> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

/** The most decimals any accepted currency has (KWD, BHD, ...). */
export const MAX_EXPONENT = 3;

/** Decimals of `currency` by ISO 4217 (JPY 0, DKK/EUR/NOK 2, KWD/BHD 3). */
export function currencyExponent(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

/** How many decimals an amount may have, and whose rule that is (for messages: "DKK has 2"). */
export interface AmountScale {
  decimals: number;
  /** The currency code, or the provider's currency as its docs show it, e.g. "CP Extender's currency". */
  of: string;
}

export const currencyScale = (currency: string): AmountScale => ({
  decimals: currencyExponent(currency),
  of: currency,
});

/**
 * Providers whose requests carry no currency. Their docs write every amount with two decimals
 * and name no currency: CP Extender's Giftcard page (`"Balance": 100.00`, `"RequestedAmount":
 * 40.00`, `"OpenAuthorizations": 0.0`), Smart Gift's /pos-sale page (`price: float?`, example
 * `100.00`; a UK service, api.smart-gift.co.uk). So their amounts have at most two decimals.
 */
export const PROVIDER_SCALES = {
  cpextender: { decimals: 2, of: "CP Extender's currency" },
  smartgift: { decimals: 2, of: "Smart Gift's currency" },
} as const satisfies Record<string, AmountScale>;

/** A plain decimal: digits, optionally a point and more digits. No sign, spaces, hex or exponent. */
const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * The amount's whole and fractional digits (trailing zeros dropped: "12.50" and 12.5 have the
 * fraction "5"), read from a decimal string or from a number's shortest decimal form, which
 * is what JSON.stringify prints: 0.1 + 0.2 reads as 0.30000000000000004, 1e-7 as 0.0000001.
 * Undefined for anything else (negative, NaN, "1e3", " 12", "0x10").
 */
function digitsOf(amount: number | string): { whole: string; fraction: string } | undefined {
  let text: string;
  if (typeof amount === 'string') text = amount;
  else if (!Number.isFinite(amount) || amount < 0) return undefined;
  else {
    text = String(amount);
    // Below 1e-6 the shortest form is exponential: spell it out.
    const tiny = /^(\d)(?:\.(\d+))?e-(\d+)$/.exec(text);
    if (tiny) text = `0.${'0'.repeat(Number(tiny[3]) - 1)}${tiny[1]}${tiny[2] ?? ''}`;
  }
  const match = DECIMAL.exec(text);
  return match ? { whole: match[1], fraction: (match[2] ?? '').replace(/0+$/, '') } : undefined;
}

/** True when `amount` is a plain non-negative decimal (a finite number, or a string such as "12.50"). */
export const isDecimal = (amount: number | string): boolean => digitsOf(amount) !== undefined;

/** Decimals in the amount's shortest form ("12.50" and 12.5 have 1); undefined when it is not a plain decimal. */
export function decimalsOf(amount: number | string): number | undefined {
  return digitsOf(amount)?.fraction.length;
}

/**
 * The amount as integer minor units at `decimals`. Undefined when it is not a plain decimal,
 * has more decimals than `decimals`, or is beyond safe integers.
 */
export function toMinorUnits(amount: number | string, decimals: number): number | undefined {
  const digits = digitsOf(amount);
  if (!digits || digits.fraction.length > decimals) return undefined;
  const minor = Number(`${digits.whole}${digits.fraction.padEnd(decimals, '0')}`);
  return Number.isSafeInteger(minor) ? minor : undefined;
}

/** The JSON number of `minor` units at `decimals`: the double nearest to the decimal (see the top of this file). */
export function fromMinorUnits(minor: number, decimals: number): number {
  return minor / 10 ** decimals;
}

/** The amount with exactly `decimals` decimals, e.g. "100.00", "1500", "1.250"; for messages and display. */
export function formatMinorUnits(minor: number, decimals: number): string {
  const digits = String(Math.abs(minor)).padStart(decimals + 1, '0');
  const whole = decimals ? `${digits.slice(0, -decimals)}.${digits.slice(-decimals)}` : digits;
  return minor < 0 ? `-${whole}` : whole;
}

/**
 * The amount as the exact JSON number a provider gets, at `scale`; throws when it has more
 * decimals than the scale allows. Activities call it on every amount they send, so a value
 * that is not exact (say an order recorded before amounts were checked) is never sent.
 */
export function exactAmount(amount: number | string, scale: AmountScale, field: string): number {
  const minor = toMinorUnits(amount, scale.decimals);
  if (minor === undefined) throw new RangeError(`${amountProblem(field, scale)}; got ${JSON.stringify(amount)}`);
  return fromMinorUnits(minor, scale.decimals);
}

/** The one message for an amount with too many decimals: names the field, the currency (or provider) and its decimals. */
export function amountProblem(field: string, scale: AmountScale): string {
  return `${field} must have at most ${scale.decimals} decimals (${scale.of} has ${scale.decimals})`;
}
