import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { CatalogueLike, CataloguePlatform, CatalogueTag, RigUserLike } from './types';

const dataDir = fileURLToPath(new URL('./data/', import.meta.url));

function readData<T>(name: string): T {
  return JSON.parse(readFileSync(dataDir + name, 'utf8')) as T;
}

// Every generated date is relative to one fixed instant so replies are reproducible.
const epochMs = Date.UTC(2025, 5, 1, 12, 0, 0);

// Hub prints microseconds: 2024-10-02T01:50:27.905360Z.
export function hubTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

export function stableInt(text: string, modulo: number): number {
  return parseInt(createHash('sha256').update(text).digest('hex').slice(0, 12), 16) % modulo;
}

export function stableHex(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

export function stableUuid(text: string): string {
  const h = stableHex(text);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export type Badge = 'official' | 'verified_publisher' | 'open_source' | null;
export interface Category {
  name: string;
  slug: string;
}

interface RepositoryRecord {
  namespace: string;
  name: string;
  description: string;
  full_description?: string;
  full_description_file?: string;
  star_count: number;
  pull_count: number;
  is_private: boolean;
  badge: Badge;
  date_registered: string;
  last_updated?: string;
  last_updater_username: string;
  architectures?: string[];
  categories: Category[];
}

export interface HubImage {
  architecture: string;
  features: string;
  variant: string | null;
  digest: string;
  os: string;
  os_features: string;
  os_version: string | null;
  size: number;
  status: 'active';
  last_pulled: string;
  last_pushed: string;
}

// Key order follows the recorded tag objects in ../shared/reference/fixtures.
export interface HubTag {
  creator: number;
  id: number;
  images: HubImage[];
  last_updated: string;
  last_updater: number;
  last_updater_username: string;
  name: string;
  repository: number;
  full_size: number;
  v2: true;
  tag_status: 'active';
  tag_last_pulled: string;
  tag_last_pushed: string;
  media_type: string;
  content_type: 'image';
  digest: string;
}

export interface RepoState {
  id: number;
  namespace: string;
  name: string;
  description: string;
  full_description: string;
  star_count: number;
  pull_count: number;
  is_private: boolean;
  badge: Badge;
  date_registered: string;
  last_modified: string;
  updated_without_tags: string | null;
  last_updater_username: string;
  architectures_without_tags: string[];
  categories: Category[];
  tags: Map<string, HubTag>;
}

export interface UserAccount {
  username: string;
  password: string;
  scope: string;
  hubUserId: number;
  email: string;
  profile: Record<string, unknown>;
  // Namespaces the user may write to besides their own.
  writable: Set<string>;
}

export interface OrgMember {
  user_role: string;
  user_groups: string[];
}

export interface OrgAccount {
  namespace: Record<string, unknown> & { orgname: string };
  members: Map<string, OrgMember>;
}

export interface ScoutPackage {
  name: string;
  namespace: string | null;
  type: string;
  version: string;
  purl: string;
  licenses: string[];
  locations: { path: string }[];
  vulnerabilities: ScoutVulnerability[];
}

export interface ScoutVulnerability {
  sourceId: string;
  source: string;
  description: string | null;
  severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'UNSPECIFIED';
  score: number | null;
  vector: string | null;
  fixedBy: string | null;
  vulnerableRange: string;
  publishedAt: string | null;
  cwes: { cweId: string; description: string | null }[];
}

export interface ScoutImage {
  digest: string;
  sbomState: 'INDEXED' | 'INDEXING' | 'INDEXING_FAILED' | 'INDEXING_UNAVAILABLE' | 'NONE';
  packages: ScoutPackage[];
  layerDigests: string[];
}

interface VulnerabilityRecord {
  image: string;
  platform: string;
  sbomState: ScoutImage['sbomState'];
  packages: ScoutPackage[];
}

const indexMediaTypes = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

// Hub reports a single-manifest tag by its config media type, and lists config types among a repository's
// media_types (recorded in hub-tags-page-dotcms-dotcms-test.raw.json and hub-repository-ollama-ollama-2025.json).
function configMediaTypeOf(manifestMediaType: string): string {
  return manifestMediaType.includes('vnd.oci.')
    ? 'application/vnd.oci.image.config.v1+json'
    : 'application/vnd.docker.container.image.v1+json';
}

function hubTagMediaType(manifestMediaType: string): string {
  return indexMediaTypes.has(manifestMediaType) ? manifestMediaType : configMediaTypeOf(manifestMediaType);
}

function entriesOf<V>(collection: Record<string, V> | Map<string, V>): [string, V][] {
  return collection instanceof Map ? [...collection.entries()] : Object.entries(collection);
}

// Catalogue keys are Docker Hub paths ("library/demo"); "demo" means library/demo; other registries are skipped.
function hubRepoPath(key: string): string | null {
  const parts = key.replace(/^docker\.io\//, '').split('/');
  if (parts.length === 1) return `library/${parts[0]}`;
  if (parts.length === 2 && !/[.:]/.test(parts[0])) return parts.join('/');
  return null;
}

function isAttestation(p: CataloguePlatform): boolean {
  return p.os === 'unknown';
}

function hubImage(p: { architecture: string; variant?: string; os: string; digest: string; size: number },
  pushedMs: number, pulledMs: number): HubImage {
  return {
    architecture: p.architecture,
    features: '',
    variant: p.variant ?? null,
    digest: p.digest,
    os: p.os,
    os_features: '',
    os_version: null,
    size: p.size,
    status: 'active',
    last_pulled: hubTime(pulledMs),
    last_pushed: hubTime(pushedMs),
  };
}

function hubTagFromCatalogue(repo: RepoState, tagName: string, entry: CatalogueTag, pushedMs: number, pulledMs: number,
  updaterId: number): HubTag {
  const platforms = entry.platforms.filter((p) => !isAttestation(p));
  const attestations = [
    ...entry.platforms.filter(isAttestation).map((p) => ({ digest: p.digest, size: p.size })),
    ...(entry.attestations ?? []),
  ];
  const images = [
    ...platforms.map((p, i) => hubImage(p, pushedMs - (i + 1) * 7000, pulledMs - i * 1000)),
    ...attestations.map((a, i) => hubImage({ architecture: 'unknown', os: 'unknown', ...a },
      pushedMs - (platforms.length + i + 1) * 7000, pulledMs - (platforms.length + i) * 1000)),
  ];
  const amd64 = platforms.find((p) => p.os === 'linux' && p.architecture === 'amd64');
  return {
    creator: updaterId,
    id: stableInt(`${repo.namespace}/${repo.name}:${tagName}`, 2_000_000_000),
    images,
    last_updated: hubTime(pushedMs),
    last_updater: updaterId,
    last_updater_username: repo.last_updater_username,
    name: tagName,
    repository: repo.id,
    full_size: (amd64 ?? platforms[0])?.size ?? 0,
    v2: true,
    tag_status: 'active',
    tag_last_pulled: hubTime(pulledMs),
    tag_last_pushed: hubTime(pushedMs),
    media_type: hubTagMediaType(entry.mediaType),
    content_type: 'image',
    digest: entry.digest,
  };
}

function newRepo(record: RepositoryRecord): RepoState {
  const fullDescription = record.full_description_file
    ? readFileSync(dataDir + record.full_description_file, 'utf8')
    : record.full_description ?? '';
  return {
    id: stableInt(`${record.namespace}/${record.name}`, 90_000_000) + 1000,
    namespace: record.namespace,
    name: record.name,
    description: record.description,
    full_description: fullDescription,
    star_count: record.star_count,
    pull_count: record.pull_count,
    is_private: record.is_private,
    badge: record.badge,
    date_registered: record.date_registered,
    last_modified: record.last_updated ?? record.date_registered,
    updated_without_tags: record.last_updated ?? null,
    last_updater_username: record.last_updater_username,
    architectures_without_tags: record.architectures ?? [],
    categories: record.categories,
    tags: new Map(),
  };
}

export function emptyRepo(namespace: string, name: string, owner: string, isPrivate: boolean): RepoState {
  return newRepo({
    namespace, name, description: '', star_count: 0, pull_count: 0, is_private: isPrivate, badge: null,
    date_registered: hubTime(Date.now()), last_updater_username: owner, categories: [],
  });
}

function layerDigestsOf(p: CataloguePlatform): string[] {
  if (!Array.isArray(p.layers)) return [];
  return p.layers.flatMap((l: unknown) => {
    if (typeof l === 'string') return [l];
    if (l && typeof l === 'object' && typeof (l as { digest?: unknown }).digest === 'string') {
      return [(l as { digest: string }).digest];
    }
    return [];
  });
}

function platformString(p: CataloguePlatform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export class HubState {
  readonly repos = new Map<string, RepoState>();
  readonly users = new Map<string, UserAccount>();
  readonly orgs = new Map<string, OrgAccount>();
  readonly profiles = new Map<string, Record<string, unknown>>();
  // Scout's view: every image (platform) digest of the catalogue.
  readonly scoutImages = new Map<string, ScoutImage>();

  private readonly vulnerabilityRecords: VulnerabilityRecord[];
  private readonly tagCache = new Map<string, HubTag>();
  // repository:tag → the digest it had when deleted through the API; hidden until the catalogue moves the tag.
  private readonly deletedTags = new Map<string, string>();
  private synced = false;

  // The catalogue is read live: the rig pushes to it (and to the registry) while the emulator runs.
  constructor(private readonly catalogue: CatalogueLike, rigUsers: RigUserLike[]) {
    for (const record of readData<{ repositories: RepositoryRecord[] }>('repositories.json').repositories) {
      this.repos.set(`${record.namespace}/${record.name}`, newRepo(record));
    }
    this.loadAccounts(rigUsers);
    this.vulnerabilityRecords = readData<{ images: VulnerabilityRecord[] }>('vulnerabilities.json').images;
    this.sync();
  }

  // Brings Hub's tags and Scout's images in line with the catalogue. Tags present at start get reproducible dates;
  // a tag the catalogue changes later counts as pushed now.
  sync(): void {
    for (const [key, tags] of entriesOf(this.catalogue)) {
      const path = hubRepoPath(key);
      if (!path) continue;
      const repo = this.repos.get(path) ?? this.addCatalogueRepo(path);
      const updaterId = this.users.get(repo.last_updater_username)?.hubUserId
        ?? stableInt(repo.last_updater_username, 9_000_000) + 100_000;
      const current = new Map<string, HubTag>();
      entriesOf(tags).forEach(([tagName, entry], position) => {
        const id = `${path}:${tagName}`;
        if (this.deletedTags.get(id) === entry.digest) return;
        this.deletedTags.delete(id);
        let tag = this.tagCache.get(id);
        if (!tag || tag.digest !== entry.digest) {
          const pushedMs = this.synced
            ? Date.now()
            : epochMs - position * 3_600_000 - stableInt(path, 3600) * 1000;
          const pulledMs = this.synced ? pushedMs : epochMs + 86_400_000 - position * 60_000;
          tag = hubTagFromCatalogue(repo, tagName, entry, pushedMs, pulledMs, updaterId);
          this.tagCache.set(id, tag);
          this.addScoutImages(path, tagName, entry);
        }
        current.set(tagName, tag);
      });
      repo.tags = current;
    }
    this.synced = true;
  }

  private addCatalogueRepo(path: string): RepoState {
    const [namespace, name] = path.split('/');
    const repo = emptyRepo(namespace, name, namespace, false);
    repo.date_registered = hubTime(epochMs - 400 * 86_400_000);
    this.repos.set(path, repo);
    return repo;
  }

  deleteTag(repo: RepoState, tagName: string): boolean {
    const tag = repo.tags.get(tagName);
    if (!tag) return false;
    this.deletedTags.set(`${repo.namespace}/${repo.name}:${tagName}`, tag.digest);
    repo.tags.delete(tagName);
    return true;
  }

  private loadAccounts(rigUsers: RigUserLike[]): void {
    const data = readData<{
      users: { username: string; hub_user_id: number; email: string; profile: Record<string, unknown> }[];
      orgs: { members: ({ username: string } & OrgMember)[]; namespace: OrgAccount['namespace'] }[];
    }>('accounts.json');
    for (const org of data.orgs) {
      this.orgs.set(org.namespace.orgname, {
        namespace: org.namespace,
        members: new Map(org.members.map(({ username, ...member }) => [username, member])),
      });
    }
    for (const user of data.users) this.profiles.set(user.username, user.profile);
    const usernames = new Set([...data.users, ...rigUsers].map((u) => u.username));
    for (const rigUser of rigUsers) {
      const known = data.users.find((u) => u.username === rigUser.username);
      const profile = known?.profile ?? {
        id: stableHex(rigUser.username),
        uuid: stableUuid(rigUser.username),
        username: rigUser.username,
        full_name: '',
        location: '',
        company: '',
        profile_url: '',
        date_joined: hubTime(epochMs - 900 * 86_400_000),
        gravatar_url: '',
        gravatar_email: '',
        type: 'User',
      };
      const namespaces = rigUser.namespaces ?? [];
      for (const orgname of namespaces) {
        if (usernames.has(orgname)) continue;
        const org = this.orgs.get(orgname) ?? this.generatedOrg(orgname);
        if (!org.members.has(rigUser.username)) {
          org.members.set(rigUser.username, { user_role: 'owner', user_groups: ['owners'] });
        }
      }
      this.profiles.set(rigUser.username, profile);
      this.users.set(rigUser.username, {
        username: rigUser.username,
        password: rigUser.password,
        scope: rigUser.scope ?? 'repo:admin',
        hubUserId: known?.hub_user_id ?? stableInt(rigUser.username, 9_000_000) + 100_000,
        email: known?.email ?? `${rigUser.username}@rig.example`,
        profile,
        writable: new Set(namespaces),
      });
    }
  }

  private generatedOrg(orgname: string): OrgAccount {
    const org: OrgAccount = {
      namespace: {
        id: stableHex(orgname),
        uuid: stableUuid(orgname),
        orgname,
        full_name: orgname,
        location: '',
        company: '',
        profile_url: '',
        date_joined: hubTime(epochMs - 700 * 86_400_000),
        gravatar_email: '',
        gravatar_url: '',
        type: 'Org',
        badge: '',
        is_active: true,
        user_role: '',
        user_groups: [],
        org_groups_count: 1,
        plan_name: 'team',
        parent_name: null,
      },
      members: new Map(),
    };
    this.orgs.set(orgname, org);
    return org;
  }

  private addScoutImages(repoPath: string, tagName: string, entry: CatalogueTag): void {
    for (const platform of entry.platforms.filter((p) => !isAttestation(p))) {
      if (this.scoutImages.has(platform.digest)) continue;
      const record = this.vulnerabilityRecords.find((r) => {
        const [path, tag] = r.image.split(':');
        return path === repoPath && (tag === undefined || tag === tagName)
          && (r.platform === '*' || r.platform === platformString(platform));
      });
      this.scoutImages.set(platform.digest, {
        digest: platform.digest,
        sbomState: record?.sbomState ?? 'NONE',
        packages: record?.packages ?? [],
        layerDigests: layerDigestsOf(platform),
      });
    }
  }

  canRead(repo: RepoState, user: UserAccount | null): boolean {
    if (!repo.is_private) return true;
    return user !== null && user.scope !== 'repo:public_read' && this.isMember(user, repo.namespace);
  }

  isMember(user: UserAccount, namespace: string): boolean {
    return user.username === namespace || user.writable.has(namespace) || this.orgs.get(namespace)?.members.has(user.username) === true;
  }

  orgsOf(user: UserAccount): OrgAccount[] {
    return [...this.orgs.values()].filter((org) => org.members.has(user.username));
  }
}

export function repoLastUpdated(repo: RepoState): string | null {
  let latest = '';
  for (const tag of repo.tags.values()) if (tag.last_updated > latest) latest = tag.last_updated;
  return latest || repo.updated_without_tags;
}

export function repoMediaTypes(repo: RepoState): string[] {
  const types = new Set<string>();
  for (const tag of repo.tags.values()) {
    types.add(tag.media_type);
    if (indexMediaTypes.has(tag.media_type)) types.add(configMediaTypeOf(tag.media_type));
  }
  return [...types].sort();
}

export function repoStorageSize(repo: RepoState): number {
  const sizes = new Map<string, number>();
  for (const tag of repo.tags.values()) for (const image of tag.images) sizes.set(image.digest, image.size);
  return [...sizes.values()].reduce((a, b) => a + b, 0);
}

export function repoPlatforms(repo: RepoState): { architectures: string[]; operatingSystems: string[] } {
  const architectures = new Set<string>();
  const operatingSystems = new Set<string>();
  for (const tag of repo.tags.values()) {
    for (const image of tag.images) {
      if (image.os === 'unknown') continue;
      architectures.add(image.architecture);
      operatingSystems.add(image.os);
    }
  }
  if (repo.tags.size === 0) {
    repo.architectures_without_tags.forEach((a) => architectures.add(a));
    if (architectures.size > 0) operatingSystems.add('linux');
  }
  return { architectures: [...architectures], operatingSystems: [...operatingSystems] };
}
