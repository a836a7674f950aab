/**
 * Shapes shared by the registry client, analysis functions and tools. Field names follow the OCI image spec and
 * Docker's image config (Config, History, RootFS) so they can be read off upstream JSON without renaming.
 */

/** A parsed, normalised Docker reference (`nginx` → docker.io/library/nginx:latest). */
export interface ImageReference {
  /** Registry host as written by people: `docker.io`, `ghcr.io`, `localhost:5000`. */
  registry: string;
  /** Repository path on that registry: `library/nginx`, `owner/app`. */
  repository: string;
  tag?: string;
  digest?: string;
  /** `docker.io/library/nginx:latest`, or with `@sha256:…`. */
  canonical: string;
  /** The shortest form people write: `nginx:latest`, `ghcr.io/owner/app:1`. */
  familiar: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform & { 'os.version'?: string; 'os.features'?: string[] };
  annotations?: Record<string, string>;
  artifactType?: string;
}

/** Docker manifest list or OCI index. */
export interface IndexManifest {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** Docker schema2 or OCI image manifest. */
export interface ImageManifest {
  schemaVersion: number;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
  subject?: Descriptor;
  artifactType?: string;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The image config blob (only what we read). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  author?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object>;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
    Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number };
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: HistoryEntry[];
}

interface FetchedManifestBase {
  reference: ImageReference;
  /** Computed over the exact bytes. */
  digest: string;
  mediaType: string;
  size: number;
  /** When the tag was looked up (ISO 8601), for a manifest read by tag; how old the tag → digest answer is. */
  resolvedAt?: string;
}

/** A manifest as fetched: an index (or manifest list) or an image manifest, told apart by `kind`. */
export type FetchedManifest =
  | (FetchedManifestBase & { kind: 'index'; index: IndexManifest; image?: undefined })
  | (FetchedManifestBase & { kind: 'image'; image: ImageManifest; index?: undefined });

/** One platform's image manifest, resolved from a reference (through an index when there is one); no config read. */
export interface PlatformManifest {
  reference: ImageReference;
  /** Digest of the index or list when the reference pointed at one. */
  indexDigest?: string;
  /** Digest of the platform's image manifest. */
  digest: string;
  mediaType: string;
  platform: Platform;
  /** How the platform was chosen, for the text summary: `requested`, `default` (linux/amd64), `first`, `only`. */
  platformChoice: 'requested' | 'default' | 'first' | 'only';
  /** Every non-attestation platform of the index (`os/arch[/variant]`), or the single one. */
  availablePlatforms: string[];
  manifest: ImageManifest;
  configDigest: string;
  /** When the tag was looked up (ISO 8601), for a reference by tag. */
  resolvedAt?: string;
}

/** One platform's image with its config. */
export interface ResolvedImage extends PlatformManifest {
  config: ImageConfig;
}

/** What a HEAD of a manifest says, without spending a pull. */
export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
  /** Lower-cased response headers (rate-limit headers included). */
  headers: Record<string, string>;
}

/** One page of a registry's tag list (`/v2/<name>/tags/list`). */
export interface TagPage {
  tags: string[];
  /** Pass as `last` to continue; absent at the end. */
  next?: string;
}

/** One in-toto statement of an attestation manifest (BuildKit stores one per layer). */
export interface AttestationStatement {
  /** `in-toto.io/predicate-type`, e.g. https://spdx.dev/Document, https://slsa.dev/provenance/v0.2 */
  predicateType: string;
  kind: 'sbom' | 'provenance' | 'other';
  digest: string;
  size: number;
  /** SBOM: document format and version (`SPDX-2.3`, `CycloneDX 1.5`). */
  format?: string;
  /** SBOM: packages (SPDX) or components (CycloneDX). */
  packages?: number;
  /** Provenance: the builder's id (SLSA v0.2 predicate.builder.id, v1 runDetails.builder.id). */
  builderId?: string;
  buildType?: string;
  /** Provenance: inputs recorded (materials / resolvedDependencies). */
  materials?: number;
  finishedOn?: string;
  /** Why no summary was read (too large, not JSON). */
  note?: string;
}

/** Attestations of an index: which platforms have them, and the statements for one platform. */
export interface AttestationReport {
  reference: ImageReference;
  digest: string;
  mediaType: string;
  kind: 'index' | 'image';
  /** When the tag was looked up (ISO 8601), for a reference by tag. */
  resolvedAt?: string;
  /** Non-attestation platforms of the index. */
  platforms: string[];
  /** Platforms with an attestation manifest. */
  attestedPlatforms: string[];
  /** The platform whose statements were read. */
  platform?: string;
  platformChoice?: ResolvedImage['platformChoice'];
  attestationDigest?: string;
  statements: AttestationStatement[];
}
