import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, type ReadResourceResult } from '@modelcontextprotocol/sdk/types.js';
import { invalidInput, toDockerMcpError, type ErrorCode as ContractCode } from './errors';
import { redactSecrets } from './net/redact';
import { completeNamespace, completeRepositoryIn } from './completions';
import type { Services } from './services';
import { multiline } from './untrusted';

export const README_URI_TEMPLATE = 'dockerhub://{namespace}/{repository}/readme';

/** The README resource of a repository, e.g. dockerhub://library/nginx/readme. */
export function readmeUri(namespace: string, repository: string): string {
  return README_URI_TEMPLATE.replace('{namespace}', namespace).replace('{repository}', repository);
}

const NAMESPACE = /^[a-z0-9][a-z0-9_-]{1,254}$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/** MCP's code for an unknown resource (spec, "Resources": error handling); the SDK names no constant for it. */
const RESOURCE_NOT_FOUND = -32002;

/**
 * A resource read fails with a JSON-RPC error rather than a tool result; its message still starts with the
 * contract's code. A plain Error with a numeric `code` is sent as is, where McpError would prefix its own text.
 */
class ResourceReadError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

const JSON_RPC_CODE: Partial<Record<ContractCode, number>> = {
  INVALID_INPUT: ErrorCode.InvalidParams,
  NOT_FOUND: RESOURCE_NOT_FOUND,
};

export function registerResources(server: McpServer, services: Services): void {
  server.registerResource(
    'repository-readme',
    // Docker Hub has millions of repositories: nothing to list, the template is the way in.
    new ResourceTemplate(README_URI_TEMPLATE, {
      list: undefined,
      complete: {
        namespace: (typed) => completeNamespace(services, typed),
        repository: (typed, context) => completeRepositoryIn(services, context?.arguments?.namespace, typed),
      },
    }),
    {
      title: 'Docker Hub repository README',
      description:
        'The full description (README, Markdown) of a Docker Hub repository, e.g. dockerhub://library/nginx/readme ' +
        'for the official nginx image or dockerhub://bitnami/redis/readme.',
      mimeType: 'text/markdown',
    },
    async (uri, variables, extra) => {
      try {
        const namespace = variable(variables.namespace, 'namespace', NAMESPACE);
        const repository = variable(variables.repository, 'repository', REPOSITORY);
        const details = await services.hub.getRepository(namespace, repository, extra.signal);
        return readme(uri.href, namespace, repository, details.full_description, details.description);
      } catch (err) {
        const error = toDockerMcpError(err);
        throw new ResourceReadError(JSON_RPC_CODE[error.code] ?? ErrorCode.InternalError, redactSecrets(error.toText()));
      }
    },
  );
}

function variable(value: string | string[] | undefined, name: string, pattern: RegExp): string {
  let text: string;
  try {
    text = decodeURIComponent(Array.isArray(value) ? value.join('/') : (value ?? ''));
  } catch {
    text = '';
  }
  if (!pattern.test(text)) {
    throw invalidInput(name, 'must be a Docker Hub name: lowercase letters, digits and separators (e.g. library/nginx)');
  }
  return text;
}

function readme(
  uri: string,
  namespace: string,
  repository: string,
  fullDescription: string | null | undefined,
  description: string | null | undefined,
): ReadResourceResult {
  const text = fullDescription?.trim()
    ? fullDescription
    : `# ${namespace}/${repository}\n\n${description?.trim() ? `${description.trim()}\n\n` : ''}` +
      '_This repository has no full description on Docker Hub._\n';
  return { contents: [{ uri, mimeType: 'text/markdown', text: multiline(text) }] };
}
