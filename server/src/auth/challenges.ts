import { lstat, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log';
import type { Challenge } from './registryAuth';

/** Learned registry challenges (realm and service, never a token), by registry and the origin that answered. */
export interface ChallengeStore {
  get(registry: string, origin: string): Promise<Challenge | undefined>;
  set(registry: string, origin: string, challenge: Challenge): void;
  /** Resolves once what was set is on disk (at shutdown, so a learned challenge is not lost). */
  flush(): Promise<void>;
  /** Forgets what was learned and removes the file (a cache clear); true when there was a file to remove. */
  clear(): Promise<boolean>;
}

const FILE = 'registry-challenges.json';
const MAX_ENTRIES = 256;

/**
 * Challenges kept beside the disk cache, so a restarted server asks the token service straight away instead of
 * first collecting a 401. The file holds only public facts (where a registry's token service is); a challenge read
 * back is checked again like a fresh one before any credential goes to it.
 */
export function diskChallengeStore(directory: string, log: Logger): ChallengeStore {
  const path = join(directory, FILE);
  let loaded: Promise<Map<string, Challenge>> | undefined;
  let writing = Promise.resolve();
  const load = () =>
    (loaded ??= readFile(path, 'utf8').then(
      (text) => new Map(Object.entries(validEntries(JSON.parse(text)))),
      () => new Map<string, Challenge>(),
    ));
  return {
    async get(registry, origin) {
      return (await load()).get(`${registry} ${origin}`);
    },
    set(registry, origin, challenge) {
      writing = writing
        .then(async () => {
          const entries = await load();
          entries.set(`${registry} ${origin}`, challenge);
          while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
          await mkdir(directory, { recursive: true });
          const temporary = `${path}.${process.pid}.tmp`;
          await writeFile(temporary, JSON.stringify(Object.fromEntries(entries)), { mode: 0o600 });
          await rename(temporary, path);
        })
        .catch((err: unknown) => log.warn('could not keep the learned registry challenges', { error: String(err) }));
    },
    flush: () => writing,
    async clear() {
      await writing;
      loaded = Promise.resolve(new Map());
      const info = await lstat(path).catch(() => undefined);
      if (!info?.isFile()) return false;
      return unlink(path).then(
        () => true,
        () => false,
      );
    },
  };
}

function validEntries(value: unknown): Record<string, Challenge> {
  const out: Record<string, Challenge> = {};
  if (!value || typeof value !== 'object') return out;
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    const c = entry as Partial<Challenge>;
    if ((c?.scheme === 'bearer' || c?.scheme === 'basic') && (c.realm === undefined || typeof c.realm === 'string')) {
      out[key] = { scheme: c.scheme, realm: c.realm, service: typeof c.service === 'string' ? c.service : undefined };
    }
  }
  return out;
}
