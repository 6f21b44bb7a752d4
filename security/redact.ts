/**
 * Masks what must never reach a log line or an error message: credentials (configured
 * secret values, bearer tokens, `sk_` keys), customer data (names, addresses, phone numbers,
 * e-mail addresses) and what redeems money (gift-card numbers, auth codes, voucher codes).
 *
 * Two layers, because neither is enough alone. Structured log metadata is masked by key
 * ({@link redactFields}): a name or a street has no shape a regex could recognise, but it
 * always travels under a known field name of our contracts. Free text (log messages, error
 * messages, provider reasons) only gets the pattern pass ({@link redact}), plus every value
 * found under a sensitive key of the same entry, wherever the text repeats it.
 *
 * Plain code without Node APIs, so activities, workers and tests can all import it.
 */
import type { LogMetadata } from '@temporalio/common';

const PATTERNS: [RegExp, string | ((match: string) => string)][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 <redacted>'],
  [/\bsk_[A-Za-z0-9_]+/g, 'sk_<redacted>'],
  [/[^\s'"<>@,;:()]+@[^\s'"<>@,;:()]+\.[a-z]{2,}/gi, '<email>'],
  // Gift-card numbers with a letter prefix (CP Extender's `WEB-…`): the digit pass below
  // never starts inside a token, so it would leave them alone.
  [/\b[A-Z]{1,6}-\d{6,}\b/g, '<card>'],
  // Auth codes and voucher codes: long upper-case tokens mixing letters and digits (`GDA…`,
  // derived base-36 codes, `SBX…`). Lower-case hex (run IDs, UUIDs) is not touched.
  [/\b(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{10,}\b/g, '<code>'],
  // Phone numbers in any format (`+45 12 34 56 78`, `0701234567`, `(555) 123-4567`) and long
  // card numbers (`99-12345678901234567`): a run of 8+ digits with separators, never starting
  // or ending inside a word, an ID or a time (the look-arounds), and never an ISO date.
  [/(?<![\w.:/+-])\+?\(?\d[\d \t().-]{6,}\d(?![\w:-])/g, (match) => digitRun(match)],
];

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function digitRun(match: string): string {
  if (ISO_DATE.test(match) || match.replace(/\D/g, '').length < 8) return match;
  const label = /^[+(0]|\s/.test(match) ? '<phone>' : '<number>';
  // A number in parentheses, `(20 30 40 50)`: the closing one is not part of the match, so keep the opening one too.
  return match.startsWith('(') && !match.includes(')') ? `(${label}` : label;
}

/** `text` with every known secret value and every credential- or PII-shaped substring masked. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = maskValues(text, secrets, '<secret>');
  for (const [pattern, replacement] of PATTERNS) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement);
  }
  return out;
}

function maskValues(text: string, values: readonly string[], mask: string): string {
  let out = text;
  for (const value of values) if (value.length >= 4) out = out.split(value).join(mask);
  return out;
}

/**
 * Field names whose values are masked whatever they hold, compared without case, `_` or `-`
 * (so `first_name`, `firstName` and `FirstName` are one entry). Taken from contracts/*.ts:
 * Flexybox's customer, Smart Gift's customer, delivery and items, Payway's
 * gift_delivery_address, giver and client_info, CP Extender's card and redemption IDs, and
 * the provider wire names (`GiftCardId`, `AuthCode`, `Number` of an issued certificate).
 */
export const SENSITIVE_KEYS: readonly string[] = [
  // names (Smart Gift's `to` and `from` name the recipient and the giver)
  'name',
  'fullName',
  'firstName',
  'lastName',
  'customerName',
  'to',
  'from',
  // addresses
  'address',
  'address1',
  'address2',
  'street',
  'streetAddress',
  'streetNumber',
  'postcode',
  'postalCode',
  'zipCode',
  'postalDistrict',
  'town',
  'city',
  'county',
  // phone numbers and e-mail
  'phone',
  'phoneNumber',
  'mobile',
  'mobileNumber',
  'email',
  'giverEmail',
  // other personal data (CP Extender's customerNumber is the customer's loyalty number)
  'birthDate',
  'ipAddress',
  'userAgent',
  'customerNumber',
  'message',
  // what redeems money: card numbers, auth codes, voucher codes
  'giftCardId',
  'giftCardIds',
  'giftCardNumber',
  'cardNumber',
  'number',
  'authCode',
  'code',
  'codes',
  'voucherCode',
  'voucherCodes',
  'derivedCodes',
  // whole objects that hold only personal data
  'customer',
  'delivery',
  'giftDeliveryAddress',
  'clientInfo',
  'secureIdentification',
  // credentials
  'authorization',
  'token',
  'accessToken',
  'password',
  'secret',
  'secretKey',
  'clientSecret',
  'codeSecret',
];

const normalise = (key: string) => key.replace(/[_-]/g, '').toLowerCase();
const SENSITIVE = new Set(SENSITIVE_KEYS.map(normalise));

/**
 * Fields that identify the work rather than the customer: left as they are (no pattern pass),
 * so an upper-case order reference inside a workflow ID never turns into `<code>`.
 */
const OPERATIONAL_KEYS = new Set(
  [
    'workflowId',
    'runId',
    'workflowRunId',
    'workflowType',
    'activityId',
    'activityType',
    'taskQueue',
    'namespace',
    'sdkComponent',
    'step',
    'provider',
    'method',
    'host',
    'path',
    'state',
  ].map(normalise),
);

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE.has(normalise(key));
}

export const MASK = '<redacted>';

/** Objects nested deeper than this are cut: log metadata is shallow, anything deeper is a payload. */
const MAX_DEPTH = 8;

/**
 * A copy of `value` safe to print: values under sensitive keys (at any depth) masked, every
 * other string through {@link redact} (and through `alsoMask`, values to hide wherever they
 * occur), errors reduced to their name, type, message, details and cause, and anything
 * JSON.stringify chokes on (bigint, cycles) made printable.
 */
export function redactFields(
  value: unknown,
  secrets: readonly string[] = [],
  alsoMask: readonly string[] = [],
): unknown {
  return walk(value, { secrets, alsoMask, seen: new WeakSet() }, 0, undefined);
}

interface WalkState {
  secrets: readonly string[];
  alsoMask: readonly string[];
  seen: WeakSet<object>;
}

function walk(value: unknown, state: WalkState, depth: number, key: string | undefined): unknown {
  if (key !== undefined && isSensitiveKey(key) && value !== null && value !== undefined && value !== '') return MASK;
  if (typeof value === 'string') {
    if (key !== undefined && OPERATIONAL_KEYS.has(normalise(key))) return maskValues(value, state.secrets, '<secret>');
    return redact(maskValues(value, state.alsoMask, MASK), state.secrets);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'function' || typeof value === 'symbol') return undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (state.seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  state.seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, state, depth + 1, undefined));
    if (value instanceof Error) return walkError(value, state, depth);
    if (value instanceof Date) return value.toISOString();
    const out: Record<string, unknown> = {};
    for (const [field, item] of Object.entries(value)) out[field] = walk(item, state, depth + 1, field);
    return out;
  } finally {
    state.seen.delete(value);
  }
}

/**
 * An error as the fields an operator needs. JSON.stringify would print only its enumerable
 * fields (for an ApplicationFailure: `details`, which may carry provider IDs) and drop the
 * message; here the message is kept, through the pattern pass.
 */
function walkError(
  error: Error & { type?: unknown; details?: unknown; nonRetryable?: unknown },
  state: WalkState,
  depth: number,
): Record<string, unknown> {
  const out: Record<string, unknown> = { name: error.name };
  if (typeof error.type === 'string') out.type = error.type;
  out.message = walk(error.message, state, depth + 1, undefined);
  if (typeof error.nonRetryable === 'boolean') out.nonRetryable = error.nonRetryable;
  if (error.details !== undefined && error.details !== null)
    out.details = walk(error.details, state, depth + 1, 'details');
  if (error.cause !== undefined) out.cause = walk(error.cause, state, depth + 1, 'cause');
  return out;
}

/** Every string (of 4+ characters) held under a sensitive key anywhere in `value`. */
function sensitiveValues(
  value: unknown,
  depth = 0,
  inSensitive = false,
  out: string[] = [],
  seen = new WeakSet<object>(),
): string[] {
  if (typeof value === 'string') {
    if (inSensitive && value.length >= 4) out.push(value);
    return out;
  }
  if (typeof value === 'number' && inSensitive && String(value).length >= 4) out.push(String(value));
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH || seen.has(value)) return out;
  seen.add(value);
  for (const [field, item] of Object.entries(value))
    sensitiveValues(item, depth + 1, inSensitive || isSensitiveKey(field), out, seen);
  if (value instanceof Error && value.cause !== undefined)
    sensitiveValues(value.cause, depth + 1, inSensitive, out, seen);
  return out;
}

/**
 * One log entry made safe to print: its metadata through {@link redactFields}, its message
 * through {@link redact}, and any value found under a sensitive key of the metadata masked in
 * the message and the other fields too (a provider echoing a voucher code in its reason).
 */
export function redactLogEntry<E extends { message: string; meta?: LogMetadata }>(
  entry: E,
  secrets: readonly string[] = [],
): E {
  // Longest first, so a value that contains another is masked whole.
  const alsoMask = [...new Set(sensitiveValues(entry.meta))].sort((a, b) => b.length - a.length);
  const message = redact(maskValues(entry.message, alsoMask, MASK), secrets);
  const meta = entry.meta === undefined ? undefined : (redactFields(entry.meta, secrets, alsoMask) as LogMetadata);
  return { ...entry, message, meta };
}
