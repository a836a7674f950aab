// Context economy (issue 15): what the tool definitions cost every request a model makes, counted in bytes and in
// o200k tokens, for the lists a user can get (with a login, --read-only, anonymous), and what a fixed set of
// answers costs.
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { Rig } from '../test/rig';
import { resetRig, serverEnv, startServer } from './lib/server';
import type { Row } from './lib/table';

const LIST_MAX_BYTES = 30 * 1024;
const VISIBLE_MAX_BYTES = 12 * 1024;
const VISIBLE_AVERAGE_MAX_BYTES = 600;
const WRITE_AND_ACCOUNT_TOOLS = ['docker_create_repository', 'docker_update_repository', 'docker_delete_tag', 'docker_list_namespaces', 'docker_list_repositories'];

/** The answers measured: the calls an agent makes most, on the rig. */
const CALLS: [string, Record<string, unknown>][] = [
  ['docker_search_images', { query: 'demo' }],
  ['docker_get_image_details', { image: 'demo' }],
  ['docker_list_tags', { image: 'many', limit: 100 }],
  ['docker_get_manifest', { image: 'demo:latest' }],
  ['docker_inspect_image', { image: 'demo:latest' }],
  ['docker_analyze_layers', { image: 'demo:latest' }],
  ['docker_get_dockerfile', { image: 'demo:latest' }],
  ['docker_compare_images', { image_a: 'app:1', image_b: 'app2:1' }],
];

/** What a model is shown of a tool. */
function modelVisible(tool: Tool): string {
  return JSON.stringify({ name: tool.name, title: tool.title, description: tool.description, inputSchema: tool.inputSchema });
}

function bytes(text: string): number {
  return Buffer.byteLength(text);
}

async function listing(rig: Rig, env: Record<string, string>, args: string[] = []): Promise<Tool[]> {
  const server = await startServer(serverEnv(rig, env), [], args);
  try {
    return (await server.client.listTools()).tools;
  } finally {
    await server.close();
  }
}

function alice(rig: Rig): Record<string, string> {
  const user = rig.users.find((u) => u.username === 'alice')!;
  return { DOCKERHUB_USERNAME: user.username, DOCKERHUB_TOKEN: user.password };
}

function size(tools: Tool[]): { list: string; visible: string; listBytes: number; visibleBytes: number } {
  const list = JSON.stringify({ tools });
  const visible = tools.map(modelVisible).join('');
  return { list, visible, listBytes: bytes(list), visibleBytes: bytes(visible) };
}

function describeSize(tools: Tool[]): string {
  const measured = size(tools);
  return `${tools.length} tools: ${measured.listBytes} B, ${countTokens(measured.list)} tokens; model-visible ${measured.visibleBytes} B, ${countTokens(measured.visible)} tokens`;
}

export interface ToolsResult {
  rows: Row[];
  /** Markdown: one line per tool, and the answers of the fixed calls. */
  detail: string;
}

export async function benchTools(rig: Rig): Promise<ToolsResult> {
  const full = await listing(rig, alice(rig));
  const readOnly = await listing(rig, alice(rig), ['--read-only']);
  const anonymous = await listing(rig, {});
  const measured = size(full);
  const average = measured.visibleBytes / full.length;
  const rows: Row[] = [
    {
      figure: 'tools/list with a login, whole listing',
      value: `${measured.listBytes} B, ${countTokens(measured.list)} tokens (o200k), ${full.length} tools`,
      target: `≤ ${LIST_MAX_BYTES / 1024} KB (before: 59.7 KB, 13,900 tokens)`,
      pass: measured.listBytes <= LIST_MAX_BYTES,
    },
    {
      figure: 'tools/list with a login, model-visible (name, title, description, inputSchema)',
      value: `${measured.visibleBytes} B, ${countTokens(measured.visible)} tokens`,
      target: `≤ ${VISIBLE_MAX_BYTES / 1024} KB ≈ 3,000 tokens (before: 22.8 KB, 5,700 tokens)`,
      pass: measured.visibleBytes <= VISIBLE_MAX_BYTES,
    },
    {
      figure: 'model-visible bytes a tool, average',
      value: `${average.toFixed(0)} B`,
      target: `≤ ${VISIBLE_AVERAGE_MAX_BYTES} B`,
      pass: average <= VISIBLE_AVERAGE_MAX_BYTES,
    },
    {
      figure: 'tools/list --read-only',
      value: describeSize(readOnly),
      target: 'no write tool',
      pass: !readOnly.some((tool) => tool.annotations?.readOnlyHint === false && tool.name !== 'docker_cache_clear'),
    },
    {
      figure: 'tools/list anonymous (no token)',
      value: describeSize(anonymous),
      target: 'no write or account tool',
      pass: !anonymous.some((tool) => WRITE_AND_ACCOUNT_TOOLS.includes(tool.name)),
    },
  ];

  const lines = [
    '| tool | definition B | model-visible B | model-visible tokens |',
    '|---|---|---|---|',
    ...full.map((tool) => `| \`${tool.name}\` | ${bytes(JSON.stringify(tool))} | ${bytes(modelVisible(tool))} | ${countTokens(modelVisible(tool))} |`),
    '',
    'Answers of a fixed set of calls (with a login), bytes and o200k tokens of the text and of structuredContent:',
    '',
    '| call | text B | text tokens | structured B | structured tokens |',
    '|---|---|---|---|---|',
  ];
  await resetRig(rig);
  const server = await startServer(serverEnv(rig, alice(rig)));
  try {
    for (const [tool, args] of CALLS) {
      const result = await server.call(tool, args);
      const text = result.content.map((part) => part.text ?? '').join('\n');
      const structured = JSON.stringify(result.structuredContent ?? {});
      lines.push(`| \`${tool} ${Object.values(args).join(' ')}\` | ${bytes(text)} | ${countTokens(text)} | ${bytes(structured)} | ${countTokens(structured)} |`);
    }
  } finally {
    await server.close();
  }
  return { rows, detail: lines.join('\n') };
}
