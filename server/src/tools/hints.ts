import { DockerMcpError, type NextStep } from '../errors';

/** What to try next, in tools' words: the clients below say only what happened. */
const NEXT_STEPS: Record<NextStep, (message: string) => string> = {
  'list-tags': (message) => `${withoutStop(message)}; docker_list_tags lists the tags that exist.`,
};

/** The error with its next step worded, when it has one. */
export function withNextStep(error: DockerMcpError): DockerMcpError {
  if (!error.nextStep) return error;
  return new DockerMcpError(error.code, NEXT_STEPS[error.nextStep](error.message), {
    status: error.status,
    retryAfterSeconds: error.retryAfterSeconds,
    cause: error.cause,
  });
}

function withoutStop(message: string): string {
  return message.replace(/\.$/, '');
}
