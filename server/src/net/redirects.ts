import { isLoopbackHost } from '../config';
import { DockerMcpError } from '../errors';
import { withoutAuthorization, type Layer } from './fetch';

const MAX_HOPS = 5;

/**
 * Follows 3xx for requests that ask for it (blob downloads: registries hand out signed storage URLs). Every hop must
 * be https; plain http only from a loopback registry to a loopback host (the test rig). Authorization never leaves
 * the origin it was meant for, not even back to it after a hop elsewhere; each hop is marked as named by the
 * first origin, so the destination policy judges it as that registry's. The reply says its final URL.
 */
export function redirects(): Layer {
  return (next) => async (request) => {
    if (!request.followRedirects) return next(request);
    const first = new URL(request.url);
    const namedBy = request.namedBy ?? first.origin;
    let url = first;
    let headers = { ...(request.headers ?? {}) };
    for (let hop = 0; ; hop++) {
      const response = await next({ ...request, url: url.toString(), headers, followRedirects: false, namedBy: hop === 0 ? request.namedBy : namedBy });
      const location = response.headers.location;
      if (response.status < 300 || response.status >= 400 || !location) return response;
      if (hop >= MAX_HOPS) throw new DockerMcpError('UPSTREAM_ERROR', `too many redirects from ${first.host}.`);
      let target: URL;
      try {
        target = new URL(location, url);
      } catch {
        throw new DockerMcpError('UPSTREAM_ERROR', `${first.host} redirected to an invalid URL; refused.`);
      }
      const loopbackChain = isLoopbackHost(first.hostname) && isLoopbackHost(target.hostname);
      if (target.protocol !== 'https:' && !(target.protocol === 'http:' && loopbackChain)) {
        throw new DockerMcpError(
          'UPSTREAM_ERROR',
          `refused a redirect to a ${target.protocol} URL${target.host ? ` on ${target.host}` : ''} from ${first.host} (redirects must be https).`,
        );
      }
      if (target.origin !== url.origin) headers = withoutAuthorization(headers);
      url = target;
    }
  };
}
