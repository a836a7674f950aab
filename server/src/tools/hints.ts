import { DockerMcpError, type NextStep } from '../errors';

/** Tools that read any registry: where a Docker Hub-only read of another registry's image is pointed. */
const ANY_REGISTRY_READS = ['docker_list_tags', 'docker_get_manifest', 'docker_inspect_image'];

/** The tool whose call failed, as far as its next step depends on it. */
export interface FailedTool {
  name: string;
  annotations: { readOnlyHint?: boolean };
}

/** What to try next, in tools' words: the clients below say only what happened. */
const NEXT_STEPS: Record<NextStep, (message: string, tool: FailedTool) => string> = {
  // Never the tool that just failed: from docker_list_tags itself the pointer would go in a circle.
  'list-tags': (message, tool) =>
    tool.name === 'docker_list_tags' ? message : `${withoutStop(message)}; docker_list_tags lists the tags that exist.`,
  'docker-hub-only': (message, tool) =>
    // A write elsewhere has no counterpart among this server's tools: pointing at read tools would mislead.
    tool.annotations.readOnlyHint
      ? `${withoutStop(message)}: for other registries use ${ANY_REGISTRY_READS.filter((name) => name !== tool.name).join(', ')}.`
      : `${withoutStop(message)}: this server changes repositories only on Docker Hub; use that registry's own web interface or CLI for that.`,
  'update-repository': (message) => `${withoutStop(message)}, or change it with docker_update_repository.`,
};

/** The error with its next step worded for the tool that failed, when it has one. */
export function withNextStep(error: DockerMcpError, tool: FailedTool): DockerMcpError {
  if (!error.nextStep) return error;
  return new DockerMcpError(error.code, NEXT_STEPS[error.nextStep](error.message, tool), {
    status: error.status,
    retryAfterSeconds: error.retryAfterSeconds,
    cause: error.cause,
  });
}

function withoutStop(message: string): string {
  return message.replace(/\.$/, '');
}
