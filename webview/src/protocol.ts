// The messages between the explorer webview and the extension: the one source of their types. The extension
// validates every message from the webview with these schemas (a webview is untrusted input); the webview imports
// types only, so zod stays out of its bundle.
import { z } from 'zod';
import { ERROR_CODES, type ToolName } from '../../server/src/contract';
import type { Route } from './state';

/** The tools the explorer may call: the same ones Copilot calls, read-only except the cache clear. */
export const EXPLORER_TOOLS = [
  'docker_search_images',
  'docker_get_image_details',
  'docker_list_tags',
  'docker_get_tag_details',
  'docker_get_manifest',
  'docker_analyze_layers',
  'docker_list_image_files',
  'docker_analyze_efficiency',
  'docker_inspect_image',
  'docker_get_dockerfile',
  'docker_get_vulnerabilities',
  'docker_get_attestations',
  'docker_compare_images',
  'docker_cache_info',
  'docker_cache_clear',
  'docker_check_rate_limit',
  'docker_list_namespaces',
  'docker_list_repositories',
] as const satisfies readonly ToolName[];
export type ExplorerTool = (typeof EXPLORER_TOOLS)[number];

/**
 * The contract's error codes, plus PROTOCOL for a message the extension could not understand and CANCELLED for a
 * call the page (or the editor) gave up on.
 */
export const REPLY_ERROR_CODES = [...ERROR_CODES, 'PROTOCOL', 'CANCELLED'] as const;
export type ReplyErrorCode = (typeof REPLY_ERROR_CODES)[number];

const requestId = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

// Tool arguments are flat JSON scalars; the server checks each argument against the tool's own schema.
const toolArguments = z
  .record(z.string().regex(/^[a-z_]{1,40}$/, 'argument names are lowercase words joined by "_"'), z.union([z.string().max(2048), z.number().finite(), z.boolean()]))
  .refine((args) => Object.keys(args).length <= 12, 'at most 12 arguments');

const linkUrl = z
  .string()
  .max(4096)
  .refine((value) => /^https?:\/\//i.test(value) && URL.canParse(value), 'only http and https links open');

/** Editor commands the page may ask for: the fix a message offers, as a button. */
export const EXPLORER_COMMANDS = ['setToken', 'showLog', 'addRegistryCredentials', 'removeRegistryCredentials'] as const;
export type ExplorerCommand = (typeof EXPLORER_COMMANDS)[number];

/** A registry host as image references write it (`ghcr.io`, `registry.example.com:5000`): the one argument a command takes. */
const registryHost = z
  .string()
  .max(255)
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/, 'must be a registry host such as ghcr.io or registry.example.com:5000');

export const webviewRequestSchema = z.discriminatedUnion('type', [
  // `progress`: the page shows how far the call has come, so the extension passes the server's progress on.
  z.strictObject({ type: z.literal('callTool'), id: requestId, tool: z.enum(EXPLORER_TOOLS), args: toolArguments, progress: z.boolean().optional() }),
  // The page no longer needs the answer of call `request` (the person left the tab): the server stops working on it.
  z.strictObject({ type: z.literal('cancel'), id: requestId, request: requestId }),
  z.strictObject({ type: z.literal('copy'), id: requestId, text: z.string().min(1).max(4096), label: z.string().max(80) }),
  z.strictObject({ type: z.literal('openDockerfile'), id: requestId, content: z.string().max(1_000_000) }),
  z.strictObject({ type: z.literal('openLink'), id: requestId, url: linkUrl }),
  z.strictObject({ type: z.literal('runCommand'), id: requestId, command: z.enum(EXPLORER_COMMANDS), registry: registryHost.optional() }),
  // Sent on every route change, so the view's title bar can enable Back.
  z.strictObject({ type: z.literal('viewChanged'), id: requestId, canGoBack: z.boolean() }),
]);
export type WebviewRequest = z.infer<typeof webviewRequestSchema>;
export type WebviewRequestType = WebviewRequest['type'];

export type ToolArguments = Record<string, string | number | boolean>;

/** What a successful tool call gives the webview: the tool's structuredContent and its text summary. */
export interface ToolValue<T = unknown> {
  structured: T;
  text: string;
}

export interface ReplyError {
  code: ReplyErrorCode;
  /** A sentence a person can act on (for RATE_LIMITED it says when to retry). */
  message: string;
}

/** How far a call that asked for progress has come: `progress` of `total` (bytes for the layer tools). */
export interface ProgressEvent {
  type: 'progress';
  /** The id of the callTool request this is about. */
  request: number;
  progress: number;
  total?: number;
  message?: string;
}

/**
 * What the extension tells the page unasked: its title-bar buttons, a search to show, a changed login or setting,
 * and the progress of a call still running.
 */
export type HostEvent = { type: 'navigate'; route: Route } | { type: 'back' } | { type: 'refresh' } | ProgressEvent;

export type HostReply =
  | { type: 'reply'; id: number | null; ok: true; value: ToolValue | null }
  | { type: 'reply'; id: number | null; ok: false; error: ReplyError };

/** Splits a tool's error text (`CODE: sentence`) into code and sentence. */
export function parseToolError(text: string): ReplyError {
  const match = /^([A-Z_]+):\s*([\s\S]*)$/.exec(text.trim());
  if (match && (REPLY_ERROR_CODES as readonly string[]).includes(match[1])) {
    return { code: match[1] as ReplyErrorCode, message: match[2] };
  }
  return { code: 'UPSTREAM_ERROR', message: text.trim() || 'the server returned an error without a message.' };
}

/** Checks a message from the webview; a rejected one gets a sentence naming what is wrong with it. */
export function parseWebviewRequest(
  raw: unknown,
): { ok: true; request: WebviewRequest } | { ok: false; id: number | null; message: string } {
  const parsed = webviewRequestSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { ok: true, request: parsed.data };
  return { ok: false, id: requestIdOf(raw), message: describeInvalidRequest(parsed.error) };
}

function describeInvalidRequest(error: z.ZodError): string {
  const issue = error.issues[0];
  const field = `field "${issue.path.join('.')}"`;
  switch (issue.code) {
    case 'invalid_type':
      return issue.path.length === 0
        ? `a message must be a JSON object with a "type" field, not ${describeValue(issue.input)}.`
        : `${field} must be ${EXPECTED_NAMES[issue.expected] ?? `a ${issue.expected}`}${issue.input === undefined ? ' and is missing' : ''}.`;
    case 'invalid_union':
      return issue.path.join('.') === 'type'
        ? `unknown message type; the explorer sends only ${MESSAGE_TYPES.join(', ')}.`
        : `${field} must be a string, a number or a boolean.`;
    case 'invalid_value':
      return issue.path.join('.') === 'tool'
        ? `${describeValue(issue.input)} is not a tool the explorer calls; it calls ${EXPLORER_TOOLS.join(', ')}.`
        : `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}.`;
    case 'unrecognized_keys':
      return `the message has ${issue.keys.length === 1 ? 'a field' : 'fields'} the explorer does not send: ${issue.keys.map((k) => `"${k}"`).join(', ')}.`;
    default:
      return `${issue.path.length > 0 ? field : 'the message'} is invalid: ${issue.message.replace(/^Invalid input:?\s*/i, '').toLowerCase()}.`;
  }
}

const EXPECTED_NAMES: Record<string, string> = { number: 'a number', record: 'an object', object: 'an object', array: 'a list' };

const MESSAGE_TYPES = ['callTool', 'copy', 'openDockerfile', 'openLink', 'runCommand', 'viewChanged', 'cancel'];

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

// A rejected message is answered with its own id when it has a usable one, so the sender can match the reply.
function requestIdOf(raw: unknown): number | null {
  const id = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>).id : undefined;
  return requestId.safeParse(id).success ? (id as number) : null;
}
