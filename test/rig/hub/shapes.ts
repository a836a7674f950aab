// JSON "shapes" (keys and JSON types, recursively) taken from recorded replies and from schemas, so a reply can be
// checked against what Docker Hub is known to send: no key the references lack, no type they do not allow, and every
// key that all recorded samples (or a schema's `required`) have.

export type JsonKind = 'string' | 'number' | 'integer' | 'boolean' | 'null' | 'object' | 'array';

export interface Shape {
  kinds: Set<JsonKind>;
  properties: Map<string, Shape>;
  // An object whose keys the reference does not enumerate (e.g. Hub's `errinfo`).
  open: boolean;
  items?: Shape;
  // Keys every reference instance has; undefined when no reference says.
  always?: Set<string>;
}

function emptyShape(): Shape {
  return { kinds: new Set(), properties: new Map(), open: false };
}

function kindOf(value: unknown): JsonKind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value as JsonKind;
}

export function union(...shapes: Shape[]): Shape {
  const result = emptyShape();
  for (const shape of shapes) {
    shape.kinds.forEach((k) => result.kinds.add(k));
    for (const [key, sub] of shape.properties) {
      const existing = result.properties.get(key);
      result.properties.set(key, existing ? union(existing, sub) : sub);
    }
    result.open ||= shape.open;
    if (shape.items) result.items = result.items ? union(result.items, shape.items) : shape.items;
    if (shape.always) {
      result.always = result.always
        ? new Set([...result.always].filter((k) => shape.always!.has(k)))
        : new Set(shape.always);
    }
  }
  return result;
}

export function fromSample(value: unknown): Shape {
  const shape = emptyShape();
  shape.kinds.add(kindOf(value));
  if (Array.isArray(value)) {
    if (value.length > 0) shape.items = union(...value.map(fromSample));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, sub] of Object.entries(value)) {
      if (key.startsWith('_')) continue;
      shape.properties.set(key, fromSample(sub));
    }
    shape.always = new Set(shape.properties.keys());
    // A recorded empty object tells nothing about its keys.
    shape.open = Object.keys(value).length === 0;
  }
  return shape;
}

type Schema = Record<string, unknown>;

function resolveRef(ref: string, document: Schema): Schema {
  let node: unknown = document;
  for (const part of ref.replace(/^#\//, '').split('/')) node = (node as Schema)[part];
  if (!node) throw new Error(`unresolved $ref ${ref}`);
  return node as Schema;
}

// OpenAPI 3.0 and JSON Schema (draft-07, as in Docker's Hub MCP server tool list) to a shape.
export function fromSchema(schema: Schema, document: Schema = schema): Shape {
  if (typeof schema.$ref === 'string') return fromSchema(resolveRef(schema.$ref, document), document);
  const parts: Shape[] = [];
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = schema[key] as Schema[] | undefined;
    if (list) parts.push(...list.map((s) => fromSchema(s, document)));
  }
  const own = emptyShape();
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  for (const t of types as string[]) own.kinds.add(t as JsonKind);
  if (schema.nullable === true) own.kinds.add('null');
  if (schema.properties) {
    own.kinds.add('object');
    for (const [key, sub] of Object.entries(schema.properties as Record<string, Schema>)) {
      own.properties.set(key, fromSchema(sub, document));
    }
  }
  if (Array.isArray(schema.required)) own.always = new Set(schema.required as string[]);
  if (own.kinds.has('object') && !schema.properties && !parts.length) own.open = true;
  if (schema.items && own.kinds.has('array')) own.items = fromSchema(schema.items as Schema, document);
  // allOf merges object parts, which `union` does as well for keys and types.
  return parts.length ? union(own, ...parts) : own;
}

// Problems with `value` against `shape`, each naming the JSON path.
export function shapeProblems(value: unknown, shape: Shape, path = '$'): string[] {
  if (shape.kinds.size === 0) return [];
  const kind = kindOf(value);
  const allowed = shape.kinds.has(kind) || (kind === 'integer' && shape.kinds.has('number'));
  if (!allowed) return [`${path}: ${kind} where the reference has ${[...shape.kinds].join('|')}`];
  const problems: string[] = [];
  if (kind === 'object') {
    const record = value as Record<string, unknown>;
    for (const [key, sub] of Object.entries(record)) {
      const subShape = shape.properties.get(key);
      if (subShape) problems.push(...shapeProblems(sub, subShape, `${path}.${key}`));
      else if (!shape.open) problems.push(`${path}.${key}: key not in the reference`);
    }
    for (const key of shape.always ?? []) {
      if (!(key in record)) problems.push(`${path}.${key}: missing, though every reference has it`);
    }
  } else if (kind === 'array' && shape.items) {
    (value as unknown[]).forEach((item, i) => problems.push(...shapeProblems(item, shape.items!, `${path}[${i}]`)));
  }
  return problems;
}
