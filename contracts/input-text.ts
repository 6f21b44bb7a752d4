/**
 * Bounds shared by the input contracts (flexybox.ts, cpextender.ts, payway.ts, smartgift.ts):
 * text fields, e-mail addresses and currencies. It uses zod, so only those zod contract modules
 * may import it; workflow code imports the zod-free *-workflow.ts modules and shared.ts instead
 * (see shared.ts), and must not reach this one.
 *
 * Why: every text field ends up in a provider's records, on a printed voucher or in an e-mail.
 * Invisible characters make two values that look alike differ (a name that no one can find
 * again, a code that cannot be typed), control characters break the formats they are copied
 * into, and an unbounded field lets one caller send megabytes through Temporal's history.
 */
import { z } from 'zod';
import { amountProblem, currencyScale, decimalsOf, isDecimal, type AmountScale } from './money';

/**
 * Default caps where a provider documents none (Payway's documented sizes are applied in
 * payway.ts). They are generous for real data and small enough to keep histories small.
 */
export const TEXT_CAPS = {
  /** Names of people, places, departments, types. */
  name: 200,
  /** Free text printed or sent to someone: a voucher's message. */
  message: 500,
  /** Identifiers and codes. */
  id: 100,
  /** Postal codes: the longest in use are about 10 characters. */
  postcode: 20,
  /** Phone numbers, with spaces and a + prefix. */
  phone: 50,
} as const;

/**
 * Control characters (Unicode Cc, which includes tab and newline), format characters (Cf:
 * U+200B-U+200F zero-widths and direction marks, U+2060 word joiner, U+FEFF BOM, soft hyphen,
 * bidi overrides) and the line/paragraph separators U+2028/U+2029. The ranges are spelled out
 * beside \p{Cf} so the intent survives a reader who does not know the category. A consequence:
 * emoji built with a zero-width joiner (U+200D) are refused too.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}\u200B-\u200F\u2028\u2029\u2060-\u2064\uFEFF]/u;

/** True when `value` holds a control or invisible character (see INVISIBLE). */
export function hasInvisibleCharacters(value: string): boolean {
  return INVISIBLE.test(value);
}

/** Length in characters as a reader counts them (code points), not UTF-16 units, after NFC. */
const length = (value: string) => [...value].length;

export interface TextOptions {
  /** The most characters the field may hold (after trimming and NFC). */
  max: number;
  /** Line breaks allowed (a gift message may have several lines); every other control character is still refused. */
  multiline?: boolean;
}

/**
 * A free-text field without trimming and with empty allowed: for the optional fields that were
 * passed through unchanged before the bounds existed, so their parsed output stays as it was.
 * Still NFC-normalised, refused when holding invisible characters, and capped.
 */
export function rawText(field: string, { max, multiline = false }: TextOptions) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) })
    .normalize('NFC')
    .refine(
      (value) => !INVISIBLE.test(multiline ? value.replace(/\r?\n/g, '') : value),
      `${field} must not contain control or invisible characters (such as zero-width spaces)${multiline ? '; line breaks are allowed' : ''}`,
    )
    .refine((value) => length(value) <= max, `${field} must be at most ${max} characters`)
    .meta({ maxLength: max });
}

/**
 * A required text field: trimmed, NFC-normalised (so the same name typed on two keyboards is
 * one value), refused when empty, when holding control or invisible characters, or when longer
 * than `max`. Every message names the field.
 */
export function text(field: string, options: TextOptions) {
  return z
    .string({ error: (issue) => (issue.input === undefined ? `${field} is required` : `${field} must be a string`) })
    .trim()
    .normalize('NFC')
    .refine(
      (value) => !INVISIBLE.test(value),
      `${field} must not contain control or invisible characters (such as zero-width spaces)`,
    )
    .min(1, `${field} must not be empty`)
    .refine((value) => length(value) <= options.max, `${field} must be at most ${options.max} characters`)
    .meta({ maxLength: options.max });
}

/** RFC 5321's limits: 64 characters before the @, 254 for the whole address. */
export const EMAIL_MAX = 254;

/**
 * An e-mail address, internationalised (RFC 6531: 'jørgen@exämple.dk', '用户@例子.广告') as
 * well as ASCII. Accepts everything zod's default e-mail check accepted, so addresses valid
 * before stay valid: a local part without spaces, quotes, @ or the specials of RFC 5322, not
 * starting or ending with a dot nor holding two in a row; a domain of letter/digit/mark labels
 * (hyphens inside) with at least one dot and a top-level label of letters or punycode.
 */
const EMAIL =
  /^(?!\.)(?!.*\.\.)[^\s@"(),:;<>[\]\\]{0,63}[^\s@"(),:;<>[\]\\.]@(?:[\p{L}\p{N}\p{M}][\p{L}\p{N}\p{M}-]*\.)+(?:[\p{L}\p{M}]{2,}|xn--[a-z\d-]+)$/iu;

export function isEmail(value: string): boolean {
  return EMAIL.test(value) && !INVISIBLE.test(value) && length(value) <= EMAIL_MAX;
}

/** An e-mail address field (not trimmed: a space around it was refused before and still is). */
export function email(field: string) {
  return z
    .string({ error: `${field} must be an e-mail address` })
    .normalize('NFC')
    .refine(
      (value) => !INVISIBLE.test(value),
      `${field} must not contain control or invisible characters (such as zero-width spaces)`,
    )
    .refine((value) => EMAIL.test(value), `${field} must be an e-mail address`)
    .refine((value) => length(value) <= EMAIL_MAX, `${field} must be at most ${EMAIL_MAX} characters`)
    .meta({ maxLength: EMAIL_MAX });
}

/**
 * Active ISO 4217 currency codes (List One), for money a customer can pay in: the funds codes
 * (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI, UYW), precious metals, bond-market units, SDR (XDR,
 * XSU, XUA), the test code XTS and "no currency" XXX are left out, as are withdrawn codes
 * (e.g. HRK, CUC, ANG, SLL, ZWL). A fixed list rather than the runtime's Intl data, so the
 * client and the worker accept the same codes whatever Node/ICU they run on.
 */
export const ISO_4217_CURRENCIES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP ' +
    'GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD ' +
    'KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN ' +
    'NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP ' +
    'SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VED VES ' +
    'VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

export function currency(field: string) {
  return z
    .string({ error: `${field} must be an ISO 4217 code such as DKK` })
    .refine((value) => ISO_4217_CURRENCIES.has(value), `${field} must be an active ISO 4217 currency code such as DKK`)
    .meta({ enum: [...ISO_4217_CURRENCIES] });
}

/**
 * Caps on numbers no provider bounds: sanity limits, far above any real gift order, that keep
 * a typo or an overflowing caller (a quantity of 1e15, a price of 1e300) from reaching a
 * provider or summing to a total that is no longer an exact number.
 */
export const NUMBER_CAPS = {
  /** One price or card value, in the order's currency. */
  amount: 1_000_000,
  /** Certificates of one type on one line. */
  quantity: 1_000,
  /** Lines or vouchers in one order. */
  lines: 100,
  /** Loyalty points in one request. */
  points: 100_000_000,
  /** People on one experience voucher. */
  persons: 1_000,
} as const;

/**
 * An amount in the major unit: a JSON number, as callers send today, or a decimal string
 * ("12.50") for clients that hold exact decimals. Read exactly (contracts/money.ts): zod's
 * multipleOf(0.01) works in binary floating point and accepted 0.30000000000000004, which no
 * provider can book. At most `scale.decimals` decimals, positive, capped like every amount.
 * Without `scale` the decimals are checked by the caller against the order's currency (see
 * currencyDecimalsProblem). The output is the exact JSON number (a string "12.50" becomes
 * 12.5; a number stays the number it was, so recorded inputs parse as before).
 */
export function money(field: string, scale?: AmountScale) {
  return z
    .union([z.number(), z.string()], {
      error: (issue) =>
        issue.input === undefined
          ? `${field} is required`
          : `${field} must be a number (or a decimal string such as "12.50")`,
    })
    .superRefine((value, ctx) => {
      const problem =
        typeof value === 'string' && !isDecimal(value)
          ? `${field} must be a decimal such as "12.50" (digits and one point, no sign, spaces or exponent)`
          : !(Number(value) > 0)
            ? `${field} must be greater than 0`
            : Number(value) > NUMBER_CAPS.amount
              ? `${field} must be at most ${NUMBER_CAPS.amount}`
              : scale && (decimalsOf(value) ?? Infinity) > scale.decimals
                ? amountProblem(field, scale)
                : undefined;
      if (problem) ctx.addIssue({ code: 'custom', message: problem, abort: true });
    })
    .transform((value) => Number(value));
}

/** The issue of an amount with more decimals than `currency` has (ISO 4217), or undefined; for contracts whose currency is a sibling field. */
export function currencyDecimalsProblem(field: string, amount: number | string, currency: string): string | undefined {
  const scale = currencyScale(currency);
  return (decimalsOf(amount) ?? Infinity) > scale.decimals ? amountProblem(field, scale) : undefined;
}
