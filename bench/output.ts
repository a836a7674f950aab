import type { Rig } from '../test/rig';
import { resetRig, serverEnv, startServer, type ToolResult } from './lib/server';
import { ratio, type Row } from './lib/table';

const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

/**
 * Bytes of the JSON bodies the server read to answer: each Hub GET and registry manifest or blob GET it made is
 * fetched again, directly, and measured.
 */
async function rawUpstreamBytes(rig: Rig): Promise<{ bytes: number; requests: number }> {
  let bytes = 0;
  let requests = 0;
  for (const request of rig.hub.requests()) {
    if (request.method !== 'GET') continue;
    const response = await fetch(new URL(request.path, rig.hub.url));
    bytes += (await response.arrayBuffer()).byteLength;
    requests += 1;
  }
  for (const request of rig.registry.proxy.requests()) {
    if ((request.kind !== 'manifestGet' && request.kind !== 'blobGet') || request.status !== (request.kind === 'blobGet' ? 307 : 200)) continue;
    const repository = /^\/v2\/(.+)\/(?:manifests|blobs)\//.exec(request.path)?.[1] ?? '';
    const token = rig.tokenServer.issueToken([{ type: 'repository', name: repository, actions: ['pull'] }], 'bench');
    const response = await fetch(new URL(request.path, rig.registry.directUrl), {
      headers: { authorization: `Bearer ${token}`, accept: MANIFEST_ACCEPT },
    });
    if (!response.ok) throw new Error(`refetching ${request.path} answered ${response.status}`);
    bytes += (await response.arrayBuffer()).byteLength;
    requests += 1;
  }
  return { bytes, requests };
}

function textBytes(result: ToolResult): number {
  return result.content.reduce((sum, part) => sum + Buffer.byteLength(part.text ?? ''), 0);
}

/** Share of an array's JSON bytes taken by each field of its objects, largest first. */
function fieldShares(items: Array<Record<string, unknown>>): string {
  const bytes = new Map<string, number>();
  for (const item of items) {
    for (const [key, value] of Object.entries(item)) {
      bytes.set(key, (bytes.get(key) ?? 0) + Buffer.byteLength(`${JSON.stringify(key)}:${JSON.stringify(value)},`));
    }
  }
  const total = Buffer.byteLength(JSON.stringify(items));
  return [...bytes]
    .sort((a, b) => b[1] - a[1])
    .map(([key, size]) => `${key} ${Math.round((100 * size) / total)}%`)
    .join(', ');
}

export interface OutputResult {
  rows: Row[];
  /** Where the bytes of each structuredContent go, for the results page. */
  notes: string[];
}

async function measure(
  rig: Rig,
  label: string,
  tool: string,
  args: Record<string, unknown>,
  list: string,
  /** The issue's target (≤ 0.25 of the raw reply) and its before figure; without it the ratios are only reported. */
  target?: { before: string },
): Promise<OutputResult> {
  await resetRig(rig);
  const server = await startServer(serverEnv(rig));
  try {
    const result = await server.call(tool, args);
    const raw = await rawUpstreamBytes(rig);
    const text = textBytes(result);
    const structured = Buffer.byteLength(JSON.stringify(result.structuredContent));
    const textRatio = ratio(text, raw.bytes);
    const structuredRatio = ratio(structured, raw.bytes);
    const rawDescription = `raw upstream JSON ${raw.bytes} B in ${raw.requests} response(s)`;
    const items = result.structuredContent?.[list];
    const judged = (value: number, note = '') => (target ? { target: `≤ 0.25${note}`, pass: value <= 0.25 } : { target: 'reported' });
    return {
      rows: [
        { figure: `output ${label}: text / raw upstream`, value: `${textRatio.toFixed(3)} (${text} B; ${rawDescription})`, ...judged(textRatio) },
        { figure: `output ${label}: structuredContent / raw upstream`, value: `${structuredRatio.toFixed(3)} (${structured} B)`, ...judged(structuredRatio) },
        {
          figure: `output ${label}: text + structuredContent / raw upstream`,
          value: `${ratio(text + structured, raw.bytes).toFixed(3)} (${text + structured} B)`,
          ...judged(ratio(text + structured, raw.bytes), target ? ` (before: ${target.before})` : ''),
        },
      ],
      notes: Array.isArray(items) ? [`${tool}: \`${list}[]\` fields by share of their bytes: ${fieldShares(items)}`] : [],
    };
  } finally {
    await server.close();
  }
}

export async function benchOutput(rig: Rig): Promise<OutputResult> {
  const parts = [
    await measure(rig, 'docker_list_tags, 100 tags', 'docker_list_tags', { image: 'many', limit: 100 }, 'tags', { before: '0.40' }),
    // An index's answer is mostly its digests, which no wording shortens: reported, with no target of its own.
    await measure(rig, 'docker_get_manifest, 3-platform index', 'docker_get_manifest', { image: 'demo:latest' }, 'platforms'),
  ];
  return { rows: parts.flatMap((part) => part.rows), notes: parts.flatMap((part) => part.notes) };
}
