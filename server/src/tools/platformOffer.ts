import { DockerMcpError } from '../errors';
import type { RegistryClient } from '../registry/client';
import { platformEntries, platformOf, platformString } from '../registry/platform';
import { parseReference, referenceProblem } from '../registry/reference';

/** Image arguments a `platform` argument applies to. */
const IMAGE_ARGUMENTS = ['image', 'image_a', 'image_b'];
const OFFER_DEADLINE_MS = 2000;

/**
 * An INVALID_INPUT about `platform` gains the platforms the image offers (`demo:latest offers: linux/amd64,
 * linux/arm64/v8`), so the next call can name one of them. One manifest read, cached for that next call; any
 * failure leaves the error as it was.
 */
export async function withOfferedPlatforms(
  error: DockerMcpError,
  args: unknown,
  registry: RegistryClient,
  signal: AbortSignal,
): Promise<DockerMcpError> {
  if (error.code !== 'INVALID_INPUT' || !error.message.startsWith('argument "platform" ') || !args || typeof args !== 'object') return error;
  const image = IMAGE_ARGUMENTS.map((name) => (args as Record<string, unknown>)[name]).find(
    (value): value is string => typeof value === 'string' && !referenceProblem(value),
  );
  if (!image || signal.aborted) return error;
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(OFFER_DEADLINE_MS)]);
  try {
    const reference = parseReference(image);
    const top = await registry.getManifest(reference, bounded);
    const offered =
      top.kind === 'index'
        ? platformEntries(top.index).map((descriptor) => platformString(platformOf(descriptor)))
        : [platformString((await registry.getImage(reference, undefined, bounded)).platform)];
    return new DockerMcpError('INVALID_INPUT', `${error.message} ${reference.familiar} offers: ${offered.join(', ')}.`);
  } catch {
    // Listing the platforms is a courtesy: the original error stands.
    return error;
  }
}
