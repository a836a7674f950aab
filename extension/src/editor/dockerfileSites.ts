// Image references in a Dockerfile's FROM lines, read by Docker's own rules (moby/buildkit's parser): parser
// directives (`# escape=`) only at the very top, line continuations with the escape character, comment and empty
// lines inside a continuation dropped, global ARGs (before the first FROM) as the only variables FROM sees, stage
// names and `scratch` not images, here-documents (`RUN <<EOF`) content rather than instructions.
import { commentDisablesChecks, type ImageFileScan, type ImageSite } from './imageSites';
import { expandVariables } from './variables';

/** One instruction with continuations joined; `offsets[i]` is where its i-th character sits in the file. */
interface LogicalLine {
  text: string;
  offsets: number[];
}

interface SourceLine {
  text: string;
  start: number;
}

/** `<<EOF`, `<<-EOF`, `<<"EOF"` in RUN, COPY and ADD (BuildKit's here-documents). */
const HEREDOC = /<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g;
const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;

function sourceLines(text: string): SourceLine[] {
  const lines: SourceLine[] = [];
  let start = 0;
  for (const piece of text.split('\n')) {
    lines.push({ text: piece.endsWith('\r') ? piece.slice(0, -1) : piece, start });
    start += piece.length + 1;
  }
  return lines;
}

/** The escape character from the `# escape=` directive among the leading directives; `\` without one. */
function escapeCharacter(lines: SourceLine[]): string {
  for (const line of lines) {
    const directive = DIRECTIVE.exec(line.text);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape' && (directive[2] === '`' || directive[2] === '\\')) return directive[2];
  }
  return '\\';
}

function isComment(line: string): boolean {
  return line.trimStart().startsWith('#');
}

function instructions(lines: SourceLine[], escape: string): { logical: LogicalLine[]; comments: string[] } {
  const logical: LogicalLine[] = [];
  const comments: string[] = [];
  let current: LogicalLine | undefined;
  /** Words that end the here-documents of the last instruction, in order; their lines are content, not instructions. */
  const heredocEnds: string[] = [];
  for (const line of lines) {
    if (heredocEnds.length > 0) {
      if (line.text.replace(/^\t+/, '') === heredocEnds[0]) heredocEnds.shift();
      continue;
    }
    if (isComment(line.text)) {
      comments.push(line.text);
      continue;
    }
    // Inside a continuation too: Docker skips empty lines there (and warns).
    if (line.text.trim() === '') continue;
    const trimmedEnd = line.text.replace(/[ \t]+$/, '');
    const continues = trimmedEnd.endsWith(escape);
    const content = continues ? trimmedEnd.slice(0, -1) : line.text;
    const part = current === undefined ? content.trimStart() : content;
    const firstColumn = content.length - part.length;
    current ??= { text: '', offsets: [] };
    for (let i = 0; i < part.length; i++) current.offsets.push(line.start + firstColumn + i);
    current.text += part;
    if (!continues) {
      logical.push(current);
      if (/^(RUN|COPY|ADD)\s/i.test(current.text)) for (const match of current.text.matchAll(HEREDOC)) heredocEnds.push(match[2]);
      current = undefined;
    }
  }
  if (current) logical.push(current);
  return { logical, comments };
}

/** Whitespace-separated words with their positions in the logical line. */
function words(line: LogicalLine): Array<{ text: string; index: number }> {
  const found: Array<{ text: string; index: number }> = [];
  const pattern = /\S+/g;
  for (let match = pattern.exec(line.text); match; match = pattern.exec(line.text)) found.push({ text: match[0], index: match.index });
  return found;
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

export function scanDockerfile(text: string): ImageFileScan {
  const lines = sourceLines(text);
  const escape = escapeCharacter(lines);
  const literalDollar = `${escape}$`;
  const { logical, comments } = instructions(lines, escape);
  const globalArgs = new Map<string, string | undefined>();
  const stages = new Set<string>();
  const sites: ImageSite[] = [];
  let seenFrom = false;
  const lookup = (name: string) => globalArgs.get(name);

  for (const line of logical) {
    const parts = words(line);
    const instruction = parts[0]?.text.toUpperCase();
    if (instruction === 'ARG' && !seenFrom) {
      for (const part of parts.slice(1)) {
        const equals = part.text.indexOf('=');
        if (equals === -1) globalArgs.set(part.text, undefined);
        else globalArgs.set(part.text.slice(0, equals), expandVariables(unquote(part.text.slice(equals + 1)), lookup, literalDollar));
      }
      continue;
    }
    if (instruction !== 'FROM') continue;
    seenFrom = true;
    let platform: string | undefined;
    let index = 1;
    for (; index < parts.length && parts[index].text.startsWith('--'); index++) {
      const flag = /^--platform=(.+)$/i.exec(parts[index].text);
      if (flag) platform = expandVariables(flag[1], lookup, literalDollar);
    }
    const image = parts[index];
    if (!image) continue;
    const alias = parts[index + 1]?.text.toUpperCase() === 'AS' ? parts[index + 2]?.text.toLowerCase() : undefined;
    const reference = expandVariables(image.text, lookup, literalDollar);
    const namesStage = reference !== undefined && stages.has(reference.toLowerCase());
    if (alias) stages.add(alias);
    if (reference === undefined || reference === '' || reference.toLowerCase() === 'scratch' || namesStage) continue;
    const site: ImageSite = {
      reference,
      start: line.offsets[image.index],
      end: line.offsets[image.index + image.text.length - 1] + 1,
      editable: reference === image.text,
    };
    if (platform) site.platform = platform;
    sites.push(site);
  }
  return { sites, checksDisabled: comments.some(commentDisablesChecks) };
}
