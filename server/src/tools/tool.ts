import { z } from 'zod';
import { invalidInput } from '../errors';
import type { Services } from '../services';
import { inline } from '../untrusted';

export interface ToolAnnotations {
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** Tells the client how far a long call has come (MCP progress notifications); absent when it did not ask. */
export type ProgressReporter = (progress: number, total?: number, message?: string) => void;

/** What a tool may ask of the client during a call. */
export interface ToolContext {
  /**
   * Asks the user, through the client (MCP elicitation), to confirm `question`; true only for an explicit yes.
   * Absent when the client cannot ask.
   */
  confirm?(question: string, signal: AbortSignal): Promise<boolean>;
}

/** One tool: its name, a description written for the model, its schemas, its handler and its text summary. */
export interface ToolDefinition<I extends z.ZodRawShape = z.ZodRawShape, O extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** Facts only; the same object becomes structuredContent and, through `summarize`, the text. */
  handler(
    args: z.output<z.ZodObject<I>>,
    services: Services,
    signal: AbortSignal,
    progress?: ProgressReporter,
    context?: ToolContext,
  ): Promise<z.input<z.ZodObject<O>>>;
  summarize(result: z.output<z.ZodObject<O>>, args: z.output<z.ZodObject<I>>): string;
  /** An example call for docs/API.md. */
  example: z.input<z.ZodObject<I>>;
  /**
   * The call downloads layers (DOCKERHUB_MCP_MAX_LAYER_BYTES bounds it): DOCKERHUB_MCP_TIMEOUT_MS then bounds each
   * request and each pause of a download, not the whole call.
   */
  readsLayers?: boolean | ((args: z.output<z.ZodObject<I>>) => boolean);
}

export function defineTool<I extends z.ZodRawShape, O extends z.ZodRawShape>(tool: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return tool;
}

export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, openWorldHint: true };

const inputSchemas = new WeakMap<object, z.ZodObject>();
const outputSchemas = new WeakMap<object, z.ZodObject>();

/** A tool's argument object schema, built once per tool rather than on every call. */
export function inputSchemaOf(tool: ToolDefinition<any, any>): z.ZodObject {
  let schema = inputSchemas.get(tool);
  if (!schema) inputSchemas.set(tool, (schema = z.strictObject(tool.input)));
  return schema;
}

/** A tool's result object schema, built once per tool. */
export function outputSchemaOf(tool: ToolDefinition<any, any>): z.ZodObject {
  let schema = outputSchemas.get(tool);
  if (!schema) outputSchemas.set(tool, (schema = z.object(tool.output)));
  return schema;
}

/** Validates arguments; the first problem becomes INVALID_INPUT naming the argument and the rule. */
export function parseArguments<I extends z.ZodRawShape>(tool: ToolDefinition<I, z.ZodRawShape>, args: unknown) {
  if (args && typeof args === 'object' && !Array.isArray(args)) {
    // Own keys, checked before zod: zod's strict check does not see an own `__proto__` key, which JSON.parse makes.
    const unknown = Object.keys(args).filter((name) => !Object.hasOwn(tool.input, name));
    if (unknown.length > 0) throw invalidInput(unknown.map(shownName).join(', '), 'is not an argument of this tool');
  }
  const parsed = inputSchemaOf(tool).safeParse(args ?? {});
  if (parsed.success) return parsed.data as z.output<z.ZodObject<I>>;
  const issue = parsed.error.issues[0];
  const argument = issue.path.length > 0 ? issue.path.map(String).join('.') : '(arguments)';
  throw invalidInput(shownName(argument), inline(ruleOf(issue, valueAt(args, issue.path))));
}

/** What the caller sent at an issue's path; zod does not report the input of a value inside a default. */
function valueAt(args: unknown, path: PropertyKey[]): unknown {
  let value = args;
  for (const key of path) {
    if (!value || typeof value !== 'object' || !Object.hasOwn(value, key)) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** `the string "5"`, `null`, `an array`: what a wrong value was, so the rule is said truthfully. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 20 ? `${value.slice(0, 19)}…` : value)}`;
  if (typeof value === 'object') return 'an object';
  return `${article(typeof value)} (${String(value)})`;
}

/** An argument name as the caller sent it, escaped and cut to a length that fits in a sentence. */
function shownName(name: string): string {
  const shown = inline(name).replace(/"/g, '\\"');
  return shown.length > 64 ? `${shown.slice(0, 63)}…` : shown;
}

function ruleOf(issue: z.core.$ZodIssue, given: unknown): string {
  switch (issue.code) {
    case 'invalid_type':
      if (given === undefined) return `is required (${issue.expected})`;
      if (issue.expected === 'number' && typeof given === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(given)) {
        return `must be a JSON number, not the string ${JSON.stringify(given)}: send ${given.trim()} without quotes`;
      }
      return `must be ${article(issue.expected)}, not ${kindOf(given)}`;
    case 'too_small':
      return issue.origin === 'string'
        ? `must be at least ${issue.minimum} characters long`
        : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${issue.maximum} characters long` : `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return /^(is|must)\b/i.test(issue.message.replace(/^Invalid input:?\s*/i, 'is invalid: '))
        ? issue.message
        : `is invalid: ${issue.message}`;
  }
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
