// What the editor says about one image reference, from facts already fetched: diagnostics with their fixes, the
// hover's text and the inline hint. Pure (no vscode, no I/O), so every wording and every edit is unit-tested.
import { familiarRepository, formatBytes, shortDigest, timeAgo } from '../../../server/src/contract';
import type { Fact, MissingImage, ReferenceParts, TagFacts, VulnerabilityCounts } from './imageFacts';
import type { ImageSite } from './imageSites';

export const CHECKS = ['unknownImage', 'movedPin', 'newerVersion', 'notPinned', 'vulnerabilities'] as const;
export type CheckName = (typeof CHECKS)[number];
export const CHECK_LEVELS = ['error', 'warning', 'information', 'hint', 'off'] as const;
export type CheckLevel = (typeof CHECK_LEVELS)[number];
export type CheckSettings = Record<CheckName, CheckLevel>;

export const DEFAULT_CHECK_SETTINGS: CheckSettings = {
  unknownImage: 'error',
  movedPin: 'warning',
  newerVersion: 'information',
  notPinned: 'off',
  vulnerabilities: 'warning',
};

/** The facts fetched for one site; what is missing was not asked for (or not yet answered). */
export interface SiteFacts {
  parts: ReferenceParts | { problem: string };
  tag?: Fact<TagFacts>;
  newer?: Fact<string | null>;
  vulnerabilities?: Fact<VulnerabilityCounts>;
  /** Asked only when the tag lookup said NOT_FOUND. */
  missing?: Fact<MissingImage>;
}

/** A replacement of the site's text. */
export interface SiteFix {
  title: string;
  newText: string;
}

export interface Finding {
  check: CheckName;
  level: Exclude<CheckLevel, 'off'>;
  message: string;
  fix?: SiteFix;
}

function pushedAgo(iso: string | null, now: number): string | undefined {
  const time = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(time) ? undefined : `pushed ${timeAgo(time, now)}`;
}

/** " (as of 12 minutes ago: …)" when the facts are the last known ones because checking again failed. */
export function staleNote(fact: Fact<unknown> | undefined, now: number): string {
  if (!fact?.ok || !fact.failedRefresh) return '';
  // Under a second old, Intl says "now": "as of now" would read as current.
  const age = now - fact.fetchedAt < 1000 ? 'a moment ago' : timeAgo(fact.fetchedAt, now);
  return ` (as of ${age}; checking again failed: ${fact.failedRefresh.message})`;
}

function withoutDigest(reference: string): string {
  const at = reference.indexOf('@');
  return at === -1 ? reference : reference.slice(0, at);
}

/** The reference text with its tag replaced, keeping how the name was written (`nginx`, `docker.io/library/nginx`). */
function withTag(reference: string, tag: string): string {
  const name = withoutDigest(reference);
  const colon = name.lastIndexOf(':');
  const slash = name.lastIndexOf('/');
  return `${colon > slash ? name.slice(0, colon) : name}:${tag}`;
}

/** The platform shown first and sized in the hint: the file's own, else linux/amd64, else the first. */
export function preferredPlatform(tag: TagFacts, platform: string | undefined): TagFacts['platforms'][number] | undefined {
  const matches = (wanted: string) => tag.platforms.find((entry) => entry.platform === wanted || entry.platform.startsWith(`${wanted}/`));
  return (platform && matches(platform)) || matches('linux/amd64') || tag.platforms[0];
}

export function findingsFor(site: ImageSite, facts: SiteFacts, settings: CheckSettings, now: number): Finding[] {
  const findings: Finding[] = [];
  const add = (check: CheckName, message: string, fix?: SiteFix) => {
    const level = settings[check];
    if (level !== 'off') findings.push({ check, level, message, ...(fix && site.editable ? { fix } : {}) });
  };
  if ('problem' in facts.parts) {
    add('unknownImage', facts.parts.problem);
    return findings;
  }
  const { reference, tagReference } = facts.parts;
  const tag = facts.tag;
  if (tag && !tag.ok && tag.error.code === 'NOT_FOUND') {
    const missing = facts.missing?.ok ? facts.missing.value : undefined;
    const closeMatch = missing?.missing === 'tag' ? missing.closeMatch : null;
    add(
      'unknownImage',
      missingMessage(facts.parts, missing),
      closeMatch ? { title: `Change to ${familiarRepository(reference)}:${closeMatch}`, newText: withTag(site.reference, closeMatch) } : undefined,
    );
    return findings;
  }
  const current = tag?.ok ? tag.value : undefined;
  const stale = staleNote(tag, now);
  if (current && reference.digest && current.digest !== reference.digest) {
    const when = pushedAgo(current.pushed, now);
    add(
      'movedPin',
      `${tagReference} has moved since this pin: it now points to ${shortDigest(current.digest)}…${when ? `, ${when}` : ''}${stale}.`,
      { title: `Update the pinned digest to ${tagReference}'s current one`, newText: `${withoutDigest(site.reference)}@${current.digest}` },
    );
  }
  if (current && !reference.digest) {
    add('notPinned', `${tagReference} is not pinned to a digest; it points to ${shortDigest(current.digest)}… now${stale}.`, pinFix(site, current));
  }
  const newer = facts.newer?.ok ? facts.newer.value : null;
  if (newer && reference.tag) {
    add(
      'newerVersion',
      `${newer} is newer than ${reference.tag} in the same line${staleNote(facts.newer, now)}.`,
      // A pinned reference moves with its pin: the code action fetches the new tag's digest first.
      reference.digest ? undefined : { title: `Move to ${familiarRepository(reference)}:${newer}`, newText: withTag(site.reference, newer) },
    );
  }
  const counts = facts.vulnerabilities?.ok ? facts.vulnerabilities.value : undefined;
  if (counts && counts.critical + counts.high > 0) {
    const parts = [counts.critical && `${counts.critical} critical`, counts.high && `${counts.high} high`].filter(Boolean).join(' and ');
    add('vulnerabilities', `${reference.familiar} has ${parts} vulnerabilities (Docker Scout)${staleNote(facts.vulnerabilities, now)}.`);
  }
  return findings;
}

/** "demo has no tag lastest; did you mean latest?": what a NOT_FOUND tag lookup means, in words. */
export function missingMessage(parts: ReferenceParts, missing: MissingImage | undefined): string {
  const repository = familiarRepository(parts.reference);
  if (missing?.missing === 'repository') return `${repository} was not found on ${parts.hub ? 'Docker Hub' : parts.reference.registry}.`;
  return `${repository} has no tag ${parts.reference.tag}${missing?.closeMatch ? `; did you mean ${missing.closeMatch}?` : '.'}`;
}

/** `nginx:1.27` → `nginx:1.27@sha256:…`: the index digest, the tag kept for people to read. */
export function pinFix(site: ImageSite, tag: TagFacts): SiteFix {
  return { title: `Pin to the digest ${shortDigest(tag.digest)}… (keeping the tag)`, newText: `${withoutDigest(site.reference)}@${tag.digest}` };
}

/** The fix that moves a pinned reference to a newer tag, pinned to that tag's digest. */
export function moveFix(site: ImageSite, newer: string, newerDigest: string | undefined): SiteFix {
  const moved = withTag(site.reference, newer);
  return { title: `Move to ${newer}${newerDigest ? ' (pinned)' : ''}`, newText: newerDigest ? `${moved}@${newerDigest}` : moved };
}

/** "48.0 MiB · pushed 3 days ago": the inline hint after a reference. */
export function hintLabel(tag: TagFacts, platform: string | undefined, now: number): string | undefined {
  const chosen = preferredPlatform(tag, platform);
  const parts = [chosen?.size != null ? formatBytes(chosen.size) : undefined, pushedAgo(tag.pushed, now)].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}
