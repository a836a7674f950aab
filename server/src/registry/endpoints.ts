import { unauthorizedMessage } from '../auth/credentials';
import type { RegistryAuth } from '../auth/registryAuth';
import { isLoopbackHost, type Config } from '../config';
import { DockerMcpError, oneLine } from '../errors';
import { errorFromResponse } from '../net/errors';
import type { HttpRequest, HttpResponse } from '../net/fetch';
import type { ImageReference } from './types';

/**
 * Where a registry is and how a request reaches it: base URLs from the environment, the one `send` every registry
 * request goes through (the auth layer answers the challenge), and a reply that failed as the contract's error.
 */
export class RegistryEndpoints {
  constructor(
    private readonly config: Config,
    private readonly auth: RegistryAuth,
  ) {}

  /** Base URL of the registry serving `registry` (a host as written in references). */
  baseUrl(registry: string): string {
    if (registry === 'docker.io') return this.config.registryUrl;
    const override = this.config.registryEndpoints.get(registry.toLowerCase());
    if (override) return override;
    const hostname = new URL(`https://${registry}`).hostname;
    return `${isLoopbackHost(hostname) ? 'http' : 'https'}://${registry}`;
  }

  url(reference: ImageReference, path: string): string {
    return `${this.baseUrl(reference.registry)}/v2/${reference.repository}/${path}`;
  }

  /** Docker Hub counts a pull per manifest GET; other registries have no pull quota worth a round trip. */
  countsPulls(registry: string): boolean {
    return registry === 'docker.io';
  }

  send(reference: ImageReference, request: HttpRequest): Promise<HttpResponse> {
    return this.auth.request({ registry: reference.registry, scope: `repository:${reference.repository}:pull` }, request);
  }

  /** As `send`, with the body left to stream (a layer); the challenge flow is the same. */
  stream(reference: ImageReference, request: HttpRequest): Promise<HttpResponse> {
    return this.send(reference, { ...request, stream: true });
  }

  /** A non-2xx reply as the contract's error, naming what was asked for; 401 says what would help. */
  failure(response: HttpResponse, reference: ImageReference, what: string): DockerMcpError {
    const detail = registryErrorDetail(response.body);
    if (response.status === 401) {
      const suffix = detail ? ` (${oneLine(detail)})` : '';
      const identity = this.auth.identity(reference.registry);
      // Anonymous and refused for an official image: it does not exist (they are all public), unless the token itself was bad.
      if (
        identity.as === 'anonymous' &&
        reference.registry === 'docker.io' &&
        reference.repository.startsWith('library/') &&
        !/invalid_token/.test(response.headers['www-authenticate'] ?? '')
      ) {
        return new DockerMcpError('NOT_FOUND', `${what} does not exist on Docker Hub: official images are public${suffix}.`, { status: 404 });
      }
      return new DockerMcpError('UNAUTHORIZED', unauthorizedMessage(what, identity, suffix), { status: 401 });
    }
    if (response.status === 404) {
      // "manifest unknown" says nothing "was not found" does not; other details (which repository) do.
      const detail = /^manifest unknown$/i.test(registryErrorDetail(response.body) ?? '') ? undefined : registryErrorDetail(response.body);
      const found = `${what} was not found${detail ? ` (${oneLine(detail)})` : ''}`;
      if (reference.digest) return new DockerMcpError('NOT_FOUND', `${found}; check the digest.`, { status: 404 });
      return new DockerMcpError('NOT_FOUND', `${found}.`, { status: 404, nextStep: 'list-tags' });
    }
    return errorFromResponse(response, what, detail);
  }
}

/** `{errors:[{code,message}]}` → `manifest unknown`; anything else → nothing (no raw pages reach a caller). */
export function registryErrorDetail(body: Buffer): string | undefined {
  const parsed = parseJson(body) as { errors?: { code?: unknown; message?: unknown }[] } | undefined;
  const first = Array.isArray(parsed?.errors) ? parsed.errors[0] : undefined;
  if (!first) return undefined;
  const text = typeof first.message === 'string' && first.message ? first.message : first.code;
  return typeof text === 'string' ? oneLine(text, 160) : undefined;
}

export function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}
