import type { ScoutFinding } from '../scout/client';
import type { SbomPackage } from './attestationContent';

/*
 * "What changed between 1.1 and 1.2": the packages two SBOMs list, and the vulnerabilities Docker Scout reports for
 * two images, each side against the other.
 */

export interface PackageVersion {
  name: string;
  type: string | null;
  /** Versions the SBOM lists for the package, comma-separated (a package may be present in several versions). */
  version: string | null;
}

export interface ChangedPackage {
  name: string;
  type: string | null;
  versionA: string | null;
  versionB: string | null;
}

export interface PackageChanges {
  added: PackageVersion[];
  removed: PackageVersion[];
  changed: ChangedPackage[];
  unchanged: number;
}

/** A package is its ecosystem and name; its versions are compared as a set. Lists are sorted by name. */
export function packageChanges(a: SbomPackage[], b: SbomPackage[]): PackageChanges {
  const before = byPackage(a);
  const after = byPackage(b);
  const changes: PackageChanges = { added: [], removed: [], changed: [], unchanged: 0 };
  for (const [key, entry] of after) {
    const old = before.get(key);
    if (!old) changes.added.push(entry);
    else if (old.version !== entry.version) changes.changed.push({ name: entry.name, type: entry.type, versionA: old.version, versionB: entry.version });
    else changes.unchanged++;
  }
  for (const [key, entry] of before) if (!after.has(key)) changes.removed.push(entry);
  const byName = (x: { name: string; type: string | null }, y: { name: string; type: string | null }) =>
    x.name.localeCompare(y.name) || (x.type ?? '').localeCompare(y.type ?? '');
  changes.added.sort(byName);
  changes.removed.sort(byName);
  changes.changed.sort(byName);
  return changes;
}

function byPackage(packages: SbomPackage[]): Map<string, PackageVersion> {
  const versions = new Map<string, { name: string; type: string | null; versions: Set<string> }>();
  for (const item of packages) {
    const key = `${item.type ?? ''}\u0000${item.name}`;
    const entry = versions.get(key) ?? { name: item.name, type: item.type, versions: new Set<string>() };
    if (item.version) entry.versions.add(item.version);
    versions.set(key, entry);
  }
  return new Map(
    [...versions].map(([key, entry]) => [
      key,
      { name: entry.name, type: entry.type, version: entry.versions.size > 0 ? [...entry.versions].sort().join(', ') : null },
    ]),
  );
}

export interface VulnerabilityChanges {
  /** In a, not in b: fixed by the change. */
  fixed: ScoutFinding[];
  /** In b, not in a. */
  introduced: ScoutFinding[];
  /** In both. */
  unchanged: number;
}

/** A finding is a vulnerability id in a package; the findings keep Scout's order (most severe first). */
export function vulnerabilityChanges(a: ScoutFinding[], b: ScoutFinding[]): VulnerabilityChanges {
  const key = (finding: ScoutFinding) => `${finding.id}\u0000${finding.packageType}\u0000${finding.package}`;
  const keysA = new Set(a.map(key));
  const keysB = new Set(b.map(key));
  const once = (findings: ScoutFinding[]) => {
    const seen = new Set<string>();
    return findings.filter((finding) => !seen.has(key(finding)) && seen.add(key(finding)));
  };
  return {
    fixed: once(a.filter((finding) => !keysB.has(key(finding)))),
    introduced: once(b.filter((finding) => !keysA.has(key(finding)))),
    unchanged: [...keysA].filter((k) => keysB.has(k)).length,
  };
}
