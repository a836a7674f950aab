/**
 * The Dockerfile instruction behind one history entry's `created_by`, for the three shapes builders write:
 * - classic builder: `/bin/sh -c #(nop)  ENV A=b` (metadata) and `/bin/sh -c make` or `|2 A=b C=d /bin/sh -c make` (RUN);
 * - BuildKit: `ENV A=b`, `RUN /bin/sh -c make # buildkit`, `RUN |2 A=b C=d /bin/sh -c make # buildkit`;
 * - other tools (ko, jib, apko…): free text, which is no instruction at all.
 * Go-formatted values (`EXPOSE map[80/tcp:{}]`, `CMD ["a" "b"]`, `VOLUME [/data]`, `HEALTHCHECK &{…}`) become
 * Dockerfile syntax again.
 */
export interface Instruction {
  /** Dockerfile keyword (RUN, COPY, ENV…); undefined when the entry was not made by a Dockerfile instruction. */
  keyword?: string;
  /** One Dockerfile line (`RUN make`, `CMD ["httpd-foreground"]`), or the raw text when there is no keyword. */
  text: string;
  /** Build arguments a RUN saw, as `NAME=value`, in the order history lists them. */
  buildArgs?: string[];
}

const KEYWORDS = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

const NOP_PREFIX = /^(?:\/bin\/sh -c|cmd \/S \/C) #\(nop\)\s*/;
/** The shell a RUN ran in; a SHELL instruction earlier in history (or in the base) already says which. */
const SHELL_PREFIX = /^(?:(?:\/usr)?\/bin\/(?:sh|bash|ash|dash|zsh)(?: -o \S+| -[a-zA-Z]+)*? -c|cmd \/S \/C|powershell(?: -\S+)*? -Command)(?: |$)/;
const BUILD_ARGS_PREFIX = /^\|(\d+) /;
const BUILDKIT_SUFFIX = / # buildkit$/;

export function instructionOf(createdBy: string | undefined): Instruction {
  const text = (createdBy ?? '').trim();
  if (text === '') return { text: '' };
  const nop = NOP_PREFIX.exec(text);
  if (nop) return keywordInstruction(text.slice(nop[0].length).trim()) ?? { text };
  if (BUILD_ARGS_PREFIX.test(text) || SHELL_PREFIX.test(text)) return runInstruction(text);
  return keywordInstruction(text.replace(BUILDKIT_SUFFIX, '')) ?? { text };
}

function keywordInstruction(text: string): Instruction | undefined {
  const match = /^([A-Z]+)(?:\s+([\s\S]*))?$/.exec(text);
  if (!match || !KEYWORDS.has(match[1])) return undefined;
  const keyword = match[1];
  const rest = (match[2] ?? '').trim();
  switch (keyword) {
    case 'RUN':
      return runInstruction(rest);
    case 'CMD':
    case 'ENTRYPOINT':
      return { keyword, text: `${keyword} ${commandForm(rest)}` };
    case 'SHELL':
    case 'VOLUME':
      return { keyword, text: `${keyword} ${listForm(rest)}` };
    case 'EXPOSE':
      return { keyword, text: `EXPOSE ${exposedPorts(rest)}` };
    case 'HEALTHCHECK':
      return { keyword, text: healthcheck(rest) ?? `HEALTHCHECK ${rest}` };
    default:
      return { keyword, text: rest === '' ? keyword : `${keyword} ${rest}` };
  }
}

/** `|2 A=b C=d /bin/sh -c make` or `/bin/sh -c make` → `RUN make` with A=b and C=d as build arguments. */
function runInstruction(text: string): Instruction {
  let command = text;
  let buildArgs: string[] | undefined;
  const counted = BUILD_ARGS_PREFIX.exec(command);
  if (counted) {
    const split = splitBuildArgs(command.slice(counted[0].length), Number(counted[1]));
    buildArgs = split.buildArgs;
    command = split.command;
  }
  command = command.replace(SHELL_PREFIX, '');
  return buildArgs && buildArgs.length > 0 ? { keyword: 'RUN', text: `RUN ${command}`, buildArgs } : { keyword: 'RUN', text: `RUN ${command}` };
}

/**
 * History joins `NAME=value` pairs with spaces and does not quote them, so a value may itself hold spaces: the
 * pairs end where the shell begins, and each pair starts at a `NAME=` that begins a word.
 */
function splitBuildArgs(text: string, count: number): { buildArgs: string[]; command: string } {
  const shell = /(?:^| )((?:\/usr)?\/bin\/(?:sh|bash|ash|dash|zsh) |cmd \/S \/C |powershell )/.exec(text);
  const argsText = shell ? text.slice(0, shell.index) : text;
  const names = [...argsText.matchAll(/(?:^| )([A-Za-z_][A-Za-z0-9_]*)=/g)];
  if (shell && names.length === count) {
    const buildArgs = names.map((name, i) => {
      const start = name.index + (name[0].startsWith(' ') ? 1 : 0);
      const end = i + 1 < names.length ? names[i + 1].index : argsText.length;
      return argsText.slice(start, end);
    });
    return { buildArgs, command: text.slice(shell.index + (shell[0].startsWith(' ') ? 1 : 0)) };
  }
  const words = text.split(' ');
  return { buildArgs: words.slice(0, count), command: words.slice(count).join(' ') };
}

/** Exec form as JSON (`["a", "b"]`, whether history wrote it with commas or Go's `%q`); `["/bin/sh", "-c", x]` → `x`. */
function commandForm(text: string): string {
  const items = quotedList(text);
  if (!items) return text;
  if (items.length === 3 && items[0] === '/bin/sh' && items[1] === '-c') return items[2];
  return jsonList(items);
}

/** `[/data /logs]` (Go's `%v`) or `["/data"]` → `["/data", "/logs"]`. */
function listForm(text: string): string {
  const items = quotedList(text) ?? (/^\[(.*)\]$/.exec(text)?.[1].split(/\s+/).filter(Boolean) ?? undefined);
  return items ? jsonList(items) : text;
}

/** `map[80/tcp:{} 443/tcp:{}]` or `[80/tcp 443/tcp]` → `80/tcp 443/tcp`; `80/tcp` stays. */
function exposedPorts(text: string): string {
  const map = /^map\[(.*)\]$/.exec(text);
  if (map) return [...map[1].matchAll(/([^\s:]+):\{\}/g)].map((port) => port[1]).join(' ');
  const list = /^\[(.*)\]$/.exec(text);
  return list ? list[1].trim().split(/\s+/).join(' ') : text;
}

/**
 * `&{["CMD-SHELL" "curl -f http://localhost/ || exit 1"] "30s" "3s" "0s" '\x03'}` (Go's `%q` of the health
 * config: test, interval, timeout, start period [, start interval], retries) → `HEALTHCHECK --interval=30s … CMD …`.
 */
function healthcheck(text: string): string | undefined {
  const match = /^&\{(\[.*?\])((?: "[^"]*")*) '((?:[^'\\]|\\.)+)'\}$/.exec(text);
  if (!match) return undefined;
  const test = quotedList(match[1]);
  if (!test || test.length === 0) return undefined;
  if (test[0] === 'NONE') return 'HEALTHCHECK NONE';
  const durations = [...match[2].matchAll(/"([^"]*)"/g)].map((d) => d[1]);
  const optionNames = ['interval', 'timeout', 'start-period', 'start-interval'];
  const options = durations.flatMap((value, i) => (value && value !== '0s' && optionNames[i] ? [`--${optionNames[i]}=${value}`] : []));
  const retries = goRune(match[3]);
  if (retries > 0) options.push(`--retries=${retries}`);
  const command = test[0] === 'CMD-SHELL' ? test.slice(1).join(' ') : test[0] === 'CMD' ? jsonList(test.slice(1)) : jsonList(test);
  return ['HEALTHCHECK', ...options, 'CMD', command].join(' ');
}

/** Items of `["a", "b"]` or `["a" "b"]`; undefined when `text` is not such a list. */
function quotedList(text: string): string[] | undefined {
  const inner = /^\[([\s\S]*)\]$/.exec(text.trim())?.[1];
  if (inner === undefined) return undefined;
  const items: string[] = [];
  const leftover = inner.replace(/"((?:[^"\\]|\\.)*)"/g, (_, body: string) => {
    items.push(goUnquote(body));
    return '';
  });
  if (!/^[\s,]*$/.test(leftover)) return undefined;
  return items;
}

function jsonList(items: string[]): string {
  return `[${items.map((item) => JSON.stringify(item)).join(', ')}]`;
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" };

/** The body of a Go double-quoted string (`%q`), which JSON cannot read when it holds `\x..` or `\U........`. */
function goUnquote(body: string): string {
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g, (whole, escape: string) => {
    if (/^[xuU]/.test(escape)) return String.fromCodePoint(parseInt(escape.slice(1), 16));
    if (/^[0-7]{3}$/.test(escape)) return String.fromCodePoint(parseInt(escape, 8));
    return SIMPLE_ESCAPES[escape] ?? whole;
  });
}

/** A Go rune literal's body (`\x03`, `3`) as its number. */
function goRune(body: string): number {
  const text = goUnquote(body);
  return text.length === 1 ? (text.codePointAt(0) ?? 0) : 0;
}
