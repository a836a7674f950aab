// Image facts where references are written: hovers, diagnostics with quick fixes, size hints, and the Pin All
// Images / Check Workspace commands, for Dockerfiles, Compose files and devcontainer.json. Facts come from the
// extension's one server connection through ImageFacts; checks run debounced, for visible documents only.
import * as vscode from 'vscode';
import { CHECK_LEVELS, CHECKS, DEFAULT_CHECK_SETTINGS, findingsFor, hintLabel, moveFix, pinFix, type CheckLevel, type CheckSettings, type Finding, type SiteFacts, type SiteFix } from './checks';
import { hoverMarkdown, OPEN_IN_EXPLORER_COMMAND, SET_TOKEN_COMMAND } from './hoverText';
import { ImageFacts, referenceParts, type FactsConnection, type ReferenceParts } from './imageFacts';
import { imageFileKind, type ImageFileScan, type ImageSite } from './imageSites';
import { scanImageFile } from './scanImageFile';

export const PIN_ALL_COMMAND = 'dockerhubMcp.pinAllImages';
export const CHECK_WORKSPACE_COMMAND = 'dockerhubMcp.checkWorkspace';
export const EDITOR_SETTINGS_SECTION = 'dockerHub';
const DIAGNOSTIC_SOURCE = 'Docker Hub';
/** Typing pauses this long before a document is checked again. */
const CHECK_DELAY_MS = 500;
const FRESH_FOR_MS = 10 * 60_000;
const RETRY_AFTER_MS = 60_000;
// One brace group: VS Code's globs do not nest them.
const WORKSPACE_FILES = `{${['**/Dockerfile', '**/*.Dockerfile', '**/*.dockerfile', '**/Containerfile', '**/compose*.yml', '**/compose*.yaml', '**/docker-compose*.yml', '**/docker-compose*.yaml', '**/.devcontainer/devcontainer.json', '**/.devcontainer/*/devcontainer.json', '**/.devcontainer.json'].join(',')}}`;
const WORKSPACE_FILES_MAX = 500;
const LANGUAGE_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file' },
  { scheme: 'untitled', language: 'dockerfile' },
  { scheme: 'vscode-remote' },
];

export interface EditorFeatureOptions {
  connection: FactsConnection;
  log: { info(message: string): void; warn(message: string): void };
  /** Whether a Docker Hub token is stored: Scout's vulnerability counts need one. */
  signedIn: () => Promise<boolean>;
  /** Fires when the token or the server settings changed: facts learned before may no longer hold. */
  onDidChangeServer: vscode.Event<void>;
}

interface EditorSettings {
  checks: CheckSettings;
  sizeHints: boolean;
}

function readEditorSettings(): EditorSettings {
  const config = vscode.workspace.getConfiguration(EDITOR_SETTINGS_SECTION);
  const checks = { ...DEFAULT_CHECK_SETTINGS };
  for (const check of CHECKS) {
    const level = config.get<unknown>(`diagnostics.${check}`);
    if ((CHECK_LEVELS as readonly unknown[]).includes(level)) checks[check] = level as CheckLevel;
  }
  return { checks, sizeHints: config.get<unknown>('editor.sizeHints') !== false };
}

const SEVERITY: Record<Exclude<CheckLevel, 'off'>, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** Image references of a document, scanned once per version. */
class ImageDocuments {
  private readonly scans = new Map<string, { version: number; scan: ImageFileScan }>();

  scan(document: vscode.TextDocument): ImageFileScan | undefined {
    const kind = imageFileKind(document.uri.path, document.languageId);
    if (!kind) return undefined;
    const key = document.uri.toString();
    const known = this.scans.get(key);
    if (known?.version === document.version) return known.scan;
    const scan = scanImageFile(kind, document.getText());
    this.scans.set(key, { version: document.version, scan });
    return scan;
  }

  forget(document: vscode.TextDocument): void {
    this.scans.delete(document.uri.toString());
  }

  siteAt(document: vscode.TextDocument, position: vscode.Position): ImageSite | undefined {
    const offset = document.offsetAt(position);
    return this.scan(document)?.sites.find((site) => site.start <= offset && offset <= site.end);
  }
}

function siteRange(document: vscode.TextDocument, site: ImageSite): vscode.Range {
  return new vscode.Range(document.positionAt(site.start), document.positionAt(site.end));
}

export class EditorFeatures implements vscode.Disposable {
  readonly facts: ImageFacts;
  private readonly documents = new ImageDocuments();
  private readonly diagnostics = vscode.languages.createDiagnosticCollection('docker-hub');
  private readonly hintsChanged = new vscode.EventEmitter<void>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Files Check Workspace reported on: their diagnostics stay when VS Code drops the document it opened to read them. */
  private readonly checkedInWorkspace = new Set<string>();
  private settings = readEditorSettings();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly options: EditorFeatureOptions) {
    this.facts = new ImageFacts(options.connection, { freshForMs: FRESH_FOR_MS, retryAfterMs: RETRY_AFTER_MS, now: Date.now });
    this.subscriptions.push(
      this.diagnostics,
      this.hintsChanged,
      vscode.languages.registerHoverProvider(LANGUAGE_SELECTOR, { provideHover: (document, position) => this.hover(document, position) }),
      vscode.languages.registerCodeActionsProvider(LANGUAGE_SELECTOR, { provideCodeActions: (document, range) => this.codeActions(document, range) }, {
        providedCodeActionKinds: [vscode.CodeActionKind.QuickFix],
      }),
      vscode.languages.registerInlayHintsProvider(LANGUAGE_SELECTOR, {
        onDidChangeInlayHints: this.hintsChanged.event,
        provideInlayHints: (document, range) => this.inlayHints(document, range),
      }),
      vscode.workspace.onDidOpenTextDocument((document) => this.schedule(document)),
      vscode.workspace.onDidChangeTextDocument((event) => this.schedule(event.document)),
      vscode.workspace.onDidCloseTextDocument((document) => {
        this.documents.forget(document);
        if (!this.checkedInWorkspace.has(document.uri.toString())) this.diagnostics.delete(document.uri);
      }),
      vscode.window.onDidChangeVisibleTextEditors((editors) => editors.forEach((editor) => this.schedule(editor.document))),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (!event.affectsConfiguration(EDITOR_SETTINGS_SECTION)) return;
        this.settings = readEditorSettings();
        this.hintsChanged.fire();
        this.checkVisible();
      }),
      options.onDidChangeServer(() => {
        this.facts.expire();
        this.checkVisible();
      }),
      vscode.commands.registerCommand(PIN_ALL_COMMAND, () => this.pinAll()),
      vscode.commands.registerCommand(CHECK_WORKSPACE_COMMAND, () => this.checkWorkspace()),
    );
    this.checkVisible();
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }

  private checkVisible(): void {
    for (const editor of vscode.window.visibleTextEditors) this.schedule(editor.document);
  }

  /** Checks a document once typing has paused; documents nobody sees are not checked (nothing is asked for them). */
  private schedule(document: vscode.TextDocument): void {
    if (!imageFileKind(document.uri.path, document.languageId)) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(
      key,
      setTimeout(() => {
        this.pending.delete(key);
        if (vscode.window.visibleTextEditors.some((editor) => editor.document === document)) void this.check(document);
      }, CHECK_DELAY_MS),
    );
  }

  /** Asks for the facts of every distinct reference in the document (each once), then sets its diagnostics. */
  async check(document: vscode.TextDocument): Promise<number> {
    const scan = this.documents.scan(document);
    if (!scan) return 0;
    const version = document.version;
    const vulnerabilities = this.settings.checks.vulnerabilities !== 'off' && (await this.options.signedIn());
    const siteFacts = await Promise.all(scan.sites.map((site) => this.fetchSite(site, { newer: this.settings.checks.newerVersion !== 'off', vulnerabilities })));
    this.hintsChanged.fire();
    if (document.isClosed || document.version !== version) return 0;
    if (scan.checksDisabled) {
      this.diagnostics.delete(document.uri);
      return 0;
    }
    const now = Date.now();
    const diagnostics = scan.sites.flatMap((site, index) =>
      findingsFor(site, siteFacts[index], this.settings.checks, now).map((finding) => {
        const diagnostic = new vscode.Diagnostic(siteRange(document, site), finding.message, SEVERITY[finding.level]);
        diagnostic.source = DIAGNOSTIC_SOURCE;
        diagnostic.code = finding.check;
        return diagnostic;
      }),
    );
    this.diagnostics.set(document.uri, diagnostics);
    return diagnostics.length;
  }

  /** The site's facts, asked for where not yet known: concurrent asks for one reference share one request. */
  private async fetchSite(site: ImageSite, wanted: { newer: boolean; vulnerabilities: boolean }): Promise<SiteFacts> {
    const parts = referenceParts(site.reference);
    if ('problem' in parts || !parts.tagReference) return { parts };
    const [tag, newer] = await Promise.all([
      this.facts.tag(parts.tagReference, parts.hub, site.platform),
      wanted.newer && parts.reference.tag ? this.facts.newerInLine(repositoryOf(parts), parts.reference.tag, parts.hub, site.platform) : undefined,
    ]);
    const facts: SiteFacts = { parts, tag, newer };
    if (!tag.ok && tag.error.code === 'NOT_FOUND' && parts.reference.tag) facts.missing = await this.facts.whatIsMissing(repositoryOf(parts), parts.reference.tag);
    if (wanted.vulnerabilities && parts.hub && tag.ok) {
      facts.vulnerabilities = await this.facts.vulnerabilities(pinnedOf(parts, parts.reference.digest ?? tag.value.digest), site.platform);
    }
    return facts;
  }

  /** Facts already known for the site, without asking anything. */
  private knownFacts(site: ImageSite): SiteFacts {
    const parts = referenceParts(site.reference);
    if ('problem' in parts || !parts.tagReference) return { parts };
    const tag = this.facts.peekTag(parts.tagReference, parts.hub, site.platform);
    const newer = parts.reference.tag ? this.facts.peekNewerInLine(repositoryOf(parts), parts.reference.tag, parts.hub, site.platform) : undefined;
    const facts: SiteFacts = { parts, tag, newer };
    if (parts.reference.tag) facts.missing = this.facts.peekWhatIsMissing(repositoryOf(parts), parts.reference.tag);
    if (parts.hub && tag?.ok) facts.vulnerabilities = this.facts.peekVulnerabilities(pinnedOf(parts, parts.reference.digest ?? tag.value.digest), site.platform);
    return facts;
  }

  private async hover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const site = this.documents.siteAt(document, position);
    if (!site) return undefined;
    const parts = referenceParts(site.reference);
    const range = siteRange(document, site);
    if ('problem' in parts) return new vscode.Hover(new vscode.MarkdownString().appendText(parts.problem), range);
    const signedIn = await this.options.signedIn();
    const facts = await this.fetchSite(site, { newer: false, vulnerabilities: signedIn });
    // Asked on hover only: opening a file costs one listing per reference, which sizes the file's platform alone.
    const [details, description] = parts.hub
      ? await Promise.all([facts.tag?.ok ? this.facts.tagDetails(parts.tagReference!) : undefined, this.facts.description(repositoryOf(parts))])
      : [undefined, undefined];
    const tag = details?.ok ? details : facts.tag;
    const markdown = new vscode.MarkdownString(
      hoverMarkdown({ parts, platform: site.platform, tag, description, vulnerabilities: facts.vulnerabilities, missing: facts.missing, signedIn }, Date.now()),
    );
    markdown.isTrusted = { enabledCommands: [OPEN_IN_EXPLORER_COMMAND, SET_TOKEN_COMMAND] };
    return new vscode.Hover(markdown, range);
  }

  private async codeActions(document: vscode.TextDocument, range: vscode.Range | vscode.Selection): Promise<vscode.CodeAction[]> {
    const scan = this.documents.scan(document);
    if (!scan) return [];
    const actions: vscode.CodeAction[] = [];
    for (const site of scan.sites) {
      const siteRangeInDocument = siteRange(document, site);
      if (!site.editable || !siteRangeInDocument.intersection(range)) continue;
      const facts = this.knownFacts(site);
      if ('problem' in facts.parts) continue;
      // Every fix is offered, even where its diagnostic is turned off (pinning is wanted without the notPinned check).
      const findings = findingsFor(site, facts, { ...this.settings.checks, notPinned: 'hint', newerVersion: 'hint', movedPin: 'hint', unknownImage: 'hint' }, Date.now());
      const diagnosticsHere = vscode.languages.getDiagnostics(document.uri).filter((d) => d.source === DIAGNOSTIC_SOURCE && d.range.isEqual(siteRangeInDocument));
      for (const finding of findings) {
        const fix = finding.fix ?? (await this.pinnedMove(site, facts, finding));
        if (!fix) continue;
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(document.uri, siteRangeInDocument, fix.newText);
        action.diagnostics = diagnosticsHere.filter((d) => d.code === finding.check);
        action.isPreferred = finding.check === 'movedPin';
        actions.push(action);
      }
    }
    return actions;
  }

  /** Moving a pinned reference to a newer tag keeps it pinned: the newer tag's digest is asked for first. */
  private async pinnedMove(site: ImageSite, facts: SiteFacts, finding: Finding): Promise<SiteFix | undefined> {
    if (finding.check !== 'newerVersion' || 'problem' in facts.parts || !facts.parts.reference.digest || !facts.newer?.ok || !facts.newer.value) return undefined;
    const newerTag = await this.facts.tag(`${repositoryOf(facts.parts)}:${facts.newer.value}`, facts.parts.hub, site.platform);
    return newerTag.ok ? moveFix(site, facts.newer.value, newerTag.value.digest) : undefined;
  }

  private inlayHints(document: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    if (!this.settings.sizeHints) return [];
    const scan = this.documents.scan(document);
    if (!scan) return [];
    const now = Date.now();
    const hints: vscode.InlayHint[] = [];
    for (const site of scan.sites) {
      const end = document.positionAt(site.end);
      if (!range.contains(end)) continue;
      const tag = this.knownFacts(site).tag;
      const label = tag?.ok ? hintLabel(tag.value, site.platform, now) : undefined;
      if (!label) continue;
      const hint = new vscode.InlayHint(end, label);
      hint.paddingLeft = true;
      hint.tooltip = 'Compressed size for this platform and when the tag was last pushed (Docker Hub)';
      hints.push(hint);
    }
    return hints;
  }

  private async pinAll(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const document = editor?.document;
    const scan = document ? this.documents.scan(document) : undefined;
    if (!document || !scan) {
      void vscode.window.showInformationMessage('Open a Dockerfile, a Compose file or a devcontainer.json to pin its images.');
      return;
    }
    const version = document.version;
    const unpinned = scan.sites.filter((site) => {
      const parts = referenceParts(site.reference);
      return site.editable && !('problem' in parts) && !parts.reference.digest;
    });
    if (unpinned.length === 0) {
      void vscode.window.showInformationMessage('Every image in this file is already pinned to a digest (or is written with variables).');
      return;
    }
    const failures: string[] = [];
    const fixes = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Docker Hub: pinning images', cancellable: true },
      async (progress, cancellation) => {
        const found: Array<{ site: ImageSite; fix: SiteFix }> = [];
        let done = 0;
        await Promise.all(
          unpinned.map(async (site) => {
            const parts = referenceParts(site.reference) as ReferenceParts;
            const tag = await this.facts.tag(parts.tagReference!, parts.hub, site.platform);
            progress.report({ increment: 100 / unpinned.length, message: `${++done} of ${unpinned.length}` });
            if (tag.ok) found.push({ site, fix: pinFix(site, tag.value) });
            else failures.push(`${site.reference}: ${tag.error.message}`);
          }),
        );
        return cancellation.isCancellationRequested ? undefined : found;
      },
    );
    if (!fixes) return;
    if (document.version !== version) {
      void vscode.window.showWarningMessage('The file changed while its images were looked up; run Pin All Images in File again.');
      return;
    }
    const edit = new vscode.WorkspaceEdit();
    for (const { site, fix } of fixes) edit.replace(document.uri, siteRange(document, site), fix.newText);
    await vscode.workspace.applyEdit(edit);
    const summary = `Pinned ${fixes.length} of ${unpinned.length} image${unpinned.length === 1 ? '' : 's'} to their current digests.`;
    if (failures.length > 0) void vscode.window.showWarningMessage(`${summary} Not pinned: ${failures.join('; ')}`);
    else void vscode.window.showInformationMessage(summary);
  }

  /** Checks again now, not from the facts of the last ten minutes: the server's cache still spares Docker Hub. */
  private async checkWorkspace(): Promise<void> {
    this.facts.expire();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Docker Hub: checking images in the workspace', cancellable: true },
      async (progress, cancellation) => {
        const files = await vscode.workspace.findFiles(WORKSPACE_FILES, '**/node_modules/**', WORKSPACE_FILES_MAX, cancellation);
        let problems = 0;
        let checked = 0;
        for (const file of files) {
          if (cancellation.isCancellationRequested) break;
          progress.report({ increment: 100 / files.length, message: vscode.workspace.asRelativePath(file) });
          const document = await vscode.workspace.openTextDocument(file);
          this.checkedInWorkspace.add(file.toString());
          problems += await this.check(document);
          checked++;
        }
        return { files: files.length, checked, problems };
      },
    );
    const message = `Checked ${result.checked} of ${result.files} image file${result.files === 1 ? '' : 's'}: ${result.problems} problem${result.problems === 1 ? '' : 's'} (see the Problems panel).`;
    void vscode.window.showInformationMessage(message);
  }
}

function repositoryOf(parts: ReferenceParts): string {
  return parts.tagReference!.slice(0, parts.tagReference!.lastIndexOf(':'));
}

function pinnedOf(parts: ReferenceParts, digest: string): string {
  return `${repositoryOf(parts)}@${digest}`;
}

export function registerEditorFeatures(options: EditorFeatureOptions): EditorFeatures {
  return new EditorFeatures(options);
}
