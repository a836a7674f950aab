import { z } from 'zod';
import { TOOLS } from '../../../server/src/tools';

/*
 * Generated tool arguments. Every invalid value here is invalid by construction (a character the grammar never
 * allows, a wrong type, a bound crossed), so a case has one known culprit and the server must name it. The valid
 * values are ones no test depends on, so a hostile-but-valid call that reaches upstream changes nothing that matters.
 */

/** mulberry32: small, seeded, good enough to make failures reproducible from the printed seed. */
export function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Fuzzer {
  constructor(protected readonly random: () => number) {}

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(probability: number): boolean {
    return this.random() < probability;
  }

  /** `text` with `insert` put at a random place. */
  insertInto(text: string, insert: string): string {
    const at = this.int(text.length + 1);
    return text.slice(0, at) + insert + text.slice(at);
  }

  lowerWord(min = 2, max = 10): string {
    const length = min + this.int(max - min + 1);
    let word = '';
    for (let i = 0; i < length; i++) word += 'abcdefghijklmnopqrstuvwxyz0123456789'[this.int(i === 0 ? 26 : 36)];
    return word;
  }
}

export type ArgKind =
  | 'image'
  | 'platform'
  | 'limit'
  | 'cursor'
  | 'query'
  | 'namespace'
  | 'repositoryName'
  | 'description'
  | 'fullDescription'
  | 'boolean'
  | 'sort'
  | 'tagSort'
  | 'versionTag'
  | 'ordering'
  | 'digests'
  | 'tagFilter'
  | 'shortFilter'
  | 'filePath'
  | 'layerIndex'
  | 'byteCount'
  | 'fraction'
  | 'confirm';

/** Every argument of every tool, by what it is; a tool argument missing here fails the fuzz test. */
export const ARG_KINDS: Record<string, ArgKind> = {
  image: 'image',
  image_a: 'image',
  image_b: 'image',
  have: 'image',
  base: 'image',
  platform: 'platform',
  limit: 'limit',
  cursor: 'cursor',
  query: 'query',
  namespace: 'namespace',
  name: 'repositoryName',
  'docker_list_tags.name': 'tagFilter',
  architecture: 'shortFilter',
  os: 'shortFilter',
  description: 'description',
  full_description: 'fullDescription',
  is_private: 'boolean',
  official_only: 'boolean',
  verified_only: 'boolean',
  sort: 'sort',
  'docker_list_tags.sort': 'tagSort',
  newer_than: 'versionTag',
  package: 'tagFilter',
  ordering: 'ordering',
  have_digests: 'digests',
  path: 'filePath',
  pattern: 'filePath',
  layer: 'layerIndex',
  max_download_bytes: 'byteCount',
  highest_wasted_bytes: 'byteCount',
  lowest_efficiency: 'fraction',
  files: 'boolean',
  packages: 'boolean',
  confirm: 'confirm',
};

export function kindOf(tool: string, argument: string): ArgKind | undefined {
  return ARG_KINDS[`${tool}.${argument}`] ?? ARG_KINDS[argument];
}

const HEX = '0123456789abcdef';
const DIGEST = `sha256:${'ab12'.repeat(16)}`;

/** Characters Docker's reference grammar allows nowhere, and the platform and name patterns neither. */
const NEVER_VALID = [' ', '%', '\\', '?', '#', '!', '$', '&', "'", '(', ')', '*', '+', ',', ';', '=', '<', '>', '"', '`', '{', '}', '|', '^', '~', '\u0000', '\n', '\r', '\t', '\u00e9', '\u202e', '\u200b', '\uff0e', '\ud83d\udc33', '\u0130'];

const WRONG_TYPES: unknown[] = [42, -1, 0, 3.5, true, false, null, [], ['nginx'], {}, { image: 'nginx' }, [[[]]]];

const INVALID_IMAGES = [
  '',
  'NGINX',
  '../etc/passwd',
  'library/../../etc/passwd',
  'nginx/../../../x',
  '..',
  './nginx',
  'a//b',
  '/nginx',
  'nginx/',
  '-nginx',
  'nginx-',
  'nginx_',
  'nginx:',
  'nginx@',
  ':latest',
  '@sha256:' + 'a'.repeat(64),
  'nginx@sha256:abc',
  'nginx@sha256:' + 'G'.repeat(64),
  'nginx@sha256:' + 'a'.repeat(63),
  'nginx@md5:' + 'a'.repeat(32),
  'nginx:../x',
  'nginx:tag/../x',
  'nginx:.hidden',
  'nginx:-x',
  'nginx:' + 'a'.repeat(129),
  '%2e%2e/nginx',
  '%2E%2E%2Fetc%2Fpasswd',
  'nginx%2Fx',
  'nginx%3Alatest',
  'nginx:%2e%2e',
  'library%2fnginx',
  '..%2f..%2fetc',
  'http://evil.example/x',
  'https://registry-1.docker.io/library/nginx',
  'evil.example/../x',
  'ghcr.io/owner/../app',
  'ghcr.io/OWNER/app',
  'nginx:latest\n',
  '\u0000nginx',
  'ngi\u0000nx',
  'ñginx',
  'ＮＧＩＮＸ',
  '\u202enginx',
  'nginx:lat est',
  'nginx;rm -rf /',
  '$(id)',
  '`id`',
  'a'.repeat(64).replace(/a/g, () => 'f'),
  'a'.repeat(513),
  `${'a'.repeat(256)}`,
  'x'.repeat(100_000),
];

const VALID_BASE_IMAGES = ['demo:1.0', 'app:1', 'base:1', 'library/demo', 'alice/private-app:1', `demo@${DIGEST}`];

export interface GeneratedCase {
  tool: string;
  /** The arguments, or a non-object to send as `arguments`. */
  args: unknown;
  /** The argument that is wrong, `(arguments)` for a non-object, `(tool)` for an unknown tool name. */
  culprit: string;
  /** What was done, for the summary and for failure messages. */
  mutation: string;
}

const NON_OBJECT_ARGUMENTS: unknown[] = ['image=nginx', 42, true, null, [], [{ image: 'nginx' }]];
const UNKNOWN_TOOLS = ['docker_get_manifest ', 'DOCKER_GET_MANIFEST', '../docker_get_manifest', 'docker_get_manifest\u0000', '__proto__', 'constructor', 'toString', '', 'x'.repeat(10_000)];
const UNKNOWN_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'images', 'Image', 'image ', '', '\u0000', 'x'.repeat(1000), '"quoted"', 'ключ', '../image'];

export class ArgumentFuzzer extends Fuzzer {
  /** A valid value of `kind` that does not depend on the rig. */
  valid(kind: ArgKind): unknown {
    switch (kind) {
      case 'image':
        return this.pick(VALID_BASE_IMAGES);
      case 'platform':
        return this.pick(['linux/amd64', 'linux/arm64', 'linux/arm/v7']);
      case 'limit':
        return 1 + this.int(10);
      case 'cursor':
        // A cursor is only valid for the arguments it was given with: a call starts without one.
        return undefined;
      case 'query':
        return this.pick(['nginx', 'demo', 'python alpine']);
      case 'namespace':
        return this.pick(['alice', 'library', 'acme']);
      case 'repositoryName':
        return `fz-${this.lowerWord(4, 8)}`;
      case 'description':
        return 'fuzz';
      case 'fullDescription':
        return '# fuzz';
      case 'boolean':
        return this.chance(0.5);
      case 'sort':
        return this.pick(['order', 'size']);
      case 'tagSort':
        return this.pick(['pushed', 'name', 'size']);
      case 'versionTag':
        return this.pick(['1.27.1', '3.12-slim', 'v2']);
      case 'ordering':
        return this.pick(['name', '-pull_count', 'last_updated']);
      case 'digests':
        return [DIGEST];
      case 'tagFilter':
        return 'alpine';
      case 'shortFilter':
        return 'arm64';
      case 'filePath':
        return this.pick(['/etc', '**/*.txt', 'os-release']);
      case 'layerIndex':
        return 0;
      case 'byteCount':
        return this.pick([0, 1024, 1_000_000]);
      case 'fraction':
        return this.pick([0, 0.5, 0.9, 1]);
      case 'confirm':
        return 'latest';
    }
  }

  /** A value of `kind` that is invalid whatever else the call says. */
  invalid(kind: ArgKind, limitMax: number): { value: unknown; how: string } {
    if (this.chance(0.2)) {
      const numeric = ['limit', 'layerIndex', 'byteCount', 'fraction'].includes(kind);
      const sameType = kind === 'boolean' ? 'boolean' : numeric ? 'number' : undefined;
      const emptyListIsValid = kind === 'digests';
      const value = this.pick(
        WRONG_TYPES.filter((candidate) => typeof candidate !== sameType && !(emptyListIsValid && Array.isArray(candidate) && candidate.length === 0)),
      );
      return { value, how: `wrong type ${JSON.stringify(value)}` };
    }
    switch (kind) {
      case 'image': {
        if (this.chance(0.5)) return { value: this.pick(INVALID_IMAGES), how: 'hostile reference' };
        const char = this.pick(NEVER_VALID);
        return { value: this.insertInto(this.pick(VALID_BASE_IMAGES), char), how: `reference with ${JSON.stringify(char)}` };
      }
      case 'platform': {
        const fixed = ['', 'linux', 'linux/', '/amd64', 'linux/arm65', 'linux/amd64/v8/x', '../../etc', 'linux/../amd64', 'linux%2Famd64', 'linux/amd64-v8', 'linux.amd64', 'x'.repeat(5000)];
        if (this.chance(0.5)) return { value: this.pick(fixed), how: 'hostile platform' };
        const char = this.pick([...NEVER_VALID, '-', '.', 'A', ':']);
        return { value: this.insertInto(this.pick(['linux/amd64', 'linux/arm/v7']), char), how: `platform with ${JSON.stringify(char)}` };
      }
      case 'limit': {
        const max = limitMax;
        const value = this.pick([0, -1, -0.5, -1e9, max + 1, max * 1000, 1e308, Number.MAX_SAFE_INTEGER + 2, 1.5, 2 ** 31, -(2 ** 31), '10', '1', '']);
        return { value, how: `${kind} ${JSON.stringify(value)}` };
      }
      case 'cursor': {
        const value = this.pick([
          '',
          '2',
          'page=2',
          'c'.repeat(513 + this.int(10_000)),
          // Well formed, but for no listing these arguments make, or past every bound.
          Buffer.from(JSON.stringify([1, 'AAAAAAAAAAA', 10])).toString('base64url'),
          Buffer.from(JSON.stringify([1, 'AAAAAAAAAAA', -10])).toString('base64url'),
          Buffer.from(JSON.stringify([2, 'AAAAAAAAAAA', 10])).toString('base64url'),
          Buffer.from('{"__proto__":{"x":1}}').toString('base64url'),
        ]);
        return { value, how: `cursor ${JSON.stringify(value.slice(0, 40))}` };
      }
      case 'query':
        return this.pick([
          { value: '', how: 'empty query' },
          { value: '   \t  ', how: 'blank query' },
          { value: 'q'.repeat(201), how: 'query of 201 chars' },
          { value: 'ü'.repeat(50_000), how: 'query of 50,000 chars' },
        ]);
      case 'namespace': {
        const fixed = ['', 'a', 'Alice', '../alice', 'alice/', 'al ice', '%2e%2e', '-alice', '_alice', 'alice/../bob', 'a'.repeat(256), 'ålice'];
        if (this.chance(0.6)) return { value: this.pick(fixed), how: 'hostile namespace' };
        const char = this.pick([...NEVER_VALID, '/', '.', ':', '@', 'A']);
        return { value: this.insertInto('alice', char), how: `namespace with ${JSON.stringify(char)}` };
      }
      case 'repositoryName': {
        const fixed = ['', 'a', 'My-App', '..', '../bob', 'x/y', 'my app', '-x', 'x-', 'a__b', '%2e%2e', 'a'.repeat(256), 'app:tag', 'app@sha256'];
        if (this.chance(0.6)) return { value: this.pick(fixed), how: 'hostile repository name' };
        const char = this.pick([...NEVER_VALID, '/', ':', '@', 'A']);
        return { value: this.insertInto('my-app', char), how: `repository name with ${JSON.stringify(char)}` };
      }
      case 'description':
        return { value: 'd'.repeat(101 + this.int(100_000)), how: 'description too long' };
      case 'confirm':
        return { value: 'c'.repeat(129 + this.int(10_000)), how: 'confirm longer than any tag' };
      case 'fullDescription':
        return { value: 'f'.repeat(25_001 + this.int(200_000)), how: 'full_description too long' };
      case 'boolean': {
        const value = this.pick(['true', 'false', 1, 0, 'yes', null, [], {}]);
        return { value, how: `boolean ${JSON.stringify(value)}` };
      }
      case 'versionTag': {
        const value = this.pick(['', 'latest', '1.27.x', '1..2', '-slim', '1.2-', 'v', '1.2/../x', 'n'.repeat(129)]);
        return { value, how: `version tag ${JSON.stringify(value)}` };
      }
      case 'sort':
      case 'tagSort':
      case 'ordering': {
        const value = this.pick(['', 'ORDER', 'size ', 'name; drop table', '--name', 'pull_count desc', '../name', 1, null]);
        return { value, how: `${kind} ${JSON.stringify(value)}` };
      }
      case 'digests': {
        const options: { value: unknown; how: string }[] = [
          { value: ['sha256:abc'], how: 'short digest' },
          { value: [`sha256:${'G'.repeat(64)}`], how: 'uppercase-hex digest' },
          { value: ['../etc/passwd'], how: 'path as digest' },
          { value: [`md5:${HEX.repeat(2)}`], how: 'md5 digest' },
          { value: [1], how: 'number in digests' },
          { value: [null], how: 'null in digests' },
          { value: DIGEST, how: 'digest not in an array' },
          { value: Array.from({ length: 1001 }, () => DIGEST), how: '1001 digests' },
        ];
        return this.pick(options);
      }
      case 'tagFilter':
        return this.pick([
          { value: '', how: 'empty name filter' },
          { value: 'n'.repeat(129), how: 'name filter of 129 chars' },
        ]);
      case 'shortFilter':
        return this.pick([
          { value: '', how: 'empty filter' },
          { value: 's'.repeat(33), how: 'filter of 33 chars' },
        ]);
      case 'filePath':
        return { value: 'p'.repeat(1025 + this.int(50_000)), how: 'path of more than 1024 chars' };
      case 'layerIndex':
      case 'byteCount': {
        const value = this.pick([-1, -0.5, 1.5, kind === 'layerIndex' ? 1001 : 2 ** 41, '1', '']);
        return { value, how: `${kind} ${JSON.stringify(value)}` };
      }
      case 'fraction': {
        const value = this.pick([-0.1, 1.01, 2, -1e9, '0.5', '']);
        return { value, how: `fraction ${JSON.stringify(value)}` };
      }
    }
  }

  /** A value that passes validation but is as unusual as the argument allows: unicode, `../`, encoded tricks. */
  hostileValid(kind: ArgKind): unknown {
    switch (kind) {
      case 'image':
        return this.pick([
          'a__b/c',
          'a--b/c-d.e_f:_tag',
          'demo:' + 'x'.repeat(128),
          'demo:UPPER.case-1',
          `fz${this.lowerWord()}/${this.lowerWord()}:${this.lowerWord()}`,
          'ghcr.io/owner/app',
          'ghcr.io/owner/app:1',
          'docker.io/library/demo:1.0',
          'index.docker.io/library/demo',
          'registry-1.docker.io/library/demo:1.0',
          'localhost:9/fz/app',
          '127.0.0.1:9/fz/app',
          '[::1]:9/fz/app',
          `demo@sha256:${'0'.repeat(64)}`,
          'library/demo:latest',
          `a/${'b'.repeat(200)}`,
        ]);
      case 'query':
        return this.pick([
          '../../../etc/passwd',
          '%2e%2e%2f%2e%2e',
          'nginx&page=99&page_size=100',
          "'; DROP TABLE repositories; --",
          '<script>alert(1)</script>',
          'ключ 🐳 ünïcödé',
          '\u202eegami',
          'q'.repeat(200),
          'nginx\u0000alpine',
          '{"$ne": null}',
        ]);
      case 'tagFilter':
      case 'shortFilter':
        return this.pick(['../', '..%2F..', '%00', '&os=windows', '🐳', 'a b', '?x=1#frag']);
      case 'filePath':
        return this.pick(['../../etc/passwd', '[', '**/{a,b', '\u0000', '🐳/*', '/'.repeat(500), '!(x)', '*'.repeat(1000)]);
      case 'description':
        return this.pick(['🐳'.repeat(50), '<img src=x onerror=alert(1)>', '\u0000\u0001\u0002', '../../etc/passwd']);
      case 'fullDescription':
        return this.pick(['# ' + '🐳'.repeat(12_000), '[x](javascript:alert(1))', '\u202e'.repeat(100)]);
      default:
        return this.valid(kind);
    }
  }

  /** One call with exactly one thing wrong. */
  invalidCase(): GeneratedCase {
    const roll = this.random();
    if (roll < 0.01) {
      const args = this.pick(NON_OBJECT_ARGUMENTS);
      return { tool: this.pick(TOOLS).name, args, culprit: '(arguments)', mutation: `arguments ${JSON.stringify(args)}` };
    }
    if (roll < 0.02) {
      const tool = this.pick(UNKNOWN_TOOLS);
      return { tool, args: {}, culprit: '(tool)', mutation: 'unknown tool' };
    }
    const tool = this.pick(TOOLS);
    const names = Object.keys(tool.input);
    const args = this.baseline(tool.name, names);
    if (roll < 0.08 || names.length === 0) {
      const key = this.pick(UNKNOWN_KEYS);
      Object.defineProperty(args, key, { value: this.pick(['x', 1, null, {}]), enumerable: true, configurable: true, writable: true });
      return { tool: tool.name, args, culprit: key, mutation: `unknown argument ${JSON.stringify(key.slice(0, 20))}` };
    }
    const required = names.filter((name) => !tool.input[name].safeParse(undefined).success);
    if (roll < 0.13 && required.length > 0) {
      const name = this.pick(required);
      delete (args as Record<string, unknown>)[name];
      return { tool: tool.name, args, culprit: name, mutation: `required ${name} left out` };
    }
    const name = this.pick(names);
    const kind = kindOf(tool.name, name)!;
    const { value, how } = this.invalid(kind, limitMaxOf(tool.input[name]));
    (args as Record<string, unknown>)[name] = value;
    return { tool: tool.name, args, culprit: name, mutation: how };
  }

  /** One call whose arguments all pass validation, some of them odd. */
  hostileValidCase(tools: readonly string[]): GeneratedCase {
    const wanted = this.pick(tools);
    const tool = TOOLS.find((candidate) => candidate.name === wanted)!;
    const names = Object.keys(tool.input);
    const args: Record<string, unknown> = {};
    for (const name of names) {
      const optional = tool.input[name].safeParse(undefined).success;
      if (optional && this.chance(0.5)) continue;
      const kind = kindOf(tool.name, name)!;
      args[name] = this.chance(0.7) ? this.hostileValid(kind) : this.valid(kind);
    }
    if (tool.name === 'docker_update_repository') {
      delete args.namespace;
      delete args.name;
      args.image = `alice/fz-${this.lowerWord()}`;
      args.description ??= 'fuzz';
    }
    if (tool.name === 'docker_create_repository') {
      args.namespace = 'alice';
      args.name = `fz-${this.lowerWord(6, 12)}`;
    }
    if (tool.name === 'docker_delete_tag') {
      const tag = this.lowerWord();
      args.image = `alice/fz-${this.lowerWord()}:${tag}`;
      args.confirm = tag;
    }
    return { tool: tool.name, args, culprit: '', mutation: 'hostile but valid' };
  }

  private baseline(tool: string, names: string[]): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    for (const name of names) args[name] = this.valid(kindOf(tool, name)!);
    if (tool === 'docker_update_repository') delete args.image;
    return args;
  }
}

/** The `max` of a limit argument (limits differ per tool). */
function limitMaxOf(schema: z.ZodType): number {
  const maximum = (z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as { maximum?: unknown }).maximum;
  return typeof maximum === 'number' ? maximum : 100;
}
