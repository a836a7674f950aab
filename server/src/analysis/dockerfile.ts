import type { HistoryEntry } from '../registry/types';
import { inline } from '../untrusted';
import { instructionOf } from './instructions';

export interface DockerfileBase {
  /** The base as the image's labels (or the caller) name it, e.g. `docker.io/library/alpine:3.20`. */
  name: string;
  digest?: string;
  /** How many leading history entries are the base's own; those are left out. Unknown: all entries are kept. */
  historyEntries?: number;
}

export interface DockerfileOptions {
  /** What the header says the Dockerfile was reconstructed from, e.g. `nginx:1.27 (linux/amd64, sha256:…)`. */
  source: string;
  base?: DockerfileBase;
  /** Lines longer than this are wrapped at `&&`. */
  width?: number;
}

export interface ReconstructedDockerfile {
  text: string;
  /** Instructions written (FROM and comments not counted). */
  instructionCount: number;
  /** What the reader should know about the gaps, one sentence each. */
  notes: string[];
}

const DEFAULT_WIDTH = 100;
const CONTINUATION_INDENT = '    ';
/** The first space of a run that goes on with tabs, or with two more spaces and then text. */
const LINE_BREAK = /(?<! ) (?=\t| {2,}\S)/;

/** A Dockerfile from the config's history: what each instruction did is kept there, the files it used are not. */
export function reconstructDockerfile(history: HistoryEntry[], options: DockerfileOptions): ReconstructedDockerfile {
  const width = options.width ?? DEFAULT_WIDTH;
  const base = options.base;
  const skipped = base?.historyEntries ?? 0;
  const notes: string[] = [];
  // Caveats go to notes only: the text stays a Dockerfile, and nothing is said twice.
  const lines: string[] = [`# Reconstructed from the image history of ${options.source}; see the notes for what history does not keep.`];

  if (base) {
    // The name comes from a label: one line, whatever it holds.
    const name = inline(base.name, 512);
    lines.push(`FROM ${base.digest && !name.includes('@') ? `${name}@${base.digest}` : name}`);
    if (base.historyEntries === undefined) {
      notes.push(`Base ${base.name} comes from the image's labels, but its own history entries could not be separated, so they are repeated below.`);
    }
  } else if (startsWithRootFilesystem(history)) {
    lines.push('FROM scratch');
    notes.push(
      'The base image is not recorded (no org.opencontainers.image.base.name label); the history starts by adding a root filesystem (ADD file:… in /) to an empty image, so FROM scratch rebuilds it, with any base\'s own instructions included.',
    );
  } else {
    lines.push('FROM <unknown base>');
    notes.push('The base image is not recorded (no org.opencontainers.image.base.name label): FROM is a placeholder and the base\'s own instructions are included.');
  }
  notes.push('History keeps each instruction, not its inputs: comments, and ARG lines BuildKit does not record, are lost.');

  const declaredArgs = new Set<string>();
  let instructionCount = 0;
  let hashedSources = 0;
  let withoutInstruction = 0;
  let addedArgs = 0;
  for (const entry of history.slice(skipped)) {
    const instruction = instructionOf(entry.created_by);
    if (!instruction.keyword) {
      if (instruction.text === '') {
        withoutInstruction++;
      } else {
        lines.push(`# Not a Dockerfile instruction (${entry.empty_layer ? 'no layer' : 'made a layer'}): ${instruction.text.replace(/\s+/g, ' ')}`);
      }
      continue;
    }
    if (instruction.keyword === 'ARG') declaredArgs.add(argName(instruction.text.slice('ARG '.length)));
    for (const buildArg of instruction.buildArgs ?? []) {
      const name = argName(buildArg);
      if (declaredArgs.has(name)) continue;
      declaredArgs.add(name);
      lines.push(`ARG ${buildArg}`);
      addedArgs++;
      instructionCount++;
    }
    if ((instruction.keyword === 'COPY' || instruction.keyword === 'ADD') && /(?:^|\s)(?:file|dir|multi):[0-9a-f]{6,}/.test(instruction.text)) {
      hashedSources++;
    }
    lines.push(instruction.keyword === 'RUN' ? wrapRun(instruction.text, width) : instruction.text);
    instructionCount++;
  }

  if (hashedSources > 0) {
    notes.push(`${hashedSources} COPY/ADD line${hashedSources === 1 ? ' names its' : 's name their'} source by content hash (file:…): the original paths are not recorded.`);
  }
  if (addedArgs > 0) {
    notes.push(`${addedArgs} ARG line${addedArgs === 1 ? ' was' : 's were'} added from the build arguments a RUN recorded, with the values used at build time.`);
  }
  if (withoutInstruction > 0) {
    notes.push(`${withoutInstruction} history entr${withoutInstruction === 1 ? 'y has' : 'ies have'} no created_by and ${withoutInstruction === 1 ? 'was' : 'were'} left out.`);
  }
  notes.push('Only the final stage of a multi-stage build is in the history; files copied from earlier stages appear as COPY without their stage.');
  return { text: `${lines.join('\n')}\n`, instructionCount, notes };
}

/** The classic builder's and BuildKit's first step of a base image: a root filesystem added at `/` from a content hash. */
function startsWithRootFilesystem(history: HistoryEntry[]): boolean {
  const first = history.find((entry) => (entry.created_by ?? '').trim() !== '');
  if (!first) return false;
  const instruction = instructionOf(first.created_by);
  return instruction.keyword === 'ADD' && /^ADD (?:file|dir|multi):[0-9a-f]{6,} in \/\s*$/.test(instruction.text);
}

function argName(declaration: string): string {
  return declaration.split('=')[0].trim();
}

/**
 * Builders join `\`-continued lines by dropping the backslash and newline only, so a space followed by the next line's
 * indentation (tabs, or several spaces) marks where a line ended: putting ` \` and a newline back there gives the
 * original layout and the very same command. Commands written on one long line are wrapped at `&&` instead.
 */
function wrapRun(text: string, width: number): string {
  if (LINE_BREAK.test(text)) return text.replace(new RegExp(LINE_BREAK.source, 'g'), ' \\\n');
  if (text.length <= width || !/\s&&\s/.test(text)) return text;
  return text.replace(/\s+&&\s+/g, ` \\\n${CONTINUATION_INDENT}&& `);
}
