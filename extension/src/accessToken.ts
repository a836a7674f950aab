// The form of a Docker Hub access token, checked as it is typed. The login itself is the server's (contract.ts
// verifyHubLogin). No vscode import: unit tests drive this directly.

export type AccessTokenKind = 'personal' | 'organisation';

const TOKEN_FORM = /^dckr_(pat|oat)_[A-Za-z0-9_-]{20,200}$/;

/** Undefined when the text has the form of a Docker Hub PAT or organisation access token, else why not. */
export function accessTokenFormProblem(text: string): string | undefined {
  const token = text.trim();
  if (!token) return 'Paste a Docker Hub access token.';
  if (/\s/.test(token)) return 'An access token has no spaces in it.';
  if (!token.startsWith('dckr_pat_') && !token.startsWith('dckr_oat_')) {
    return 'A Docker Hub access token begins with "dckr_pat_" (personal) or "dckr_oat_" (organisation); a password is not accepted.';
  }
  if (!TOKEN_FORM.test(token)) return 'This does not look like a whole access token: copy it again from Docker Hub.';
  return undefined;
}

export function accessTokenKind(token: string): AccessTokenKind {
  return token.trim().startsWith('dckr_oat_') ? 'organisation' : 'personal';
}
