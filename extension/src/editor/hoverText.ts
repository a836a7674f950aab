// The hover of an image reference as Markdown: what the repository says about itself (its words, bounded and
// escaped), the digest to pin and its age, platforms with sizes (the file's platform first), vulnerabilities, links.
import { DEFAULT_REGISTRY, cutText, familiarRepository, formatBytes, timeAgo } from '../../../server/src/contract';
import { missingMessage, preferredPlatform, staleNote } from './checks';
import type { Fact, MissingImage, ReferenceParts, TagFacts, VulnerabilityCounts } from './imageFacts';

export const DESCRIPTION_MAX = 200;
/** The command the hover's explorer link runs, with the reference as its argument. */
export const OPEN_IN_EXPLORER_COMMAND = 'dockerhubMcp.openExplorer';
export const SET_TOKEN_COMMAND = 'dockerhubMcp.setToken';

export interface HoverFacts {
  parts: ReferenceParts;
  platform?: string;
  tag?: Fact<TagFacts>;
  description?: Fact<string | null>;
  /** Undefined when not signed in to Docker Hub (or not a Hub image). */
  vulnerabilities?: Fact<VulnerabilityCounts>;
  signedIn: boolean;
  missing?: Fact<MissingImage>;
}

/** Markdown's special characters escaped, so text from upstream is shown as written and never becomes a link. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (char) => `\\${char}`);
}

/** Where people look at the repository on its registry; undefined for registries without a known page. */
export function registryPage(parts: ReferenceParts): string | undefined {
  const { reference } = parts;
  if (reference.registry === DEFAULT_REGISTRY) {
    const repository = familiarRepository(reference);
    const base = repository.includes('/') ? `https://hub.docker.com/r/${repository}` : `https://hub.docker.com/_/${repository}`;
    return reference.tag ? `${base}/tags?name=${encodeURIComponent(reference.tag)}` : base;
  }
  if (reference.registry === 'ghcr.io') {
    const [owner, ...rest] = reference.repository.split('/');
    return rest.length > 0 ? `https://github.com/${owner}/${rest.join('/')}/pkgs/container/${rest.at(-1)}` : undefined;
  }
  if (reference.registry === 'quay.io') return `https://quay.io/repository/${reference.repository}`;
  return undefined;
}

export function hoverMarkdown(facts: HoverFacts, now: number): string {
  const { reference } = facts.parts;
  /** Paragraphs; the platform table is one. */
  const lines: string[] = [`**${escapeMarkdown(reference.familiar)}**`];
  if (facts.description?.ok && facts.description.value) {
    const cut = cutText(facts.description.value.replace(/\s+/g, ' '), DESCRIPTION_MAX);
    lines.push(`The repository says: *“${escapeMarkdown(cut.text)}${cut.truncated ? '…' : ''}”*`);
  }
  const tag = facts.tag;
  if (tag && !tag.ok) {
    const words = tag.error.code === 'NOT_FOUND' ? missingMessage(facts.parts, facts.missing?.ok ? facts.missing.value : undefined) : tag.error.message;
    lines.push(escapeMarkdown(words));
  } else if (tag?.ok) {
    const value = tag.value;
    const pushed = value.pushed && !Number.isNaN(Date.parse(value.pushed)) ? `, pushed ${timeAgo(Date.parse(value.pushed), now)} (${value.pushed.slice(0, 10)})` : '';
    const what = value.platforms.length > 1 ? 'index digest, the one to pin' : 'digest';
    lines.push(`${escapeMarkdown(facts.parts.tagReference ?? reference.familiar)} → \`${value.digest}\` (${what})${pushed}${escapeMarkdown(staleNote(tag, now))}`);
    const first = preferredPlatform(value, facts.platform);
    const ordered = first ? [first, ...value.platforms.filter((entry) => entry !== first)] : value.platforms;
    if (ordered.length > 0) {
      const rows = ordered.map((entry) => {
        const mark = facts.platform && entry === first && (entry.platform === facts.platform || entry.platform.startsWith(`${facts.platform}/`)) ? ' (this file’s platform)' : '';
        return `| ${escapeMarkdown(entry.platform)}${mark} | ${entry.size != null ? formatBytes(entry.size) : '—'} |`;
      });
      lines.push(['| platform | compressed |', '|---|---|', ...rows].join('\n'));
    }
  } else if (!facts.parts.tagReference) {
    lines.push(`Pinned to \`${reference.digest}\` without a tag: there is no tag to compare the pin with.`);
  } else {
    lines.push('Looking this image up…');
  }
  if (facts.parts.hub) {
    const counts = facts.vulnerabilities;
    if (counts?.ok) {
      const c = counts.value;
      lines.push(`Vulnerabilities (Docker Scout): ${c.critical} critical, ${c.high} high, ${c.medium} medium, ${c.low} low`);
    } else if (counts && !counts.ok) {
      lines.push(`Vulnerabilities: ${escapeMarkdown(counts.error.message)}`);
    } else if (!facts.signedIn) {
      lines.push(`Vulnerabilities: [sign in to Docker Hub](command:${SET_TOKEN_COMMAND}) to see Docker Scout's counts`);
    }
  }
  const links = [`[Open in the Docker Hub explorer](command:${OPEN_IN_EXPLORER_COMMAND}?${encodeURIComponent(JSON.stringify([reference.familiar]))})`];
  const page = registryPage(facts.parts);
  if (page) links.push(`[View on ${reference.registry === DEFAULT_REGISTRY ? 'Docker Hub' : escapeMarkdown(reference.registry)}](${page})`);
  lines.push(links.join(' · '));
  return lines.join('\n\n');
}
