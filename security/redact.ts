/**
 * Masks what must never reach a log line or an error message: credentials (configured
 * secret values, bearer tokens, `sk_` keys) and the personal data most likely to be
 * echoed by a provider (e-mail addresses, phone numbers).
 */
const PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 <redacted>'],
  [/\bsk_[A-Za-z0-9_]+/g, 'sk_<redacted>'],
  [/[^\s'"<>@,;:()]+@[^\s'"<>@,;:()]+\.[a-z]{2,}/gi, '<email>'],
  [/\+\d[\d\s-]{6,}\d/g, '<phone>'],
];

/** `text` with every known secret value and every credential- or PII-shaped substring masked. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('<secret>');
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
