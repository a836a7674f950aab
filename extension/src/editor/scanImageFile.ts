import { scanCompose } from './composeSites';
import { scanDevcontainer } from './devcontainerSites';
import { scanDockerfile } from './dockerfileSites';
import type { ImageFileKind, ImageFileScan } from './imageSites';

/** The image references of one file; a file its parser cannot read has none (VS Code shows its syntax errors). */
export function scanImageFile(kind: ImageFileKind, text: string): ImageFileScan {
  try {
    if (kind === 'dockerfile') return scanDockerfile(text);
    if (kind === 'compose') return scanCompose(text);
    return scanDevcontainer(text);
  } catch {
    return { sites: [], checksDisabled: false };
  }
}
