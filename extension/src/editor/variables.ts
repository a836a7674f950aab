// `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:+alternative}`, `${NAME+alternative}` as the
// Dockerfile and Compose expansions write them. A name whose value the file cannot tell (a build argument given at
// build time, an environment variable) leaves the whole text unresolved, unless a default stands in for it.

/** A variable's value as the file defines it; undefined when only the build or the environment can tell. */
export type VariableLookup = (name: string) => string | undefined;

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

/**
 * Expands `text`; undefined when any variable's value is unknown. `literalDollar` is how the file writes a `$` that
 * is not a variable: `\$` (the Dockerfile's escape character before `$`) or `$$` (Compose).
 */
export function expandVariables(text: string, lookup: VariableLookup, literalDollar: string): string | undefined {
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith(literalDollar, i)) {
      out += '$';
      i += literalDollar.length;
      continue;
    }
    if (text[i] !== '$') {
      out += text[i++];
      continue;
    }
    if (text[i + 1] === '{') {
      const close = text.indexOf('}', i + 2);
      if (close === -1) return undefined;
      const value = expandBraced(text.slice(i + 2, close), lookup);
      if (value === undefined) return undefined;
      out += value;
      i = close + 1;
      continue;
    }
    const name = NAME.exec(text.slice(i + 1))?.[0];
    if (!name) {
      out += '$';
      i++;
      continue;
    }
    const value = lookup(name);
    if (value === undefined) return undefined;
    out += value;
    i += 1 + name.length;
  }
  return out;
}

function expandBraced(body: string, lookup: VariableLookup): string | undefined {
  const name = NAME.exec(body)?.[0];
  if (!name) return undefined;
  const rest = body.slice(name.length);
  const value = lookup(name);
  if (rest === '') return value;
  const operator = /^(:?[-+])/.exec(rest)?.[1];
  if (!operator) return undefined;
  const word = rest.slice(operator.length);
  const unsetOrEmpty = operator.startsWith(':') ? value === undefined || value === '' : value === undefined;
  if (operator.endsWith('-')) return unsetOrEmpty ? word : value;
  // `+`: the alternative when set; when the file cannot tell whether it is set, neither answer is known.
  if (value === undefined) return undefined;
  return unsetOrEmpty ? '' : word;
}
