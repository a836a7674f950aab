/**
 * Secrets that must never be shown: registered at start-up (the PAT, the HTTP token) and as they are obtained (Hub
 * access tokens, registry tokens). Each is kept with the forms it travels in: base64 and base64url of itself and of
 * `user:secret` (HTTP Basic). Redaction replaces them wherever text leaves the process: tool results (successful
 * ones too), resource reads, errors and logs.
 */
const knownSecrets = new Map<string, true>();
/** Registry tokens come and go all day; the oldest forms are dropped past this many (each expires long before). */
const MAX_FORMS = 4096;
let matcher: RegExp | undefined;

export function registerSecret(secret: string | undefined, username?: string): void {
  if (!secret || secret.length < 8) return;
  const forms = [secret, base64(secret), base64url(secret)];
  if (username) forms.push(base64(`${username}:${secret}`), base64url(`${username}:${secret}`), encodeURIComponent(secret));
  for (const form of forms) {
    // The encoded forms of a short secret share their first characters with anything else starting the same way.
    const trimmed = form.replace(/=+$/, '');
    if (trimmed.length >= 8 && !knownSecrets.has(trimmed)) knownSecrets.set(trimmed, true);
  }
  while (knownSecrets.size > MAX_FORMS) knownSecrets.delete(knownSecrets.keys().next().value!);
  matcher = undefined;
}

const PATTERNS: RegExp[] = [
  /dckr_(?:pat|oat)_[A-Za-z0-9_-]+/g,
  /(authorization["']?\s*[:=]\s*["']?)(?:bearer|basic)\s+[^\s"',}]+/gi,
  /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  /("(?:access_token|token|secret|password|refresh_token)"\s*:\s*")[^"]*(")/gi,
];

/** Every registered secret, in any of its forms, and anything shaped like a PAT. Safe for any text. */
export function redactKnownSecrets(text: string): string {
  if (knownSecrets.size > 0) {
    matcher ??= new RegExp(
      [...knownSecrets.keys()]
        .sort((a, b) => b.length - a.length)
        .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('|')
        // Base64 padding belongs to the encoded form it ends.
        .replace(/^/, '(?:')
        .concat(')=*'),
      'g',
    );
    text = text.replace(matcher, '[REDACTED]');
  }
  return text.replace(PATTERNS[0], '[REDACTED]');
}

/**
 * Error and log text: the known secrets, and whatever looks like a credential (Authorization values, JWTs, token
 * fields of a JSON body echoed back). Too eager for data (a README's "basic usage"), so only for errors and logs.
 */
export function redactSecrets(text: string): string {
  let out = redactKnownSecrets(text);
  out = out.replace(PATTERNS[1], '$1[REDACTED]');
  out = out.replace(PATTERNS[2], '$1 [REDACTED]');
  out = out.replace(PATTERNS[3], '[REDACTED]');
  out = out.replace(PATTERNS[4], '$1[REDACTED]$2');
  return out;
}

/** Every string inside a JSON-like value, redacted (tool results' structuredContent). */
export function redactValue<T>(value: T): T {
  const json = JSON.stringify(value);
  if (json === undefined) return value;
  const redacted = redactKnownSecrets(json);
  return redacted === json ? value : (JSON.parse(redacted) as T);
}

/** Header names whose values are never logged. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = /^(authorization|proxy-authorization|cookie|set-cookie)$/i.test(name) ? '[REDACTED]' : redactSecrets(value);
  }
  return out;
}

function base64(text: string): string {
  return Buffer.from(text).toString('base64');
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
