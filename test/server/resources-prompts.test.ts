import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { TOOLS } from '../../server/src/tools';
import { startInProcess, type InProcessServer } from './helpers/inProcess';

const README_TEMPLATE = 'dockerhub://{namespace}/{repository}/readme';

function textOf(content: { text?: unknown; blob?: unknown }): string {
  assert.equal(typeof content.text, 'string', 'a text resource, not a blob');
  return content.text as string;
}

describe('MCP resources and prompts', () => {
  let s: InProcessServer;
  beforeEach(async () => {
    s = await startInProcess();
  });
  afterEach(async () => {
    await s.close();
  });

  async function readError(uri: string): Promise<McpError> {
    try {
      await s.client.readResource({ uri });
    } catch (err) {
      assert.ok(err instanceof McpError, `an MCP error, got ${String(err)}`);
      return err;
    }
    assert.fail(`reading ${uri} should fail`);
  }

  describe('repository README resource', () => {
    it('is offered as a Markdown resource template', async () => {
      const { resourceTemplates } = await s.client.listResourceTemplates();
      const readme = resourceTemplates.find((t) => t.uriTemplate === README_TEMPLATE);
      assert.ok(readme, `template ${README_TEMPLATE} is listed`);
      assert.equal(readme.mimeType, 'text/markdown');
      assert.ok(readme.description && readme.description.includes('dockerhub://library/nginx/readme'));
    });

    it("returns the repository's full description from Docker Hub", async () => {
      const expected = readFileSync(new URL('../rig/hub/data/readmes/library-demo.md', import.meta.url), 'utf8');
      const { contents } = await s.client.readResource({ uri: 'dockerhub://library/demo/readme' });
      assert.equal(contents.length, 1);
      assert.equal(contents[0].uri, 'dockerhub://library/demo/readme');
      assert.equal(contents[0].mimeType, 'text/markdown');
      assert.equal(textOf(contents[0]), expected);
    });

    it('says so in Markdown when a repository has no full description', async () => {
      const { contents } = await s.client.readResource({ uri: 'dockerhub://nginxdemos/hello/readme' });
      assert.match(textOf(contents[0]), /^# nginxdemos\/hello/);
      assert.match(textOf(contents[0]), /no full description/);
    });

    it('answers an unknown repository with resource-not-found and the NOT_FOUND code', async () => {
      const error = await readError('dockerhub://library/no-such-repository/readme');
      assert.equal(error.code, -32002);
      assert.match(error.message, /NOT_FOUND: /);
      assert.doesNotMatch(error.message, /MCP error -32002: MCP error/);
    });

    it('refuses a name Docker Hub cannot have as INVALID_INPUT', async () => {
      const error = await readError('dockerhub://Library/demo/readme');
      assert.equal(error.code, -32602);
      assert.match(error.message, /INVALID_INPUT: argument "namespace"/);
    });
  });

  describe('prompts', () => {
    const toolNames = new Set(TOOLS.map((tool) => tool.name));

    function toolsNamed(text: string): string[] {
      return [...text.matchAll(/\bdocker_[a-z_]+/g)].map((match) => match[0]);
    }

    async function promptText(name: string, args: Record<string, string>): Promise<string> {
      const { messages } = await s.client.getPrompt({ name, arguments: args });
      assert.equal(messages.length, 1);
      assert.equal(messages[0].role, 'user');
      assert.equal(messages[0].content.type, 'text');
      return (messages[0].content as { text: string }).text;
    }

    it('lists choose-base-image and explain-image-size with their arguments', async () => {
      const { prompts } = await s.client.listPrompts();
      const choose = prompts.find((p) => p.name === 'choose-base-image');
      const explain = prompts.find((p) => p.name === 'explain-image-size');
      assert.ok(choose && explain);
      assert.deepEqual(
        choose.arguments?.map((a) => [a.name, a.required ?? false]),
        [
          ['language', true],
          ['constraints', false],
        ],
      );
      assert.deepEqual(explain.arguments?.map((a) => [a.name, a.required ?? false]), [['image', true]]);
    });

    it('choose-base-image names existing tools in a useful order, with the arguments given', async () => {
      const text = await promptText('choose-base-image', { language: 'python 3.12', constraints: 'arm64 too' });
      assert.match(text, /python 3\.12/);
      assert.match(text, /arm64 too/);
      const named = toolsNamed(text);
      for (const name of named) assert.ok(toolNames.has(name), `${name} is a tool of this server`);
      const order = ['docker_search_images', 'docker_list_tags', 'docker_get_vulnerabilities', 'docker_inspect_image'];
      const positions = order.map((name) => named.indexOf(name));
      assert.ok(positions.every((p) => p >= 0), `all of ${order.join(', ')} are named`);
      assert.deepEqual(positions, [...positions].sort((a, b) => a - b), 'search, then tags, then vulnerabilities, then inspect');
    });

    it('explain-image-size names existing tools: the layers, then the base whose bottom layers they share (two calls)', async () => {
      const text = await promptText('explain-image-size', { image: 'nginx:1.27' });
      assert.match(text, /nginx:1\.27/);
      const named = toolsNamed(text);
      for (const name of named) assert.ok(toolNames.has(name), `${name} is a tool of this server`);
      assert.deepEqual([...new Set(named)], ['docker_analyze_layers', 'docker_track_base_updates']);
    });

    it('choose-base-image reads sizes and the digest to pin from one list_tags call per candidate', async () => {
      const text = await promptText('choose-base-image', { language: 'python 3.12' });
      const named = [...new Set(toolsNamed(text))];
      assert.ok(!named.includes('docker_get_tag_details') && !named.includes('docker_estimate_pull_size'), named.join(', '));
      assert.match(text, /sort: "size"/);
      assert.match(text, /never pin `platform_digest`/);
    });

    it('refuses a missing required argument', async () => {
      await assert.rejects(s.client.getPrompt({ name: 'explain-image-size', arguments: {} }), McpError);
    });
  });
});
