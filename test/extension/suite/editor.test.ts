import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import type { RigRequestCounts } from '../harness/editorRig';
import { SETTINGS_SECTION } from '../../../extension/src/settings';
import { delay, extensionApi, nextEvent } from './extensionApi';
import { runConfig } from './runConfig';

const SOURCE = 'Docker Hub';
const NO_SUCH_DIGEST = `sha256:${'0'.repeat(64)}`;

function rigControl(path: string, init?: RequestInit): Promise<Response> {
  const base = runConfig().rigControlUrl;
  if (!base) throw new Error('run.json names no rig control endpoint (harness/editorRig.ts)');
  return fetch(`${base}${path}`, init);
}

/** Where the tag points in the registry now: the truth the editor's facts are compared with. */
async function rigDigest(repository: string, tag: string): Promise<string> {
  const response = await rigControl(`/tag/${repository}/${encodeURIComponent(tag)}`);
  assert.equal(response.status, 200, `the rig has ${repository}:${tag}`);
  return ((await response.json()) as { digest: string }).digest;
}

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(150);
  }
}

async function writeFile(relativePath: string, content: string): Promise<vscode.Uri> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the suite runs with a workspace folder');
  const uri = vscode.Uri.joinPath(folder.uri, relativePath);
  await vscode.workspace.fs.writeFile(uri, Buffer.from(content, 'utf8'));
  return uri;
}

async function openFile(relativePath: string, content: string): Promise<vscode.TextEditor> {
  const document = await vscode.workspace.openTextDocument(await writeFile(relativePath, content));
  return vscode.window.showTextDocument(document, { preview: false });
}

function ourDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((diagnostic) => diagnostic.source === SOURCE);
}

/** Each diagnostic as `line: code severity: message` (and the text it covers), for one readable comparison. */
function describeDiagnostics(document: vscode.TextDocument): string[] {
  return ourDiagnostics(document.uri)
    .map((d) => `${d.range.start.line}: ${String(d.code)} ${vscode.DiagnosticSeverity[d.severity]} [${document.getText(d.range)}]: ${d.message}`)
    .sort();
}

/** The position of the first character of `text` on the first line holding it. */
function positionOf(document: vscode.TextDocument, text: string): vscode.Position {
  const offset = document.getText().indexOf(text);
  assert.ok(offset >= 0, `the document holds ${text}`);
  return document.positionAt(offset);
}

async function hoverText(document: vscode.TextDocument, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
  return hovers
    .flatMap((hover) => hover.contents)
    .map((content) => (typeof content === 'string' ? content : 'value' in content ? content.value : ''))
    .join('\n')
    // As rendered: Markdown's escapes (`ghcr\.io`) read as the characters they stand for.
    .replace(/\\([\\`*_{}[\]()#+\-.!|<>~&])/g, '$1');
}

async function quickFixes(document: vscode.TextDocument, at: string): Promise<vscode.CodeAction[]> {
  const start = positionOf(document, at);
  const range = new vscode.Range(start, start.translate(0, at.length));
  return vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', document.uri, range, vscode.CodeActionKind.QuickFix.value);
}

async function waitForFix(document: vscode.TextDocument, at: string, title: RegExp): Promise<vscode.CodeAction> {
  return waitFor(`a quick fix ${title} at ${at}`, async () => (await quickFixes(document, at)).find((action) => title.test(action.title)));
}

async function inlayHints(document: vscode.TextDocument): Promise<vscode.InlayHint[]> {
  const whole = new vscode.Range(0, 0, document.lineCount, 0);
  return vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, whole);
}

function hintText(hint: vscode.InlayHint): string {
  return typeof hint.label === 'string' ? hint.label : hint.label.map((part) => part.value).join('');
}

async function rigCounts(): Promise<RigRequestCounts> {
  return (await (await rigControl('/counts')).json()) as RigRequestCounts;
}

describe('editor: image facts where references are written', function () {
  this.timeout(90_000);

  before(async () => {
    // Anonymous, as most people start: Scout's counts (which need a token) are not asked for.
    await (await extensionApi()).tokens.delete();
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  const dockerfile = [
    '# syntax=docker/dockerfile:1',
    'ARG WEB_VERSION=1.27.1',
    'FROM --platform=linux/arm64 demo:1.0 AS build',
    'RUN make',
    'FROM web:${WEB_VERSION} AS runtime',
    'FROM scratch AS empty',
    'FROM build',
    `FROM base:1@${NO_SUCH_DIGEST}`,
    'FROM demo:lastest',
    '',
  ].join('\n');

  it('Dockerfile: a moved pin, a newer version through an ARG and an unknown tag; nothing for scratch, a stage or a current tag', async () => {
    const { document } = await openFile('Dockerfile', dockerfile);
    const described = await waitFor('three diagnostics', () => {
      const found = describeDiagnostics(document);
      return found.length >= 3 ? found : undefined;
    });
    assert.equal(described.length, 3, described.join('\n'));
    assert.match(described[0], /^4: newerVersion Information \[web:\$\{WEB_VERSION\}\]: 1\.27\.4 is newer than 1\.27\.1 in the same line\.$/);
    assert.match(described[1], /^7: movedPin Warning \[base:1@sha256:0{64}\]: base:1 has moved since this pin: it now points to sha256:[0-9a-f]{12}…, pushed .+ ago\.$/);
    assert.equal(described[2], '8: unknownImage Error [demo:lastest]: demo has no tag lastest; did you mean latest?');
    const [change] = (await quickFixes(document, 'demo:lastest')).filter((action) => action.title === 'Change to demo:latest');
    assert.ok(change, 'the close match is offered as a fix');
  });

  it('Dockerfile: the hover shows the description, the index digest, the file’s platform first and links', async () => {
    const document = vscode.window.activeTextEditor!.document;
    const text = await hoverText(document, positionOf(document, 'demo:1.0').translate(0, 3));
    const digest = await rigDigest('library/demo', '1.0');
    assert.ok(text.includes('Demo image of the test rig'), text);
    assert.ok(text.includes(`\`${digest}\` (index digest, the one to pin), pushed`), text);
    const arm64 = text.indexOf('linux/arm64/v8 (this file’s platform)');
    assert.ok(arm64 > 0 && arm64 < text.indexOf('| linux/amd64 |') && arm64 < text.indexOf('| linux/arm/v7 |'), text);
    assert.ok(text.includes('command:dockerhubMcp.openExplorer'), text);
    assert.ok(text.includes('https://hub.docker.com/_/demo/tags?name=1.0'), text);
    // Scout's counts need a token; without one the hover offers to sign in.
    assert.ok(text.includes('command:dockerhubMcp.setToken'), text);
  });

  it('Dockerfile: the size hint after a reference gives the compressed size and the push age', async () => {
    const document = vscode.window.activeTextEditor!.document;
    const hints = await waitFor('size hints', async () => {
      const found = await inlayHints(document);
      return found.length >= 2 ? found : undefined;
    });
    const line = positionOf(document, 'demo:1.0').line;
    const demo = hints.find((hint) => hint.position.line === line);
    assert.ok(demo, `a hint on line ${line}`);
    assert.match(hintText(demo), /^\d+(\.\d)? (B|KiB|MiB) · pushed .+ ago$/);
    assert.equal(hints.some((hint) => hint.position.line === positionOf(document, 'scratch').line), false, 'no hint on scratch');
  });

  it('Dockerfile: the quick fix updates the moved pin to the tag’s current digest, and the warning goes', async () => {
    const document = vscode.window.activeTextEditor!.document;
    const fix = await waitForFix(document, `base:1@${NO_SUCH_DIGEST}`, /^Update the pinned digest/);
    assert.ok(fix.edit && (await vscode.workspace.applyEdit(fix.edit)));
    const current = await rigDigest('library/base', '1');
    assert.equal(document.lineAt(7).text, `FROM base:1@${current}`);
    await waitFor('the moved-pin warning to go', () => (describeDiagnostics(document).some((d) => d.includes('movedPin')) ? undefined : true));
  });

  it('Compose: a newer version in the line, and the quick fix that moves to it', async () => {
    const { document } = await openFile('compose.yaml', ['services:', '  api:', '    image: python:3.12-slim', '    platform: linux/amd64', '  demo:', '    image: "demo:1.0"', ''].join('\n'));
    await waitFor('the newer-version diagnostic', () => (describeDiagnostics(document).length > 0 ? true : undefined));
    assert.deepEqual(describeDiagnostics(document), ['2: newerVersion Information [python:3.12-slim]: 3.12.8-slim is newer than 3.12-slim in the same line.']);
    const fix = await waitForFix(document, 'python:3.12-slim', /^Move to python:3\.12\.8-slim$/);
    assert.ok(fix.edit && (await vscode.workspace.applyEdit(fix.edit)));
    assert.equal(document.lineAt(2).text, '    image: python:3.12.8-slim');
    await waitFor('the diagnostic to go', () => (describeDiagnostics(document).length === 0 ? true : undefined));
  });

  it('devcontainer.json: the quick fix pins the image to its index digest, keeping the tag', async () => {
    const content = '{\n  // the dev image\n  "name": "dev",\n  "image": "demo:latest",\n}\n';
    const { document } = await openFile('.devcontainer/devcontainer.json', content);
    const fix = await waitForFix(document, 'demo:latest', /^Pin to the digest sha256:[0-9a-f]{12}… \(keeping the tag\)$/);
    assert.ok(fix.edit && (await vscode.workspace.applyEdit(fix.edit)));
    assert.equal(document.lineAt(3).text, `  "image": "demo:latest@${await rigDigest('library/demo', 'latest')}",`);
  });

  it('each check has its own setting: notPinned (off by default) shown as a warning, then newerVersion turned off', async () => {
    const config = vscode.workspace.getConfiguration('dockerHub');
    const { document } = await openFile('settings.Dockerfile', 'FROM web:1.27.1\n');
    await waitFor('the newer-version diagnostic', () => (describeDiagnostics(document).length === 1 ? true : undefined));
    try {
      await config.update('diagnostics.notPinned', 'warning', vscode.ConfigurationTarget.Global);
      await waitFor('the not-pinned warning', () => (describeDiagnostics(document).length === 2 ? true : undefined));
      assert.match(describeDiagnostics(document)[1], /^0: notPinned Warning \[web:1\.27\.1\]: web:1\.27\.1 is not pinned to a digest; it points to sha256:[0-9a-f]{12}… now\.$/);
      await config.update('diagnostics.newerVersion', 'off', vscode.ConfigurationTarget.Global);
      await waitFor('only the not-pinned warning', () => (describeDiagnostics(document).length === 1 ? true : undefined));
      assert.match(describeDiagnostics(document)[0], /^0: notPinned Warning/);
    } finally {
      await config.update('diagnostics.notPinned', undefined, vscode.ConfigurationTarget.Global);
      await config.update('diagnostics.newerVersion', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('an image on another registry: the hover reads its index from the registry, with the platform’s size', async () => {
    const { document } = await openFile('ghcr.Dockerfile', 'FROM ghcr.io/owner/app:1\n');
    const text = await hoverText(document, positionOf(document, 'owner/app'));
    assert.ok(text.includes(`ghcr.io/owner/app:1 → \`${await rigDigest('owner/app', '1')}\` (digest)`), text);
    assert.match(text, /\| single-platform image \| \d+(\.\d)? KiB \|/);
    assert.ok(!text.includes('Vulnerabilities'), 'Scout covers Docker Hub images only');
  });

  it('a `# dockerhub-disable` comment turns a file’s diagnostics off', async () => {
    const { document } = await openFile('checks-off.Dockerfile', '# dockerhub-disable\nFROM demo:nope\nFROM demo:1.0\n');
    // The hint appears once the file's references are looked up; by then diagnostics would have been set.
    await waitFor('the size hint', async () => ((await inlayHints(document)).length > 0 ? true : undefined));
    await delay(500);
    assert.deepEqual(describeDiagnostics(document), []);
  });

  it('Pin All Images in File pins every reference it can rewrite, with their current digests', async () => {
    const { document } = await openFile('pin-all.Dockerfile', 'ARG TAG=1\nFROM demo:1.0 AS one\nFROM base:$TAG\nFROM ghcr.io/owner/app:1\nFROM one\n');
    await vscode.commands.executeCommand('dockerhubMcp.pinAllImages');
    await waitFor('the pins', () => (document.getText().includes('@sha256:') ? true : undefined));
    assert.deepEqual(document.getText().split('\n'), [
      'ARG TAG=1',
      `FROM demo:1.0@${await rigDigest('library/demo', '1.0')} AS one`,
      'FROM base:$TAG',
      `FROM ghcr.io/owner/app:1@${await rigDigest('owner/app', '1')}`,
      'FROM one',
      '',
    ]);
  });

  it('a Compose file of 30 references, every default check on, costs at most one upstream request per distinct reference, pulls nothing, and asks nothing again when edited', async () => {
    const config = vscode.workspace.getConfiguration('dockerHub');
    for (const check of ['unknownImage', 'movedPin', 'newerVersion', 'notPinned', 'vulnerabilities']) {
      assert.equal(config.inspect(`diagnostics.${check}`)?.globalValue, undefined, `${check} is left at its default`);
    }
    assert.equal(config.get('diagnostics.newerVersion'), 'information', 'the newer-version check is on by default');
    // Five of them versions whose line is checked: web's two share one line.
    const distinct = ['demo:schema2', 'demo:oci', 'demo:list', 'app:1', 'app2:1', 'many:tag-001', 'many:tag-002', 'web:1.27.4', 'web:1.27.1', 'python:3.12-slim'];
    const services = Array.from({ length: 30 }, (_, index) => `  s${index}:\n    image: ${distinct[index % distinct.length]}`);
    // Only this file is visible, and the server's cache (which would hide what a first look costs) is empty: Clear Cache
    // restarts the server and has the editor ask again for what is visible, which is nothing once that has happened.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const restarted = nextEvent((await extensionApi()).provider.onDidChangeMcpServerDefinitions, 10_000);
    await vscode.commands.executeCommand('dockerhubMcp.clearCache');
    await restarted;
    await rigControl('/reset', { method: 'POST' });
    const { document } = await openFile('compose.many.yaml', `services:\n${services.join('\n')}\n`);
    await waitFor('a size hint on each of the 30 references', async () => ((await inlayHints(document)).length === 30 ? true : undefined));
    await waitFor('the newer-version diagnostics', () => (describeDiagnostics(document).length === 6 ? true : undefined));
    assert.deepEqual([...new Set(describeDiagnostics(document).map((d) => d.replace(/^\d+: /, '')))].sort(), [
      'newerVersion Information [python:3.12-slim]: 3.12.8-slim is newer than 3.12-slim in the same line.',
      'newerVersion Information [web:1.27.1]: 1.27.4 is newer than 1.27.1 in the same line.',
    ]);
    const counts = await rigCounts();
    const hubRequests = Object.values(counts.hub).reduce((sum, n) => sum + n, 0);
    const registryRequests = Object.values(counts.registry).reduce((sum, n) => sum + n, 0);
    const seen = JSON.stringify(counts);
    assert.ok(Object.values(counts.hub).every((n) => n === 1), `nothing asked twice: ${seen}`);
    assert.ok(hubRequests + registryRequests <= distinct.length, `${hubRequests + registryRequests} upstream requests for ${distinct.length} distinct references: ${seen}`);
    assert.equal(counts.registry.manifestGet, 0, 'no manifest GET, so no pull counted');

    const editor = vscode.window.activeTextEditor!;
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '# edited\n'));
    await editor.edit((edit) => edit.insert(new vscode.Position(0, 0), '# edited again\n'));
    await delay(1500);
    await waitFor('the hints again', async () => ((await inlayHints(document)).length === 30 ? true : undefined));
    const after = await rigCounts();
    assert.deepEqual(after, counts, 'editing asks nothing upstream');
  });

  it('a document nobody sees is not checked: nothing is asked for it', async () => {
    await rigControl('/reset', { method: 'POST' });
    const document = await vscode.workspace.openTextDocument(await writeFile('hidden.Dockerfile', 'FROM demo:hidden-tag\n'));
    await delay(1500);
    const counts = await rigCounts();
    assert.deepEqual(Object.keys(counts.hub).filter((path) => path.includes('hidden-tag')), [], JSON.stringify(counts.hub));
    assert.deepEqual(ourDiagnostics(document.uri), []);
  });

  it('Check Images in Workspace reports on files that are not open', async () => {
    const unopened = await writeFile('services/api/api.Dockerfile', 'FROM demo:nope\n');
    await vscode.commands.executeCommand('dockerhubMcp.checkWorkspace');
    const found = await waitFor('diagnostics of the unopened file', () => {
      const diagnostics = ourDiagnostics(unopened);
      return diagnostics.length > 0 ? diagnostics : undefined;
    });
    assert.deepEqual(found.map((d) => [d.code, d.range.start.line, d.range.start.character, d.range.end.character]), [['unknownImage', 0, 5, 14]]);
  });

  it('signed in to Docker Hub: critical and high vulnerabilities are a warning and the hover counts them', async () => {
    const api = await extensionApi();
    const config = vscode.workspace.getConfiguration(SETTINGS_SECTION);
    await config.update('username', runConfig().rigUser.username, vscode.ConfigurationTarget.Global);
    await api.tokens.store(runConfig().rigUser.token);
    try {
      const { document } = await openFile('scanned.Dockerfile', 'FROM app:1\n');
      const [warning] = await waitFor('the vulnerability warning', () => {
        const found = ourDiagnostics(document.uri).filter((d) => d.code === 'vulnerabilities');
        return found.length > 0 ? found : undefined;
      });
      assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
      assert.equal(warning.message, 'app:1 has 2 critical and 3 high vulnerabilities (Docker Scout).');
      const text = await hoverText(document, positionOf(document, 'app:1'));
      assert.ok(text.includes('Vulnerabilities (Docker Scout): 2 critical, 3 high, 1 medium, 1 low'), text);
    } finally {
      await api.tokens.delete();
      await config.update('username', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('offline or rate limited: the diagnostics stay as they were and, with the hover, say how old they are', async () => {
    const { document } = await openFile('stale.Dockerfile', 'FROM web:1.27.1\n');
    const current = '0: newerVersion Information [web:1.27.1]: 1.27.4 is newer than 1.27.1 in the same line.';
    await waitFor('the newer-version diagnostic', () => (describeDiagnostics(document).join() === current ? true : undefined));
    await rigControl('/refuse', { method: 'POST' });
    try {
      // Clear Cache empties the server's cache too, so checking again has to ask Docker Hub, which refuses.
      await vscode.commands.executeCommand('dockerhubMcp.clearCache');
      await rigControl('/reset', { method: 'POST' });
      await vscode.commands.executeCommand('dockerhubMcp.checkWorkspace');
      const [stale] = await waitFor('the diagnostic marked with its age', () => {
        const found = describeDiagnostics(document);
        return found.some((d) => d.includes('as of')) ? found : undefined;
      });
      assert.match(
        stale,
        /^0: newerVersion Information \[web:1\.27\.1\]: 1\.27\.4 is newer than 1\.27\.1 in the same line \(as of (a moment|\d+ seconds?|1 minute) ago; checking again failed: .+\)\.$/,
      );
      const refused = Object.entries((await rigCounts()).hub).filter(([path]) => path.includes('/repositories/web/tags'));
      assert.ok(refused.length > 0, 'checking again asked Docker Hub');
      const text = await hoverText(document, positionOf(document, 'web:1.27.1'));
      assert.match(text, /web:1\.27\.1 → `sha256:[0-9a-f]{64}` \(index digest, the one to pin\), pushed .+ \(as of .+ ago; checking again failed: .+\)/, text);
    } finally {
      await rigControl('/answer', { method: 'POST' });
    }
  });
});
