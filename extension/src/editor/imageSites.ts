// Where image references are written, found without VS Code: which files hold them, and the one shape every
// parser returns. Offsets are into the file's text, so VS Code turns them into ranges with positionAt.
import { basename } from 'node:path';

export type ImageFileKind = 'dockerfile' | 'compose' | 'devcontainer';

export interface ImageSite {
  /** The reference with the file's own build arguments / variable defaults resolved, e.g. `node:20-slim`. */
  reference: string;
  /** Offsets of the reference as written (which may be `node:${NODE}`). */
  start: number;
  end: number;
  /** False where the written text has variables: a fix cannot rewrite it without changing what the file means. */
  editable: boolean;
  /** The platform the file asks for (`--platform`, Compose `platform:`), when it is known. */
  platform?: string;
}

export interface ImageFileScan {
  sites: ImageSite[];
  /** The file carries the comment directive that turns checks off (DISABLE_DIRECTIVE). */
  checksDisabled: boolean;
}

/** Written in a comment anywhere in a file (`# dockerhub-disable`, `// dockerhub-disable`): no diagnostics for it. */
export const DISABLE_DIRECTIVE = 'dockerhub-disable';

export function commentDisablesChecks(comment: string): boolean {
  return new RegExp(`^(?:#|//|/\\*)\\s*${DISABLE_DIRECTIVE}\\b`).test(comment.trim());
}

const COMPOSE_FILE = /^(?:docker-)?compose[^/]*\.ya?ml$/i;
const DOCKERFILE = /^(?:Dockerfile|Containerfile|.+\.Dockerfile)$/i;

/** Which kind of image file a document is, by its path and VS Code language id; undefined for any other file. */
export function imageFileKind(path: string, languageId: string): ImageFileKind | undefined {
  const name = basename(path);
  const normalised = path.replace(/\\/g, '/');
  if (/(?:^|\/)\.devcontainer\/(?:[^/]+\/)?devcontainer\.json$/.test(normalised) || name === '.devcontainer.json') return 'devcontainer';
  if (COMPOSE_FILE.test(name)) return 'compose';
  if (languageId === 'dockerfile' || DOCKERFILE.test(name)) return 'dockerfile';
  return undefined;
}
