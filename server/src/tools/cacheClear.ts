import { z } from 'zod';
import { defineTool } from './tool';

export const cacheClear = defineTool({
  name: 'docker_cache_clear',
  title: 'Clear the cache',
  description:
    "Empty this server's cache (memory, disk, Redis) and statistics; needed only for a just-pushed tag. Returns what was dropped.",
  input: {},
  output: {
    memory_entries: z.number().describe('Entries dropped from memory'),
    disk_entries: z.number().describe('Files dropped from disk'),
    shared_entries: z.number().optional().describe('Expiring entries dropped from the shared Redis cache, when one is used'),
  },
  // Not read-only (it deletes local state), yet not destructive: everything dropped is a copy that upstream can
  // serve again, and nothing outside this server changes; clearing twice leaves the same empty cache.
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  async handler(_args, services) {
    const [cleared, challengesRemoved] = await Promise.all([services.cache.clear(), services.challenges?.clear()]);
    return {
      memory_entries: cleared.memoryEntries,
      disk_entries: cleared.diskEntries + (challengesRemoved ? 1 : 0),
      shared_entries: cleared.sharedEntries,
    };
  },
  summarize(result) {
    return `Cache cleared: ${result.memory_entries} memory entr${result.memory_entries === 1 ? 'y' : 'ies'} and ${result.disk_entries} disk file(s) dropped${
      result.shared_entries === undefined ? '' : `, and ${result.shared_entries} shared Redis entr${result.shared_entries === 1 ? 'y' : 'ies'}`
    }.`;
  },
  example: {},
});
