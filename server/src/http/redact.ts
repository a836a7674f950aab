/**
 * Secrets that must never be shown: registered at start-up (the PAT, the HTTP token) and learned at run time
 * (access tokens handed out by upstream). Redaction replaces them wherever text leaves the process.
 */
const knownSecrets = new Set<string>();

export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 8) knownSecrets.add(secret);
}

const PATTERNS: RegExp[] = [
  /dckr_(?:pat|oat)_[A-Za-z0-9_-]+/g,
  /(authorization["']?\s*[:=]\s*["']?)(?:bearer|basic)\s+[^\s"',}]+/gi,
  /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g,
  /("(?:access_token|token|secret|password|refresh_token)"\s*:\s*")[^"]*(")/gi,
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of knownSecrets) out = out.split(secret).join('[REDACTED]');
  out = out.replace(PATTERNS[0], '[REDACTED]');
  out = out.replace(PATTERNS[1], '$1[REDACTED]');
  out = out.replace(PATTERNS[2], '$1 [REDACTED]');
  out = out.replace(PATTERNS[3], '[REDACTED]');
  out = out.replace(PATTERNS[4], '$1[REDACTED]$2');
  return out;
}

/** Header names whose values are never logged. */
export function redactHeaders(headers: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = /^(authorization|proxy-authorization|cookie|set-cookie)$/i.test(name) ? '[REDACTED]' : redactSecrets(value);
  }
  return out;
}
