import type { z } from 'zod';
import { DockerMcpError, oneLine } from './errors';

/**
 * An upstream reply checked against the schema of what the server reads: the parsed value, or UPSTREAM_ERROR saying
 * which upstream sent what that could not be read, and where in it. Never a cast: a changed or broken reply fails
 * here, in words, rather than as a crash somewhere further on.
 */
export function parseReply<S extends z.ZodType>(schema: S, body: unknown, upstream: string, what: string): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? `field ${issue.path.join('.')}` : 'the reply';
  throw new DockerMcpError(
    'UPSTREAM_ERROR',
    `${upstream} answered ${what} with a reply that cannot be read (${where}: ${oneLine(issue.message, 120)}); try again later, ` +
      'and if it persists the service may have changed its API.',
  );
}
