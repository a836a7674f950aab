import { z } from 'zod';

/*
 * Docker Hub API replies, parsed rather than cast: the field names Hub uses (../shared/reference/hub-openapi*.yaml and
 * the recorded replies in fixtures/), only what the server reads. A field the server needs to make sense of a reply
 * (a page's results, a tag's or repository's name) must be there with its type, or the reply is malformed and the
 * call fails with UPSTREAM_ERROR. A field it can do without is left out when Hub sends null or something odd, so one
 * strange value does not cost the whole answer.
 */

/** A field the answer can do without: missing, null or malformed, it is undefined. */
function spare<T extends z.ZodType>(schema: T) {
  return schema.optional().catch(undefined);
}

const text = spare(z.string());
const nullableText = spare(z.string().nullable());
const count = spare(z.number());
const flag = spare(z.boolean());

export const hubCategorySchema = z.object({ name: z.string(), slug: text });
export type HubCategory = z.output<typeof hubCategorySchema>;

const categories = spare(z.array(hubCategorySchema));

/** `repository_list_entry` (GET /v2/namespaces/{ns}/repositories). */
export const hubRepositoryListEntrySchema = z.object({
  name: z.string(),
  namespace: text,
  repository_type: nullableText,
  status: count,
  status_description: text,
  description: nullableText,
  is_private: flag,
  star_count: count,
  pull_count: count,
  last_updated: nullableText,
  last_modified: nullableText,
  date_registered: nullableText,
  affiliation: nullableText,
  media_types: spare(z.array(z.string().nullable())),
  content_types: spare(z.array(z.string())),
  categories,
  storage_size: spare(z.number().nullable()),
});
export type HubRepositoryListEntry = z.output<typeof hubRepositoryListEntrySchema>;

/** `repository_info` (GET /v2/namespaces/{ns}/repositories/{repo}), also what creating and updating one answer. */
export const hubRepositorySchema = hubRepositoryListEntrySchema.extend({
  user: text,
  full_description: nullableText,
  is_automated: flag,
  collaborator_count: count,
  hub_user: nullableText,
  has_starred: flag,
  permissions: spare(z.object({ read: z.boolean(), write: z.boolean(), admin: z.boolean() })),
  immutable_tags_settings: spare(z.object({ enabled: z.boolean(), rules: z.array(z.string()) })),
  source: nullableText,
});
export type HubRepository = z.output<typeof hubRepositorySchema>;

/** One platform of a tag (`images[]`). */
export const hubTagImageSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: nullableText,
  features: nullableText,
  digest: nullableText,
  os_features: nullableText,
  os_version: nullableText,
  size: count,
  status: text,
  last_pulled: nullableText,
  last_pushed: nullableText,
});
export type HubTagImage = z.output<typeof hubTagImageSchema>;

export const hubTagSchema = z.object({
  id: count,
  name: z.string(),
  // A tag whose images Hub does not list (an old or still-processing push) has none to show, not a broken reply.
  images: z.array(hubTagImageSchema).nullish().transform((images) => images ?? []),
  creator: count,
  last_updated: nullableText,
  last_updater: count,
  last_updater_username: text,
  repository: count,
  full_size: count,
  v2: flag,
  tag_status: text,
  tag_last_pulled: nullableText,
  tag_last_pushed: nullableText,
  media_type: text,
  content_type: text,
  digest: text,
});
export type HubTag = z.output<typeof hubTagSchema>;

/** A tag with its attestation entries (`unknown/unknown`) taken out of `images`, and how many there were. */
export interface HubTagFiltered extends HubTag {
  attestation_images: number;
}

/** One entry of GET /v2/user/orgs (also the shape of GET /v2/orgs/{name}). */
export const hubOrgSchema = z.object({
  id: text,
  uuid: text,
  orgname: z.string(),
  full_name: text,
  location: text,
  company: text,
  profile_url: text,
  date_joined: text,
  gravatar_email: text,
  gravatar_url: text,
  type: text,
  badge: text,
  is_active: flag,
  user_role: text,
  user_groups: spare(z.array(z.string())),
  org_groups_count: count,
  plan_name: nullableText,
  parent_name: nullableText,
});
export type HubOrg = z.output<typeof hubOrgSchema>;

/** A Docker Hub page: `count` of all results, `next`/`previous` page URLs, this page's `results`. */
export function hubPageSchema<T extends z.ZodType>(entry: T) {
  return z
    .object({
      count: spare(z.number()),
      next: nullableText,
      previous: nullableText,
      results: z.array(entry),
    })
    .transform((page) => ({
      count: page.count ?? page.results.length,
      next: page.next ?? null,
      previous: page.previous ?? null,
      results: page.results,
    }));
}
export interface HubPage<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

export type HubBadge = 'official' | 'verified_publisher' | 'open_source' | 'none';
const BADGES = ['official', 'verified_publisher', 'open_source', 'none'] as const satisfies readonly HubBadge[];

/** One search hit, as the Hub search API (v4) returns it. */
export const hubSearchResultSchema = z.object({
  id: text,
  name: z.string(),
  slug: text,
  type: text,
  publisher: spare(z.object({ id: z.string(), name: z.string() })),
  created_at: text,
  updated_at: text,
  short_description: text,
  badge: spare(z.enum(BADGES).nullable()),
  star_count: count,
  /** Hub's search gives a rounded figure such as "1B+", not an exact count. */
  pull_count: spare(z.union([z.string(), z.number()])),
  archived: flag,
  categories,
});
export type HubSearchResult = z.output<typeof hubSearchResultSchema>;

export const hubSearchPageSchema = z
  .object({ total: spare(z.number()), results: z.array(hubSearchResultSchema) })
  .transform((page) => ({ total: page.total ?? page.results.length, results: page.results }));
export type HubSearchPage = z.output<typeof hubSearchPageSchema>;

export interface RepositoryCreation {
  name: string;
  description?: string;
  full_description?: string;
  is_private: boolean;
}

export interface RepositoryUpdate {
  description?: string;
  full_description?: string;
}
