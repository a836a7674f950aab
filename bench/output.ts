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
  parts.push(await answerSizes(rig));
  return { rows: parts.flatMap((part) => part.rows), notes: parts.flatMap((part) => part.notes) };
}

/**
 * The fixed set of calls whose answers are weighed against the build before this round (issue 15): arguments every
 * build since 1a0667c takes, and no login (the before build is run the same way by bench/before.ts --answers).
 */
const FIXED_CALLS: Array<[string, Record<string, unknown>]> = [
  ['docker_search_images', { query: 'nginx', limit: 10 }],
  ['docker_list_tags', { image: 'many', limit: 100 }],
  ['docker_get_tag_details', { image: 'demo:1.0' }],
  ['docker_get_manifest', { image: 'demo:latest' }],
  ['docker_inspect_image', { image: 'demo:1.0', platform: 'linux/arm64' }],
  ['docker_analyze_layers', { image: 'app:1' }],
  ['docker_get_image_history', { image: 'app:1' }],
  ['docker_compare_images', { image_a: 'base:1', image_b: 'app:1' }],
  ['docker_get_attestations', { image: 'svc:1' }],
];

/**
 * Measured by `bench/before.ts --answers` on a build of 1a0667c: text / structuredContent bytes of each of FIXED_CALLS.
 * (That build had no answer bound: its list_tags answer for 100 tags was 2.8 times the raw Hub reply.)
 */
const FIXED_CALLS_BEFORE: Record<string, [number, number]> = {
  docker_search_images: [641, 1461],
  docker_list_tags: [102257, 122175],
  docker_get_tag_details: [610, 1327],
  docker_get_manifest: [304, 631],
  docker_inspect_image: [680, 827],
  docker_analyze_layers: [423, 954],
  docker_get_image_history: [623, 1909],
  docker_compare_images: [963, 1821],
  docker_get_attestations: [853, 1716],
};

/** Text and structuredContent bytes of each of FIXED_CALLS, and their sums, against the same calls before. */
export async function answerSizes(rig: Rig): Promise<{ rows: Row[]; notes: string[] }> {
  await resetRig(rig);
  const server = await startServer(serverEnv(rig));
  const sizes: Array<{ tool: string; text: number; structured: number }> = [];
  try {
    for (const [tool, args] of FIXED_CALLS) {
      const result = await server.call(tool, args);
      if (result.isError) throw new Error(`${tool} ${JSON.stringify(args)} failed: ${result.content[0]?.text ?? ''}`);
      sizes.push({ tool, text: textBytes(result), structured: Buffer.byteLength(JSON.stringify(result.structuredContent ?? null)) });
    }
  } finally {
    await server.close();
  }
  const sum = (of: typeof sizes) => of.reduce((total, size) => total + size.text + size.structured, 0);
  const sumBefore = (of: typeof sizes) => of.reduce((total, size) => total + FIXED_CALLS_BEFORE[size.tool][0] + FIXED_CALLS_BEFORE[size.tool][1], 0);
  const others = sizes.filter((size) => size.tool !== 'docker_list_tags');
  const text = sizes.reduce((total, size) => total + size.text, 0);
  const structured = sizes.reduce((total, size) => total + size.structured, 0);
  return {
    rows: [
      {
        figure: `answer bytes of ${FIXED_CALLS.length} fixed calls (FIXED_CALLS in bench/output.ts), text + structuredContent`,
        value: `${sum(sizes)} B (text ${text} B, structured ${structured} B)`,
        target: `fewer than before (1a0667c: ${sumBefore(sizes)} B)`,
        pass: sum(sizes) < sumBefore(sizes),
      },
      {
        figure: `the same without docker_list_tags (${others.length} calls)`,
        value: `${sum(others)} B`,
        target: `reported (1a0667c: ${sumBefore(others)} B; the new facts: pin_digest, resolved_at, config_size, layer_count)`,
      },
    ],
    notes: [
      `Fixed calls, text / structuredContent bytes, before (1a0667c) → now: ${sizes
        .map((size) => `${size.tool} ${FIXED_CALLS_BEFORE[size.tool].join(' / ')} → ${size.text} / ${size.structured}`)
        .join('; ')}`,
    ],
  };
}
