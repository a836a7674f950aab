import { DockerMcpError } from '../errors';
import type { Descriptor, IndexManifest, Platform } from './types';

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** BuildKit stores SBOM and provenance as index entries; they are never platforms. */
export function isAttestation(descriptor: Descriptor): boolean {
  if (descriptor.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest') return true;
  return descriptor.platform?.os === 'unknown' && descriptor.platform?.architecture === 'unknown';
}

/** `linux/arm64/v8`; also for Hub's `images[]` entries, whose variant may be null. */
export function platformString(platform: { os: string; architecture: string; variant?: string | null }): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/** `os/arch[/variant]`; the tool schema has already checked the shape. */
export function parsePlatform(text: string): Platform {
  const [os, architecture, variant] = text.trim().toLowerCase().split('/');
  return variant ? { os, architecture, variant } : { os, architecture };
}

const ARCHITECTURE_ALIASES: Record<string, string> = { x86_64: 'amd64', 'x86-64': 'amd64', aarch64: 'arm64', armhf: 'arm', i386: '386' };

/** Go's GOOS and GOARCH values, which containerd's platforms.Parse (behind `docker --platform`) recognises. */
const KNOWN_OS = new Set(['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'wasip1', 'windows', 'zos']);
const KNOWN_ARCHITECTURES = new Set([
  '386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le', 'mips64p32',
  'mips64p32le', 'ppc', 'ppc64', 'ppc64le', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm',
]);

/**
 * A platform as a person or model may write it, normalised as `docker --platform` (containerd) does: any case,
 * `aarch64` → arm64, `x86_64` → amd64, `armhf` → arm/v7, `armel` → arm/v6, `7` → v7, amd64's `v1` dropped, and an
 * architecture alone meaning linux. Returns `os/arch[/variant]`, or undefined when the text is not a platform (an OS
 * alone names no architecture). The one implementation every tool's `platform` argument goes through.
 */
export function normalisePlatform(text: string): string | undefined {
  const parts = text.toLowerCase().split('/');
  // containerd's component rule: letters, digits, `_` and `-` only, so no blank, dot or control character slips through.
  if (parts.length > 3 || parts.some((part) => !/^[a-z0-9_-]+$/.test(part))) return undefined;
  let [os, architecture, variant] = parts.length === 1 ? ['linux', parts[0], undefined] : parts;
  if (!KNOWN_OS.has(os)) return undefined;
  if (architecture === 'armhf') [architecture, variant] = ['arm', variant ?? 'v7'];
  else if (architecture === 'armel') [architecture, variant] = ['arm', variant ?? 'v6'];
  architecture = ARCHITECTURE_ALIASES[architecture] ?? architecture;
  if (!KNOWN_ARCHITECTURES.has(architecture)) return undefined;
  if (variant !== undefined) {
    if (/^\d+$/.test(variant)) variant = `v${variant}`;
    if (!/^v\d+$/.test(variant)) return undefined;
    if (architecture === 'amd64' && variant === 'v1') variant = undefined;
  }
  return [os, architecture, variant].filter(Boolean).join('/');
}

/** containerd's normalisation: arm64 means v8, arm means v7, amd64's v1 is no variant. */
function normalise(platform: Platform): Required<Pick<Platform, 'os' | 'architecture'>> & { variant: string } {
  const architecture = ARCHITECTURE_ALIASES[platform.architecture] ?? platform.architecture;
  let variant = platform.variant ?? '';
  if (architecture === 'arm64' && variant === '') variant = 'v8';
  if (architecture === 'arm' && variant === '') variant = 'v7';
  if (architecture === 'amd64' && variant === 'v1') variant = '';
  return { os: platform.os, architecture, variant };
}

/** A request without a variant matches any variant of that os/arch; with one, only that variant. */
export function platformMatches(requested: Platform, candidate: Platform): boolean {
  const want = normalise(requested);
  const have = normalise(candidate);
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  return requested.variant === undefined || want.variant === have.variant;
}

/** Image entries of an index, attestations left out. */
export function platformEntries(index: IndexManifest): Descriptor[] {
  return index.manifests.filter((descriptor) => !isAttestation(descriptor));
}

export interface PlatformChoice {
  descriptor: Descriptor;
  platform: Platform;
  choice: 'requested' | 'default' | 'first' | 'only';
  available: string[];
}

/**
 * CONTRACT.md: the requested platform, else linux/amd64 when present, else the first non-attestation entry.
 * A requested platform that is absent is NOT_FOUND naming the ones there are.
 */
export function choosePlatform(index: IndexManifest, requested: string | undefined, what: string): PlatformChoice {
  const entries = platformEntries(index);
  const available = entries.map((descriptor) => platformString(platformOf(descriptor)));
  if (entries.length === 0) {
    throw new DockerMcpError('NOT_FOUND', `${what} is an index without any image platform (only attestations or artifacts).`);
  }
  if (requested) {
    const wanted = parsePlatform(requested);
    const exact = entries.find((descriptor) => platformMatches(wanted, platformOf(descriptor)));
    if (!exact) {
      throw new DockerMcpError('NOT_FOUND', `${what} has no ${platformString(wanted)} image; available platforms: ${available.join(', ')}.`);
    }
    return { descriptor: exact, platform: platformOf(exact), choice: 'requested', available };
  }
  if (entries.length === 1) return { descriptor: entries[0], platform: platformOf(entries[0]), choice: 'only', available };
  const preferred = entries.find((descriptor) => platformMatches(DEFAULT_PLATFORM, platformOf(descriptor)));
  if (preferred) return { descriptor: preferred, platform: platformOf(preferred), choice: 'default', available };
  return { descriptor: entries[0], platform: platformOf(entries[0]), choice: 'first', available };
}

export function platformOf(descriptor: Descriptor): Platform {
  const p = descriptor.platform;
  if (!p) return { os: 'unknown', architecture: 'unknown' };
  return p.variant ? { os: p.os, architecture: p.architecture, variant: p.variant } : { os: p.os, architecture: p.architecture };
}

/** `linux/amd64 (default; also linux/arm64/v8, linux/arm/v7)`: which platform a tool used, and why. */
export function describePlatformChoice(platform: string, choice: PlatformChoice['choice'], available: string[]): string {
  const others = available.filter((name) => name !== platform);
  const why = { requested: 'as requested', default: 'default', first: 'first listed; no linux/amd64', only: 'the only one' }[choice];
  return `${platform} (${why}${others.length > 0 ? `; also ${others.join(', ')}` : ''})`;
}

/** What an attestation entry is about: the digest of the image manifest it describes. */
export function attestationSubject(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.['vnd.docker.reference.digest'];
}
