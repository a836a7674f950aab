import { strict as assert } from 'node:assert';
import { ERROR_CODES } from '../../server/src/errors';
import { parseReference, referenceProblem } from '../../server/src/registry/reference';
import { TOOLS } from '../../server/src/tools';
import type { FaultRecord } from '../rig/faultProxy';
import { stress } from './hooks';
import { ArgumentFuzzer, kindOf, randomSource, type GeneratedCase } from './helpers/fuzz';
import { errorCode, startServer, type ToolReply } from './helpers/server';
import { figure, summaryRow } from './helpers/summary';

/*
 * Input fuzzing over one stdio connection to the built server. First 10,000 calls that each have exactly one thing
 * wrong: each must fail with INVALID_INPUT naming that argument, and none may cause a single upstream request. Then
 * calls whose arguments are all valid but odd (unicode, `../` and encoded tricks where free text is allowed, unusual
 * but legal references): any contract outcome is fine, but every request they cause must have a clean path.
 */

const INVALID_CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const HOSTILE_VALID_CASES = 1_000;
const IN_FLIGHT = 64;
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** Docker's remote-name grammar (distribution/reference), to judge the paths that reached the registry. */
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REMOTE_NAME = `${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REGISTRY_PATH = new RegExp(
  `^/v2/(?:${REMOTE_NAME})/(?:manifests/(?:[\\w][\\w.-]{0,127}|sha256:[a-f0-9]{64})|blobs/sha256:[a-f0-9]{64}|tags/list)$`,
);
const SCOPE = new RegExp(`^repository:${REMOTE_NAME}:pull$`);

async function inPool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]);
  });
  await Promise.all(workers);
}

/** Why a request that reached a rig service is not one a valid reference could make, or undefined. */
function pathProblem(proxy: string, record: FaultRecord): string | undefined {
  const [pathname, query = ''] = record.path.split('?');
  if (/%2e|%2f|%5c|%00|\\/i.test(pathname)) return 'encoded dot, slash, backslash or NUL in the path';
  const segments = pathname.split('/');
  if (segments.some((segment) => segment === '..' || segment === '.')) return 'dot segment in the path';
  if (proxy === 'registry' && !REGISTRY_PATH.test(pathname)) return 'not a registry path of a valid reference';
  if (proxy === 'token') {
    const scopes = new URLSearchParams(query).getAll('scope');
    if (pathname !== '/token' || scopes.length === 0 || !scopes.every((scope) => SCOPE.test(scope))) return 'token scope of an invalid name';
  }
  if (proxy === 'hub' && !segments.every((segment) => /^[\w.-]*$/.test(segment))) return 'Hub path segment outside [A-Za-z0-9_.-]';
  return undefined;
}

/**
 * `INVALID_INPUT: argument "<name>"`, the name as the server shows it: escaped where it holds control or direction
 * characters or quotes, cut after 63 characters; an array item as `name.<index>`.
 */
function namesArgument(text: string, name: string): boolean {
  const escaped = name
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    .replace(/"/g, '\\"');
  const shown = escaped.length > 64 ? escaped.slice(0, 63) : `${escaped}"`;
  return text.startsWith(`INVALID_INPUT: argument "${shown}`) || text.startsWith(`INVALID_INPUT: argument "${escaped}.`);
}

function describeCase(testCase: GeneratedCase): string {
  return `${testCase.tool} (${testCase.mutation}) ${JSON.stringify(testCase.args)?.slice(0, 160)}`;
}

function contractShape(reply: ToolReply): string | undefined {
  if (reply.rpcError) return undefined;
  if (!reply.isError) return undefined;
  const code = errorCode(reply);
  if (!code || !(ERROR_CODES as readonly string[]).includes(code)) return `not "CODE: sentence": ${reply.text.slice(0, 120)}`;
  if (/\n\s+at |\bat .*\.(?:js|ts):\d+/.test(reply.text)) return 'stack trace in the error';
  return undefined;
}

describe('input fuzzing (built server, one stdio connection)', function () {
  this.timeout(240_000);

  it('every argument of every tool has a generator', () => {
    const missing = TOOLS.flatMap((tool) => Object.keys(tool.input).filter((name) => !kindOf(tool.name, name)).map((name) => `${tool.name}.${name}`));
    assert.deepEqual(missing, []);
  });

  it(`${INVALID_CASES.toLocaleString('en')} invalid argument sets: INVALID_INPUT naming the argument, no upstream request, no crash`, async () => {
    const { proxies } = stress();
    const row = summaryRow('fuzzing', 'one invalid argument per call');
    const fuzzer = new ArgumentFuzzer(randomSource(SEED));
    const cases = Array.from({ length: INVALID_CASES }, () => fuzzer.invalidCase());
    const server = await startServer('fuzz: invalid');
    const problems: string[] = [];
    const byCode = new Map<string, number>();
    const started = Date.now();
    const upstreamRequests = () =>
      Object.values(proxies).flatMap((proxy) => proxy.requests().map((record: FaultRecord) => ({ proxy: proxy.name, method: record.method, path: record.path })));
    const callCase = async (testCase: GeneratedCase) => {
      const reply = await server.callTool(testCase.tool, testCase.args);
      row.tried++;
      const outcome = reply.rpcError ? `rpc ${reply.rpcError.code}` : reply.isError ? errorCode(reply) ?? 'malformed' : 'success';
      byCode.set(outcome, (byCode.get(outcome) ?? 0) + 1);
      let problem = contractShape(reply);
      if (!problem && testCase.culprit.startsWith('(')) {
        if (reply.rpcError?.code !== -32602) problem = `expected JSON-RPC error -32602, got ${outcome}: ${reply.text.slice(0, 120)}`;
      } else if (!problem) {
        if (!reply.isError || !namesArgument(reply.text, testCase.culprit)) {
          problem = `expected INVALID_INPUT naming "${testCase.culprit.slice(0, 30)}", got ${outcome}: ${reply.text.slice(0, 160)}`;
        } else if (/[\u0000-\u001f\u007f]/.test(reply.text)) {
          problem = `control character echoed into the error: ${JSON.stringify(reply.text.slice(0, 160))}`;
        }
      }
      if (problem) problems.push(`${describeCase(testCase)} → ${problem}`);
      else row.passed++;
    };
    // An unknown platform or architecture is answered with the platforms its image offers (issue 14), and reading
    // that image is the one upstream cost an invalid argument may have: those cases run last, their reads checked apart.
    const offersPlatforms = (testCase: GeneratedCase) => ['platform', 'architecture'].includes(testCase.culprit);
    await inPool(cases.filter((testCase) => !offersPlatforms(testCase)), IN_FLIGHT, callCase);
    const upstream = upstreamRequests().map((request) => `${request.proxy} ${request.method} ${request.path.slice(0, 120)}`);
    const platformCases = cases.filter(offersPlatforms);
    await inPool(platformCases, IN_FLIGHT, callCase);
    const namedRepositories = new Set(
      platformCases.flatMap((testCase) =>
        ['image', 'image_a', 'image_b'].flatMap((name) => {
          const value = (testCase.args as Record<string, unknown>)[name];
          return typeof value === 'string' && !referenceProblem(value) ? [parseReference(value).repository] : [];
        }),
      ),
    );
    const offerReads = upstreamRequests().slice(upstream.length);
    const strayReads = offerReads.filter((request) => {
      if (request.proxy === 'token' || request.proxy === 'cdn') return false;
      const read = /^\/v2\/(.+)\/(manifests|blobs)\/[^/]+$/.exec(request.path);
      return request.proxy !== 'registry' || (request.method !== 'GET' && request.method !== 'HEAD') || !read || !namedRepositories.has(read[1]);
    });
    const ms = Date.now() - started;
    figure(row, `seed ${SEED}; ${cases.length} calls in ${(ms / 1000).toFixed(1)} s; outcomes ${[...byCode].map(([code, n]) => `${code} ${n}`).join(', ')}`);
    figure(row, `${upstream.length} upstream requests (${offerReads.length} more to list the platforms ${platformCases.length} unknown-platform cases' images offer); ${problems.length} problems; server ${server.alive ? 'up' : 'DOWN'}`);
    assert.ok(server.alive, 'the server is still running');
    assert.deepEqual(server.strayLines, [], 'stdout carried only JSON-RPC');
    assert.deepEqual(problems.slice(0, 15), [], `${problems.length} of ${cases.length} cases misbehaved (seed ${SEED})`);
    assert.deepEqual(upstream.slice(0, 15), [], `${upstream.length} requests reached upstream from invalid arguments (seed ${SEED})`);
    assert.deepEqual(strayReads.slice(0, 15), [], `an unknown platform read more than its own image's manifests and config (seed ${SEED})`);
    const healthy = await server.callTool('docker_get_manifest', { image: 'demo:1.0' });
    assert.equal(healthy.isError, false, `a valid call after the fuzzing succeeds: ${healthy.text.slice(0, 200)}`);
    assert.equal((await server.close()).code, 0);
  });

  it(`${HOSTILE_VALID_CASES.toLocaleString('en')} odd but valid argument sets: contract outcomes, every upstream path clean`, async () => {
    const { proxies } = stress();
    const row = summaryRow('fuzzing', 'odd but valid arguments');
    const fuzzer = new ArgumentFuzzer(randomSource(SEED + 1));
    const tools = TOOLS.map((tool) => tool.name).filter((name) => name !== 'docker_cache_clear');
    const cases = Array.from({ length: HOSTILE_VALID_CASES }, () => fuzzer.hostileValidCase(tools));
    const server = await startServer('fuzz: hostile valid');
    const problems: string[] = [];
    const byCode = new Map<string, number>();
    const examples = new Map<string, string>();
    const started = Date.now();
    await inPool(cases, 16, async (testCase) => {
      const reply = await server.callTool(testCase.tool, testCase.args);
      row.tried++;
      const outcome = reply.rpcError ? `rpc ${reply.rpcError.code}` : reply.isError ? errorCode(reply) ?? 'malformed' : 'success';
      byCode.set(outcome, (byCode.get(outcome) ?? 0) + 1);
      if (reply.isError && !examples.has(outcome)) examples.set(outcome, `${testCase.tool}: ${reply.text.slice(0, 110)}`);
      const problem = reply.rpcError ? `JSON-RPC error ${reply.rpcError.code}: ${reply.rpcError.message}` : contractShape(reply);
      if (problem) problems.push(`${describeCase(testCase)} → ${problem}`);
      else row.passed++;
    });
    const records = Object.values(proxies).flatMap((proxy) => proxy.requests().map((record: FaultRecord) => ({ proxy: proxy.name, record })));
    const unclean = records
      .map(({ proxy, record }) => ({ proxy, record, problem: pathProblem(proxy, record) }))
      .filter((entry) => entry.problem)
      .map(({ proxy, record, problem }) => `${proxy} ${record.method} ${record.path.slice(0, 160)}: ${problem}`);
    figure(row, `seed ${SEED + 1}; ${cases.length} calls in ${((Date.now() - started) / 1000).toFixed(1)} s; outcomes ${[...byCode].map(([code, n]) => `${code} ${n}`).join(', ')}`);
    figure(row, `${records.length} upstream requests, ${unclean.length} with an unclean path`);
    for (const [code, example] of examples) figure(row, `e.g. ${code}: ${example}`);
    assert.ok(server.alive, 'the server is still running');
    assert.deepEqual(server.strayLines, [], 'stdout carried only JSON-RPC');
    assert.deepEqual(problems.slice(0, 15), [], `${problems.length} of ${cases.length} calls broke the contract (seed ${SEED + 1})`);
    assert.deepEqual(unclean.slice(0, 15), [], `${unclean.length} upstream requests had an unclean path`);
    assert.ok(records.length > 0, 'some odd but valid calls reached upstream (the check above saw something)');
    assert.equal((await server.close()).code, 0);
  });
});
