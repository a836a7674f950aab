import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { API_DOC_PATH, API_EXAMPLES_PATH, renderApiDocs } from '../../server/scripts/gen-api-docs';
import { PROMPTS } from '../../server/src/prompts';
import { TOOLS } from '../../server/src/tools';
import { ALICE_DEFAULT_PAT } from '../rig/images';
import { success } from './helpers/assertions';
import { startInProcess } from './helpers/inProcess';

/**
 * Tools whose answer to their example depends only on the rig's catalogue: not on ports, clocks, cache state or the
 * writes other tests make. Their recorded examples must be exactly what they answer now.
 */
const REPRODUCIBLE = [
  'docker_search_images',
  'docker_get_stats',
  'docker_list_tags',
  'docker_get_tag_details',
  'docker_get_manifest',
  'docker_inspect_image',
  'docker_analyze_layers',
  'docker_get_image_history',
  'docker_get_dockerfile',
  'docker_compare_images',
  'docker_estimate_pull_size',
  'docker_track_base_updates',
  'docker_get_attestations',
  'docker_get_vulnerabilities',
];

describe('docs/API.md', () => {
  it('is exactly what the generator renders from the tool definitions (npm run docs:api)', () => {
    const rendered = renderApiDocs();
    const current = readFileSync(API_DOC_PATH, 'utf8');
    if (rendered === current) return;
    const want = rendered.split('\n');
    const have = current.split('\n');
    const line = want.findIndex((text, index) => text !== have[index]);
    assert.fail(
      `docs/API.md is out of date at line ${line + 1}; run \`npm run docs:api\`.\n` +
        `  file:      ${JSON.stringify(have[line] ?? '(end of file)')}\n  generated: ${JSON.stringify(want[line] ?? '(end)')}`,
    );
  });

  it('documents every tool with its arguments, output fields and example call', () => {
    const doc = renderApiDocs();
    for (const tool of TOOLS) {
      const start = doc.indexOf(`\n### ${tool.name}\n`);
      assert.ok(start >= 0, `${tool.name} has a section`);
      const end = doc.indexOf('\n### ', start + 1);
      const section = doc.slice(start, end < 0 ? undefined : end);
      assert.ok(section.includes(tool.description), `${tool.name}: description`);
      for (const name of Object.keys(tool.input)) assert.ok(section.includes(`| \`${name}\` |`), `${tool.name}: argument ${name}`);
      for (const name of Object.keys(tool.output)) assert.ok(section.includes(`| \`${name}\` |`), `${tool.name}: output ${name}`);
      assert.ok(section.includes(JSON.stringify({ name: tool.name, arguments: tool.example }, null, 2)), `${tool.name}: example call`);
      assert.match(section, /#### Example[\s\S]*```json[\s\S]*```json/, `${tool.name}: an example result`);
    }
    for (const prompt of PROMPTS) assert.ok(doc.includes(`### \`${prompt.name}\``), `prompt ${prompt.name}`);
    assert.ok(doc.includes('dockerhub://{namespace}/{repository}/readme'));
  });

  it('shows argument defaults and ranges taken from the schemas', () => {
    const doc = renderApiDocs();
    const section = doc.slice(doc.indexOf('\n### docker_get_vulnerabilities\n'));
    assert.match(section, /\| `limit` \| integer \(1–100\) \| no \| `10` \|/);
    assert.match(section, /\| `image` \| string \| yes \|/);
  });

  it('refuses to render an example result that does not match its tool', () => {
    assert.throws(
      () => renderApiDocs({ examples: { docker_check_rate_limit: { image: 'x' } } }),
      /docker_check_rate_limit does not match its output schema/,
    );
  });

  it("validates every example result against the tool's output schema", () => {
    const doc = renderApiDocs();
    for (const tool of TOOLS) {
      const start = doc.indexOf(`\n### ${tool.name}\n`);
      const section = doc.slice(start, doc.indexOf('\n### ', start + 1));
      const blocks = [...section.matchAll(/```json\n([\s\S]*?)\n```/g)].map((m) => m[1]);
      const result = JSON.parse(blocks.at(-1)!);
      assert.ok(z.object(tool.output).safeParse(result).success, `${tool.name}: example result fits the output schema`);
    }
  });

  it('shows results recorded from real calls to the rig, not written by hand (npm run docs:api:record)', async () => {
    const recorded = JSON.parse(readFileSync(API_EXAMPLES_PATH, 'utf8')) as { results: Record<string, unknown> };
    assert.deepEqual(Object.keys(recorded.results).sort(), TOOLS.map((tool) => tool.name).sort());
    const server = await startInProcess({ DOCKERHUB_USERNAME: 'alice', DOCKERHUB_TOKEN: ALICE_DEFAULT_PAT });
    try {
      for (const name of REPRODUCIBLE) {
        const tool = TOOLS.find((candidate) => candidate.name === name)!;
        const answer = success(await server.callTool(name, tool.example as Record<string, unknown>));
        assert.deepEqual(answer, recorded.results[name], `${name}: docs/api-examples.json is not what the tool answers; run npm run docs:api:record`);
      }
    } finally {
      await server.close();
    }
  });
});
