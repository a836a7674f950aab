import { z } from 'zod';
import { toDockerMcpError } from '../errors';
import { OFFICIAL_NAMESPACE } from '../hub/client';
import { compactCount, cutText, day } from '../format';
import { hubImageName } from '../hub/reference';
import { readmeUri } from '../resources';
import { quoted, repositoryText } from '../untrusted';
import { hubRepositoryArg } from './schemas';
import { defineTool, READ_ONLY } from './tool';

/** Longest full description returned; READMEs of popular images run to tens of kilobytes. */
export const FULL_DESCRIPTION_MAX = 6000;
/** The text summary carries less of it, to stay short. */
const README_IN_TEXT_MAX = 2000;

export const getImageDetails = defineTool({
  name: 'docker_get_image_details',
  title: 'Docker Hub repository details',
  description:
    'A Docker Hub repository: description, README (cut), official/verified/private, stars, pulls, categories, dates.',
  input: {
    image: hubRepositoryArg(),
  },
  output: {
    image: z.string().describe('Repository as people write it'),
    namespace: z.string(),
    repository: z.string().describe('The name within the namespace'),
    is_official: z.boolean().describe('A Docker Official Image (library namespace)'),
    is_verified: z.boolean().nullable().describe('Published by a Docker Verified Publisher; null when Hub did not say'),
    badge: z.string().nullable().describe('official, verified_publisher, open_source or none; null when unknown'),
    is_private: z.boolean().nullable(),
    description: z.string().nullable(),
    full_description: z.string().describe(`The README in Markdown, at most ${FULL_DESCRIPTION_MAX} characters`),
    description_truncated: z.boolean().describe('True when full_description was cut'),
    full_description_length: z.number().describe('Length of the whole README in characters'),
    star_count: z.number().nullable(),
    pull_count: z.number().nullable(),
    last_updated: z.string().nullable(),
    date_registered: z.string().nullable(),
    status_description: z.string().nullable(),
    categories: z.array(z.string()),
    hub_url: z.string(),
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const hub = hubImageName(args.image, 'docker_get_image_details');
    const [repository, badge] = await Promise.all([
      services.hub.getRepository(hub.namespace, hub.name, signal),
      // The badge is a nicety: a failing search must not hide the details.
      services.hub.badgeOf(hub.namespace, hub.name, signal).catch((err) => {
        services.log.info('badge lookup failed', { image: hub.familiar, code: toDockerMcpError(err).code });
        return undefined;
      }),
    ]);
    const readme = cutText(repository.full_description, FULL_DESCRIPTION_MAX);
    const known = badge !== undefined;
    return {
      image: hub.familiar,
      namespace: hub.namespace,
      repository: hub.name,
      is_official: hub.namespace === OFFICIAL_NAMESPACE,
      is_verified: known ? badge === 'verified_publisher' : null,
      badge: badge ?? null,
      is_private: repository.is_private ?? null,
      description: repository.description ?? null,
      full_description: readme.text,
      description_truncated: readme.truncated,
      full_description_length: readme.length,
      star_count: repository.star_count ?? null,
      pull_count: repository.pull_count ?? null,
      last_updated: repository.last_updated ?? null,
      date_registered: repository.date_registered ?? null,
      status_description: repository.status_description ?? null,
      categories: (repository.categories ?? []).map((category) => category.name),
      hub_url: services.hub.webUrl(hub.namespace, hub.name),
    };
  },
  summarize(result) {
    const flags = [
      result.is_official && 'official image',
      result.is_verified && 'verified publisher',
      result.badge === 'open_source' && 'sponsored open source',
      result.is_private && 'private',
    ].filter(Boolean);
    const lines = [
      `${result.image}${flags.length ? ` (${flags.join(', ')})` : ''}: ${result.description ? `description ${quoted(result.description)}` : 'no description'}`,
      `★${result.star_count ?? '?'}, ${exactPulls(result.pull_count)} pulls; updated ${day(result.last_updated)}, ` +
        `registered ${day(result.date_registered)}${result.categories.length ? `; ${result.categories.join(', ')}` : ''}. ${result.hub_url}`,
    ];
    if (result.full_description) {
      const shown = result.full_description.slice(0, README_IN_TEXT_MAX);
      lines.push('', repositoryText(`README of ${result.image}`, shown, 'markdown'));
      if (shown.length < result.full_description_length) {
        lines.push(
          `[README cut at ${shown.length} of ${result.full_description_length} characters; the whole README is the ` +
            `resource ${readmeUri(result.namespace, result.repository)}; structuredContent.full_description holds the first ` +
            `${result.full_description.length}]`,
        );
      }
    }
    return lines.join('\n');
  },
  example: { image: 'web' },
});

/** Hub gives repository pull counts exactly: `1,843,307 (1.8M)`, so a reader is not left with a rounded figure. */
function exactPulls(count: number | null): string {
  return count === null ? '?' : `${count.toLocaleString('en-US')} (${compactCount(count)})`;
}
