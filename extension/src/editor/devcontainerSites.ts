// The image of a `.devcontainer/devcontainer.json` (JSON with comments), read with `jsonc-parser` (its ES module
// build: the UMD one loads its parts with a require() that a bundle cannot follow).
import { findNodeAtLocation, parseTree, visit } from 'jsonc-parser/lib/esm/main.js';
import { commentDisablesChecks, type ImageFileScan, type ImageSite } from './imageSites';

export function scanDevcontainer(text: string): ImageFileScan {
  const sites: ImageSite[] = [];
  const root = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const image = root ? findNodeAtLocation(root, ['image']) : undefined;
  if (image?.type === 'string' && typeof image.value === 'string' && image.value !== '') {
    const start = image.offset + 1;
    const end = image.offset + image.length - 1;
    // A reference written with JSON escapes is read, but not rewritten: its source is not its value.
    const editable = text.slice(start, end) === image.value;
    // devcontainer.json's `${localEnv:…}` variables are resolved only when the container is built.
    if (!image.value.includes('${')) sites.push({ reference: image.value, start, end, editable });
  }
  return { sites, checksDisabled: hasDisablingComment(text) };
}

function hasDisablingComment(text: string): boolean {
  let disabled = false;
  visit(text, {
    onComment(offset, length) {
      disabled ||= commentDisablesChecks(text.slice(offset, offset + length));
    },
  });
  return disabled;
}
