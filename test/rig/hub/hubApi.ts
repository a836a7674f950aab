import {
  emptyRepo, hubTime, repoLastUpdated, repoMediaTypes, repoPlatforms, repoStorageSize, stableHex,
  type HubState, type HubTag, type RepoState, type UserAccount,
} from './state';
import type { TokenIssuer } from './tokens';

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HubRequest {
  url: URL;
  base: string;
  viewer: UserAccount | null;
  body: unknown;
}

export interface HubApiOptions {
  state: HubState;
  tokens: TokenIssuer;
  authTokenEndpointDisabled(): boolean;
  onTagDeleted?: (repository: string, tag: string) => void | Promise<void>;
}

// Error bodies, in the forms Docker Hub answers with (see data/SOURCES.md).
export const objectNotFound = (errinfo: Record<string, string> = {}): Reply =>
  ({ status: 404, body: { message: 'httperror 404: object not found', errinfo } });
export const unauthorized = (): Reply => ({ status: 401, body: { message: 'unauthorized', errinfo: {} } });
const forbidden = (message: string): Reply => ({ status: 403, body: { message, errinfo: {} } });
const invalidField = (field: string, message: string, text = message): Reply =>
  ({ status: 400, body: { fields: { [field]: [message] }, text } });
const badSearch = (message: string): Reply => ({ status: 400, body: { message, errinfo: {} } });

const anonymousOffsetLimit = 1000;
const maxPageSize = 100;

interface Paging {
  page: number;
  pageSize: number;
}

function readPaging(url: URL, defaultPageSize: number): Paging | Reply {
  const page = url.searchParams.get('page');
  const pageSize = url.searchParams.get('page_size');
  if (page !== null && !/^[1-9]\d*$/.test(page)) return invalidField('page', 'A valid integer is required.', 'Invalid page');
  if (pageSize !== null && !/^[1-9]\d*$/.test(pageSize)) {
    return invalidField('page_size', 'A valid integer is required.', 'Invalid page_size');
  }
  // Hub caps page_size at 100 rather than refusing larger values.
  return { page: page === null ? 1 : Number(page), pageSize: Math.min(pageSize === null ? defaultPageSize : Number(pageSize), maxPageSize) };
}

// Links keep the request's parameters sorted by name with `page` replaced, and page 1 is linked without `page`,
// as Django REST framework (behind Hub's v2 lists) builds them.
function pageLink(req: HubRequest, page: number): string {
  const params = new URLSearchParams(req.url.searchParams);
  if (page === 1) params.delete('page');
  else params.set('page', String(page));
  params.sort();
  const query = params.toString();
  return `${req.base}${req.url.pathname}${query ? `?${query}` : ''}`;
}

function paginate<T>(req: HubRequest, items: T[], paging: Paging, noLink: '' | null): Reply {
  const offset = (paging.page - 1) * paging.pageSize;
  if (!req.viewer && offset >= anonymousOffsetLimit) {
    return { status: 403, body: { message: 'pagination offset too large for anonymous requests; sign in to page further' } };
  }
  if (paging.page > 1 && offset >= items.length) return objectNotFound();
  return {
    status: 200,
    body: {
      count: items.length,
      next: offset + paging.pageSize < items.length ? pageLink(req, paging.page + 1) : noLink,
      previous: paging.page > 1 ? pageLink(req, paging.page - 1) : noLink,
      results: items.slice(offset, offset + paging.pageSize),
    },
  };
}

function writeScope(user: UserAccount): boolean {
  return user.scope === 'repo:write' || user.scope === 'repo:admin';
}

function repositoryInfo(state: HubState, repo: RepoState, viewer: UserAccount | null) {
  const mayWrite = viewer !== null && state.isMember(viewer, repo.namespace) && writeScope(viewer);
  return {
    user: repo.namespace,
    name: repo.name,
    namespace: repo.namespace,
    repository_type: 'image',
    status: 1,
    status_description: 'active',
    description: repo.description,
    is_private: repo.is_private,
    is_automated: false,
    star_count: repo.star_count,
    pull_count: repo.pull_count,
    last_updated: repoLastUpdated(repo),
    last_modified: repo.last_modified,
    date_registered: repo.date_registered,
    collaborator_count: 0,
    affiliation: '',
    hub_user: repo.namespace,
    has_starred: false,
    full_description: repo.full_description,
    permissions: { read: state.canRead(repo, viewer), write: mayWrite, admin: mayWrite && viewer.scope === 'repo:admin' },
    media_types: repoMediaTypes(repo),
    content_types: repo.tags.size > 0 ? ['image'] : [],
    categories: repo.categories,
    immutable_tags_settings: { enabled: false, rules: [] },
    storage_size: repoStorageSize(repo),
    source: null,
  };
}

function repositoryListEntry(repo: RepoState) {
  return {
    name: repo.name,
    namespace: repo.namespace,
    repository_type: 'image',
    status: 1,
    status_description: 'active',
    description: repo.description,
    is_private: repo.is_private,
    star_count: repo.star_count,
    pull_count: repo.pull_count,
    last_updated: repoLastUpdated(repo),
    last_modified: repo.last_modified,
    date_registered: repo.date_registered,
    affiliation: '',
    media_types: repoMediaTypes(repo),
    content_types: repo.tags.size > 0 ? ['image'] : [],
    categories: repo.categories,
    storage_size: repoStorageSize(repo),
  };
}

function displayName(repo: RepoState): string {
  return repo.namespace === 'library' ? repo.name : `${repo.namespace}/${repo.name}`;
}

// Best match first: exact name, then name prefix, then substring of namespace/name, then description.
function searchRank(repo: RepoState, query: string): number {
  const full = `${repo.namespace}/${repo.name}`;
  if (repo.name === query || full === query) return 0;
  if (repo.name.startsWith(query)) return 1;
  if (full.includes(query)) return 2;
  if (repo.description.toLowerCase().includes(query)) return 3;
  return -1;
}

function searchMatches(state: HubState, rawQuery: string): RepoState[] {
  const query = rawQuery.trim().toLowerCase();
  return [...state.repos.values()]
    .filter((repo) => !repo.is_private)
    .map((repo) => ({ repo, rank: searchRank(repo, query) }))
    .filter((m) => m.rank >= 0)
    .sort((a, b) => a.rank - b.rank || b.repo.pull_count - a.repo.pull_count || displayName(a.repo).localeCompare(displayName(b.repo)))
    .map((m) => m.repo);
}

const architectureLabels: Record<string, string> = {
  amd64: 'x86-64', arm64: 'ARM 64', arm: 'ARM', '386': '386', ppc64le: 'PowerPC 64 LE', s390x: 'IBM Z',
  mips64le: 'mips64le', riscv64: 'riscv64',
};
const osLabels: Record<string, string> = { linux: 'Linux', windows: 'Windows' };

// The search API rounds pull counts into strings ("10M+"), as recorded in hub-store-search-api-2021.json.
function roundedPullCount(count: number): string {
  const steps: [number, string][] = [
    [1e9, '1B+'], [5e8, '500M+'], [1e8, '100M+'], [5e7, '50M+'], [1e7, '10M+'], [5e6, '5M+'], [1e6, '1M+'],
    [5e5, '500K+'], [1e5, '100K+'], [5e4, '50K+'], [1e4, '10K+'], [5e3, '5K+'], [1e3, '1K+'],
  ];
  return steps.find(([threshold]) => count >= threshold)?.[1] ?? String(count);
}

function searchV4Entry(state: HubState, repo: RepoState) {
  const { architectures, operatingSystems } = repoPlatforms(repo);
  const official = repo.namespace === 'library';
  const publisherId = official ? 'docker'
    : String((state.orgs.get(repo.namespace)?.namespace.id ?? state.profiles.get(repo.namespace)?.id) ?? stableHex(repo.namespace));
  const logo = `https://d1q6f0aelx0por.cloudfront.net/product-logos/library-${repo.name}-logo.png`;
  return {
    id: stableHex(`repository:${repo.namespace}/${repo.name}`),
    name: displayName(repo),
    slug: displayName(repo),
    type: 'image',
    publisher: { id: publisherId, name: official ? 'Docker' : repo.namespace },
    created_at: repo.date_registered,
    updated_at: repoLastUpdated(repo) ?? repo.date_registered,
    short_description: repo.description,
    badge: repo.badge,
    star_count: repo.star_count,
    pull_count: roundedPullCount(repo.pull_count),
    operating_systems: operatingSystems.map((name) => ({ name, label: osLabels[name] ?? name })),
    architectures: architectures.map((name) => ({ name, label: architectureLabels[name] ?? name })),
    logo_url: official ? { large: logo, small: logo } : null,
    extension_reviewed: false,
    categories: repo.categories,
    archived: false,
  };
}

const repositoryOrderings = ['name', '-name', 'last_updated', '-last_updated', 'pull_count', '-pull_count'];
const tagOrderings = ['name', '-name', 'last_updated', '-last_updated'];

function orderBy<T>(items: T[], ordering: string, keyOf: (item: T, key: string) => string | number): T[] {
  const descending = ordering.startsWith('-');
  const key = ordering.replace(/^-/, '');
  return [...items].sort((a, b) => {
    const x = keyOf(a, key);
    const y = keyOf(b, key);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return descending ? -order : order;
  });
}

const repositoryName = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

function validateDescriptions(body: { description?: unknown; full_description?: unknown }): Reply | null {
  if (body.description !== undefined && (typeof body.description !== 'string' || body.description.length > 100)) {
    return invalidField('description', 'Ensure this field has no more than 100 characters.', 'Invalid description');
  }
  if (body.full_description !== undefined
    && (typeof body.full_description !== 'string' || body.full_description.length > 25000)) {
    return invalidField('full_description', 'Ensure this field has no more than 25000 characters.', 'Invalid full_description');
  }
  return null;
}

export function hubApi(opts: HubApiOptions) {
  const { state, tokens } = opts;

  function readableRepo(req: HubRequest, ns: string, name: string): RepoState | Reply {
    const repo = state.repos.get(`${ns}/${name}`);
    if (!repo || !state.canRead(repo, req.viewer)) return objectNotFound({ namespace: ns, repository: name });
    return repo;
  }

  function writableRepo(req: HubRequest, ns: string, name: string, scopeNeeded: 'write' | 'admin'): RepoState | Reply {
    if (!req.viewer) return unauthorized();
    const repo = readableRepo(req, ns, name);
    if ('status' in repo) return repo;
    if (!state.isMember(req.viewer, ns)) return forbidden(`user ${req.viewer.username} has no write access to ${ns}/${name}`);
    const scopeOk = scopeNeeded === 'admin' ? req.viewer.scope === 'repo:admin' : writeScope(req.viewer);
    if (!scopeOk) return forbidden(`the access token's scope ${req.viewer.scope} does not allow this operation`);
    return repo;
  }

  return {
    accessToken(req: HubRequest): Reply {
      if (opts.authTokenEndpointDisabled()) return { status: 404, body: { message: '404: Page Not Found' } };
      const body = (req.body ?? {}) as { identifier?: unknown; secret?: unknown };
      if (typeof body.identifier !== 'string' || typeof body.secret !== 'string') {
        return invalidField(typeof body.identifier !== 'string' ? 'identifier' : 'secret', 'This field is required.', 'Invalid request');
      }
      const user = state.users.get(body.identifier);
      if (!user || user.password !== body.secret) {
        return { status: 401, body: { message: 'incorrect username or password', errinfo: {} } };
      }
      return { status: 200, body: { access_token: tokens.issue(user) } };
    },

    legacyLogin(req: HubRequest): Reply {
      const body = (req.body ?? {}) as { username?: unknown; password?: unknown };
      const user = typeof body.username === 'string' ? state.users.get(body.username) : undefined;
      if (!user || user.password !== body.password) {
        return { status: 401, body: { detail: 'Incorrect authentication credentials' } };
      }
      return { status: 200, body: { token: tokens.issue(user) } };
    },

    currentUser(req: HubRequest): Reply {
      if (!req.viewer) return unauthorized();
      return { status: 200, body: req.viewer.profile };
    },

    userProfile(_req: HubRequest, p: Record<string, string>): Reply {
      const profile = state.profiles.get(p.name);
      return profile ? { status: 200, body: profile } : objectNotFound();
    },

    /** An organisation's public namespace record (the same object `/v2/user/orgs` lists). */
    orgProfile(_req: HubRequest, p: Record<string, string>): Reply {
      const org = state.orgs.get(p.name);
      return org ? { status: 200, body: org.namespace } : objectNotFound();
    },

    userOrgs(req: HubRequest): Reply {
      if (!req.viewer) return unauthorized();
      const paging = readPaging(req.url, 10);
      if ('status' in paging) return paging;
      const viewer = req.viewer;
      const orgs = state.orgsOf(viewer).map((org) => ({ ...org.namespace, ...org.members.get(viewer.username) }));
      return paginate(req, orgs, paging, null);
    },

    searchV2(req: HubRequest): Reply {
      const query = req.url.searchParams.get('query') ?? '';
      if (!query.trim()) return badSearch('query parameter is required');
      const paging = readPaging(req.url, 25);
      if ('status' in paging) return paging;
      const results = searchMatches(state, query).map((repo) => ({
        repo_name: displayName(repo),
        short_description: repo.description,
        star_count: repo.star_count,
        pull_count: repo.pull_count,
        repo_owner: '',
        is_automated: false,
        is_official: repo.namespace === 'library',
      }));
      // The v2 search answers "" rather than null where there is no link (recorded: previous "" on page 1).
      return paginate(req, results, paging, '');
    },

    searchV4(req: HubRequest): Reply {
      const params = req.url.searchParams;
      const query = params.get('query') ?? '';
      if (!query.trim()) return badSearch('query is required');
      const from = params.get('from') ?? '0';
      const size = params.get('size') ?? '10';
      if (!/^\d+$/.test(from) || Number(from) > 2500) return badSearch('from must be an integer between 0 and 2500');
      if (!/^\d+$/.test(size) || Number(size) > 100) return badSearch('size must be an integer between 0 and 100');
      if (Number(from) + Number(size) > 2500) return badSearch('the sum of from and size cannot exceed 2500');
      const sort = params.get('sort');
      const order = params.get('order');
      if (sort !== null && sort !== 'pull_count' && sort !== 'updated_at') return badSearch(`invalid sort value: ${sort}`);
      if (order !== null && order !== 'asc' && order !== 'desc') return badSearch(`invalid order value: ${order}`);
      const list = (name: string) => params.get(name)?.split(',').filter(Boolean) ?? [];
      const badges = list('badges');
      const badBadge = badges.find((b) => !['official', 'verified_publisher', 'open_source', 'none'].includes(b));
      if (badBadge) return badSearch(`invalid badges value: ${badBadge}`);
      const type = params.get('type');
      if (type !== null && !['image', 'plugin', 'extension'].includes(type)) return badSearch(`invalid type value: ${type}`);

      let entries = searchMatches(state, query).map((repo) => ({ repo, entry: searchV4Entry(state, repo) }));
      if (badges.length) entries = entries.filter(({ repo }) => badges.includes(repo.badge ?? 'none'));
      if (type && type !== 'image') entries = [];
      if (params.get('extension_reviewed') === 'true') entries = [];
      const architectures = list('architectures');
      if (architectures.length) entries = entries.filter(({ entry }) => entry.architectures.some((a) => architectures.includes(a.name)));
      const systems = list('operating_systems');
      if (systems.length) entries = entries.filter(({ entry }) => entry.operating_systems.some((o) => systems.includes(o.name)));
      const images = list('images');
      if (images.length) entries = entries.filter(({ entry }) => images.includes(entry.name));
      const categories = list('categories');
      if (categories.length) entries = entries.filter(({ repo }) => repo.categories.some((c) => categories.includes(c.slug) || categories.includes(c.name)));
      if (sort) {
        const key = (e: (typeof entries)[number]) => (sort === 'pull_count' ? e.repo.pull_count : e.entry.updated_at);
        entries = orderBy(entries, order === 'asc' ? sort : `-${sort}`, key);
      }
      return {
        status: 200,
        body: { total: entries.length, results: entries.slice(Number(from), Number(from) + Number(size)).map((e) => e.entry) },
      };
    },

    listRepositories(req: HubRequest, p: Record<string, string>): Reply {
      const paging = readPaging(req.url, 10);
      if ('status' in paging) return paging;
      const ordering = req.url.searchParams.get('ordering') ?? 'name';
      if (!repositoryOrderings.includes(ordering)) {
        return invalidField('ordering', `Invalid ordering value. Must be one of: ${repositoryOrderings.join(', ')}`,
          'Invalid ordering value');
      }
      const nameFilter = req.url.searchParams.get('name')?.toLowerCase();
      const wanted = (param: string) => req.url.searchParams.get(param)?.split(',').filter(Boolean) ?? [];
      const mediaTypes = wanted('media_types');
      const contentTypes = wanted('content_types');
      const repos = [...state.repos.values()].filter((repo) => repo.namespace === p.ns
        && state.canRead(repo, req.viewer)
        && (!nameFilter || repo.name.includes(nameFilter))
        && (!mediaTypes.length || repoMediaTypes(repo).some((t) => mediaTypes.includes(t)))
        && (!contentTypes.length || (repo.tags.size > 0 && contentTypes.includes('image'))));
      const entries = orderBy(repos.map(repositoryListEntry), ordering, (e, key) =>
        (key === 'pull_count' ? e.pull_count : key === 'name' ? e.name : e.last_updated ?? ''));
      // An unknown namespace is an empty first page, not a 404 (docker/hub-feedback#2357).
      return paginate(req, entries, paging, null);
    },

    getRepository(req: HubRequest, p: Record<string, string>): Reply {
      const repo = readableRepo(req, p.ns, p.repo);
      if ('status' in repo) return repo;
      return { status: 200, body: repositoryInfo(state, repo, req.viewer) };
    },

    createRepository(req: HubRequest, p: Record<string, string>): Reply {
      if (!req.viewer) return unauthorized();
      const body = (req.body ?? {}) as {
        namespace?: unknown; name?: unknown; description?: unknown; full_description?: unknown; is_private?: unknown;
      };
      const ns = p.ns ?? body.namespace;
      if (typeof ns !== 'string' || !ns) return invalidField('namespace', 'This field is required.', 'Invalid namespace');
      if (typeof body.name !== 'string' || body.name.length < 2 || body.name.length > 255 || !repositoryName.test(body.name)) {
        return invalidField('name', 'Repository names must be 2 to 255 lowercase letters, digits and separators (., _, -).',
          'Invalid repository name');
      }
      const invalid = validateDescriptions(body);
      if (invalid) return invalid;
      if (!state.isMember(req.viewer, ns)) return forbidden(`user ${req.viewer.username} cannot create repositories in ${ns}`);
      if (!writeScope(req.viewer)) return forbidden(`the access token's scope ${req.viewer.scope} does not allow this operation`);
      if (state.repos.has(`${ns}/${body.name}`)) {
        return { status: 409, body: { message: `repository ${ns}/${body.name} already exists`, errinfo: {} } };
      }
      const repo = emptyRepo(ns, body.name, req.viewer.username, body.is_private === true);
      repo.description = typeof body.description === 'string' ? body.description : '';
      repo.full_description = typeof body.full_description === 'string' ? body.full_description : '';
      state.repos.set(`${ns}/${body.name}`, repo);
      return { status: 201, body: repositoryInfo(state, repo, req.viewer) };
    },

    updateRepository(req: HubRequest, p: Record<string, string>): Reply {
      const repo = writableRepo(req, p.ns, p.repo, 'write');
      if ('status' in repo) return repo;
      const body = (req.body ?? {}) as { description?: unknown; full_description?: unknown };
      const invalid = validateDescriptions(body);
      if (invalid) return invalid;
      if (typeof body.description === 'string') repo.description = body.description;
      if (typeof body.full_description === 'string') repo.full_description = body.full_description;
      repo.last_modified = hubTime(Date.now());
      return { status: 200, body: repositoryInfo(state, repo, req.viewer) };
    },

    listTags(req: HubRequest, p: Record<string, string>): Reply {
      const repo = readableRepo(req, p.ns, p.repo);
      if ('status' in repo) return repo;
      const paging = readPaging(req.url, 10);
      if ('status' in paging) return paging;
      const params = req.url.searchParams;
      const ordering = params.get('ordering') ?? '-last_updated';
      if (!tagOrderings.includes(ordering)) {
        return invalidField('ordering', `Invalid ordering value. Must be one of: ${tagOrderings.join(', ')}`, 'Invalid ordering value');
      }
      const name = params.get('name');
      const architecture = params.get('architecture');
      const os = params.get('os');
      const tags = [...repo.tags.values()].filter((tag) => (!name || tag.name.includes(name))
        && (!architecture || tag.images.some((i) => i.architecture === architecture))
        && (!os || tag.images.some((i) => i.os === os)));
      const ordered = orderBy(orderBy(tags, 'name', (t) => t.name), ordering, (t: HubTag, key) =>
        (key === 'name' ? t.name : t.last_updated));
      return paginate(req, ordered, paging, null);
    },

    getTag(req: HubRequest, p: Record<string, string>): Reply {
      const repo = readableRepo(req, p.ns, p.repo);
      if ('status' in repo) return repo;
      const tag = repo.tags.get(p.tag);
      return tag ? { status: 200, body: tag } : objectNotFound({ namespace: p.ns, repository: p.repo, tag: p.tag });
    },

    async deleteTag(req: HubRequest, p: Record<string, string>): Promise<Reply> {
      const repo = writableRepo(req, p.ns, p.repo, 'admin');
      if ('status' in repo) return repo;
      if (!state.deleteTag(repo, p.tag)) return objectNotFound({ namespace: p.ns, repository: p.repo, tag: p.tag });
      await opts.onTagDeleted?.(`${p.ns}/${p.repo}`, p.tag);
      return { status: 204 };
    },
  };
}
