import type { TagPage } from '../../../server/src/contract';

/** A listed tag with the facts of the digest it points at, and the other listed tags on that digest. */
export interface TagRow {
  name: string;
  digest: string | null;
  platform_digest: string | null;
  full_size: number | null;
  platforms: string[];
  tag_last_pushed: string | null;
  aliases: string[];
}

/** list_tags names each digest once; tests assert the facts of each tag, so they read them joined back. */
export function tagRows(structured: object): TagRow[] {
  const page = structured as TagPage;
  return page.tags.map((tag) => {
    const group = tag.digest_index === null ? undefined : page.digests[tag.digest_index];
    return {
      name: tag.name,
      digest: group?.digest ?? null,
      platform_digest: group?.platform_digest ?? null,
      full_size: group?.full_size ?? null,
      platforms: group?.platforms ?? [],
      tag_last_pushed: tag.tag_last_pushed,
      aliases: tag.digest_index === null ? [] : page.tags.filter((other) => other.digest_index === tag.digest_index && other !== tag).map((other) => other.name),
    };
  });
}
