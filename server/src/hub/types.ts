/**
 * Docker Hub API shapes, with the field names Hub uses (../shared/reference/hub-openapi*.yaml and the recorded
 * replies in fixtures/). Only what the server reads; every field Hub may leave out is optional.
 */

export interface HubPage<T> {
  count: number;
  next?: string | null;
  previous?: string | null;
  results: T[];
}

export interface HubCategory {
  name: string;
  slug: string;
}

/** `repository_info` (GET /v2/namespaces/{ns}/repositories/{repo}). */
export interface HubRepository {
  name: string;
  namespace: string;
  user?: string;
  repository_type?: string | null;
  status?: number;
  status_description?: string;
  description?: string | null;
  full_description?: string | null;
  is_private?: boolean;
  is_automated?: boolean;
  star_count?: number;
  pull_count?: number;
  last_updated?: string | null;
  last_modified?: string | null;
  date_registered?: string | null;
  collaborator_count?: number;
  affiliation?: string | null;
  hub_user?: string | null;
  has_starred?: boolean;
  permissions?: { read: boolean; write: boolean; admin: boolean };
  media_types?: (string | null)[];
  content_types?: string[];
  categories?: HubCategory[];
  immutable_tags_settings?: { enabled: boolean; rules: string[] };
  storage_size?: number | null;
  source?: string | null;
}

/** `repository_list_entry` (GET /v2/namespaces/{ns}/repositories). */
export type HubRepositoryListEntry = Omit<HubRepository, 'full_description' | 'permissions' | 'user'>;

/** One platform of a tag (`images[]`). */
export interface HubTagImage {
  architecture: string;
  os: string;
  variant?: string | null;
  features?: string | null;
  digest?: string | null;
  os_features?: string | null;
  os_version?: string | null;
  size?: number;
  status?: string;
  last_pulled?: string | null;
  last_pushed?: string | null;
}

export interface HubTag {
  id?: number;
  name: string;
  images: HubTagImage[];
  creator?: number;
  last_updated?: string | null;
  last_updater?: number;
  last_updater_username?: string;
  repository?: number;
  full_size?: number;
  v2?: boolean;
  tag_status?: string;
  tag_last_pulled?: string | null;
  tag_last_pushed?: string | null;
  media_type?: string;
  content_type?: string;
  digest?: string;
}

/** A tag with its attestation entries (`unknown/unknown`) taken out of `images`, and how many there were. */
export interface HubTagFiltered extends HubTag {
  attestation_images: number;
}

/** One entry of GET /v2/user/orgs (also the shape of GET /v2/orgs/{name}). */
export interface HubOrg {
  id?: string;
  uuid?: string;
  orgname: string;
  full_name?: string;
  location?: string;
  company?: string;
  profile_url?: string;
  date_joined?: string;
  gravatar_email?: string;
  gravatar_url?: string;
  type?: string;
  badge?: string;
  is_active?: boolean;
  user_role?: string;
  user_groups?: string[];
  org_groups_count?: number;
  plan_name?: string | null;
  parent_name?: string | null;
}

export type HubBadge = 'official' | 'verified_publisher' | 'open_source' | 'none';

/** One search hit, as the Hub search API (v4) returns it. */
export interface HubSearchResult {
  id?: string;
  name: string;
  slug?: string;
  type?: string;
  publisher?: { id: string; name: string };
  created_at?: string;
  updated_at?: string;
  short_description?: string;
  badge?: HubBadge | null;
  star_count?: number;
  /** Hub's search gives a rounded figure such as "1B+", not an exact count. */
  pull_count?: string | number;
  archived?: boolean;
  categories?: HubCategory[];
}

export interface HubSearchPage {
  total: number;
  results: HubSearchResult[];
}

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
