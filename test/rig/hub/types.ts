// Structural stand-ins for test/rig/images.ts (Catalogue, RigUser): the emulator reads only these fields, so the
// rig's own types are assignable to them.

export interface CataloguePlatform {
  os: string;
  architecture: string;
  variant?: string;
  digest: string;
  size: number;
  // Layer digests (strings or { digest }), used for Scout's layer list when present.
  layers?: unknown;
}

export interface CatalogueAttestation {
  digest: string;
  size: number;
}

export interface CatalogueTag {
  mediaType: string;
  digest: string;
  platforms: CataloguePlatform[];
  // Attestation manifests of an index; entries of `platforms` with os "unknown" count as attestations too.
  attestations?: CatalogueAttestation[];
}

type TagsOfRepo = Record<string, CatalogueTag> | Map<string, CatalogueTag>;
export type CatalogueLike = Record<string, TagsOfRepo> | Map<string, TagsOfRepo>;

export interface RigUserLike {
  username: string;
  // The PAT (or password) accepted as `secret` / `password` at login.
  password: string;
  // Personal namespace and organisations; the user may read and write in each.
  namespaces?: string[];
  // PAT scope: repo:public_read, repo:read, repo:write or repo:admin (default).
  scope?: string;
}

export interface RequestRecord {
  method: string;
  path: string;
  auth: boolean;
}

export interface PathFilter {
  // Only requests whose path (with query) contains this string are affected; all requests when absent.
  path?: string;
}

export interface HubControl {
  // Drops pending faults and delays and re-enables /v2/auth/token; issued tokens stay valid.
  reset(): void;
  expireTokens(): void;
  rateLimitNext(n: number, opts?: { retryAfterSeconds?: number; xRetryAfterUnix?: number } & PathFilter): void;
  failNext(n: number, status: number, opts?: PathFilter): void;
  slow(ms: number): void;
  cutNext(n: number, opts?: PathFilter): void;
  disableAuthTokenEndpoint(disabled: boolean): void;
}

export interface HubEmulator {
  url: string;
  scoutUrl: string;
  stop(): Promise<void>;
  control: HubControl;
  requests(): RequestRecord[];
  resetRequests(): void;
  /** Every access token the login endpoints handed out. */
  issuedTokens(): string[];
}
