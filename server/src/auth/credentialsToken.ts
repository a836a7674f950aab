import { DockerMcpError, errorFromStatus } from '../errors';
import { retryAfter, type HttpClient } from '../http/client';
import { registerSecret } from '../http/redact';
import type { RegistryCredential } from './credentials';

export interface TokenRequest {
  http: HttpClient;
  /** The registry the token is for: named in errors. */
  registry: string;
  /** The realm its own challenge named, already checked (https, or http on loopback). */
  realm: URL;
  service?: string;
  /** Every scope one call needs, asked for in one request: `repository:a/b:pull`. */
  scopes: string[];
  credential?: RegistryCredential;
  signal?: AbortSignal;
}

export type TokenAnswer = { token: string; expiresInSeconds?: number } | { refused: number };

const TOKEN_REPLY_MAX_BYTES = 1024 * 1024;
const CLIENT_ID = 'dockerhub-mcp';

/**
 * One token from a Distribution token service for several scopes at once. Username and password go as Basic on a GET
 * (the token spec); an identity token is an OAuth2 refresh token, POSTed as a form with grant_type=refresh_token
 * (the OAuth2 flow of the same spec). A 401/403 is `{refused}`: the caller decides between anonymous and an error.
 */
export async function fetchRegistryToken(request: TokenRequest): Promise<TokenAnswer> {
  const { credential } = request;
  const url = new URL(request.realm);
  const what = `the token service of ${request.registry}`;
  let response;
  if (credential?.kind === 'identitytoken') {
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: credential.secret, client_id: CLIENT_ID });
    if (request.service) form.set('service', request.service);
    form.set('scope', request.scopes.join(' '));
    response = await request.http.request({
      method: 'POST',
      url: url.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      maxBytes: TOKEN_REPLY_MAX_BYTES,
      signal: request.signal,
    });
  } else {
    if (request.service) url.searchParams.set('service', request.service);
    for (const scope of request.scopes) url.searchParams.append('scope', scope);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (credential) headers.authorization = basicAuthorization(credential);
    response = await request.http.request({
      method: 'GET',
      url: url.toString(),
      headers,
      maxBytes: TOKEN_REPLY_MAX_BYTES,
      signal: request.signal,
    });
  }
  if (response.status === 401 || response.status === 403) return { refused: response.status };
  if (response.status !== 200) {
    const wait = retryAfter(response.headers);
    throw errorFromStatus(response.status, what, undefined, wait === undefined ? undefined : Math.ceil(wait / 1000));
  }
  let body: { token?: unknown; access_token?: unknown; expires_in?: unknown; refresh_token?: unknown };
  try {
    body = JSON.parse(response.body.toString('utf8'));
  } catch {
    throw new DockerMcpError('UPSTREAM_ERROR', `${what} answered with something other than JSON.`);
  }
  // A rotated refresh token is not kept (config.json is Docker's to write), but it is a secret all the same.
  if (typeof body.refresh_token === 'string') registerSecret(body.refresh_token);
  const token = typeof body.token === 'string' && body.token ? body.token : body.access_token;
  if (typeof token !== 'string' || !token) throw new DockerMcpError('UPSTREAM_ERROR', `${what} answered without a token.`);
  registerSecret(token);
  const seconds = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : undefined;
  return { token, expiresInSeconds: seconds };
}

/** `Basic base64(user:secret)`; the encoded form is registered too, so it is redacted wherever it could appear. */
export function basicAuthorization(credential: RegistryCredential): string {
  const encoded = Buffer.from(`${credential.username}:${credential.secret}`).toString('base64');
  registerSecret(encoded);
  return `Basic ${encoded}`;
}
