import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { EXTENSION_ID, delay, extensionApi } from './extensionApi';
import { runConfig } from './runConfig';

// VS Code names a provided server `<extension id, lower case>/<label>`.
const SERVER_ID = `${EXTENSION_ID}/Docker Hub`;

/** The server's tools as VS Code lists them to language models, keyed by the tool's own name. */
function serverTools(): Map<string, vscode.LanguageModelToolInformation> {
  const expected = runConfig().expectedTools;
  const found = new Map<string, vscode.LanguageModelToolInformation>();
  for (const tool of vscode.lm.tools) {
    const name = expected.find((candidate) => tool.name === candidate || tool.name.endsWith(`_${candidate}`));
    if (name) found.set(name, tool);
  }
  return found;
}

/** The platforms of a manifest result, from its structured content (JSON) or else its text summary. */
function platformsIn(texts: string[]): string[] | undefined {
  for (const text of texts) {
    try {
      const value = JSON.parse(text) as { platforms?: Array<{ platform: string }> };
      if (Array.isArray(value.platforms)) return value.platforms.map((entry) => entry.platform);
    } catch {
      const listed = /platform\(s\): ([^.\n]+)/.exec(text);
      if (listed) return listed[1].split(', ');
    }
  }
  return undefined;
}

describe('the server through VS Code’s MCP support (the path Copilot agent mode takes)', () => {
  before(async function () {
    this.timeout(90_000);
    await extensionApi();
    // Right after activation the first start request can go unheard: ask until the tools are there.
    const deadline = Date.now() + 60_000;
    while (serverTools().size < runConfig().expectedTools.length) {
      if (Date.now() > deadline) break;
      await vscode.commands.executeCommand('workbench.mcp.startServer', SERVER_ID, { waitForLiveTools: true });
      await delay(1000);
    }
  });

  it('lists every server tool in vscode.lm.tools after workbench.mcp.startServer', () => {
    const tools = serverTools();
    const missing = runConfig().expectedTools.filter((name) => !tools.has(name));
    assert.deepEqual(missing, [], `missing from vscode.lm.tools (which lists: ${vscode.lm.tools.map((t) => t.name).join(', ')})`);
    for (const tool of tools.values()) assert.ok(tool.description, `${tool.name} has a description`);
  });

  it('answers docker_get_manifest through vscode.lm.invokeTool with the image’s platforms', async () => {
    const tool = serverTools().get('docker_get_manifest');
    assert.ok(tool, 'docker_get_manifest is listed');
    const result = await vscode.lm.invokeTool(tool.name, { input: { image: 'library/demo:latest' }, toolInvocationToken: undefined });
    const texts = result.content
      .filter((part): part is vscode.LanguageModelTextPart => part instanceof vscode.LanguageModelTextPart)
      .map((part) => part.value);
    const platforms = platformsIn(texts);
    assert.ok(platforms, `the result names platforms: ${texts.join('\n').slice(0, 600)}`);
    // arm64's default variant v8 is left out when platforms are compared, as containerd normalises it.
    assert.deepEqual(platforms.map((p) => p.replace(/^linux\/arm64\/v8$/, 'linux/arm64')).sort(), ['linux/amd64', 'linux/arm/v7', 'linux/arm64']);
  });

  it('reports a bad reference as INVALID_INPUT, not a crash', async () => {
    const tool = serverTools().get('docker_get_manifest');
    assert.ok(tool);
    const result = await vscode.lm.invokeTool(tool.name, { input: { image: 'Not A Reference' }, toolInvocationToken: undefined }).then(
      (value) => value.content.map((part) => (part instanceof vscode.LanguageModelTextPart ? part.value : '')).join('\n'),
      (err: unknown) => String(err instanceof Error ? err.message : err),
    );
    assert.match(result, /INVALID_INPUT/);
  });
});
