import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { GetPromptResult } from '@modelcontextprotocol/sdk/types.js';
import { completable } from '@modelcontextprotocol/sdk/server/completable.js';
import { z } from 'zod';
import { completeRepository, completeRuntime } from './completions';
import type { Services } from './services';

/**
 * Prompts are recipes: each tells the model which of our tools to call, in what order, and what to report, so a
 * person gets a grounded answer from one click. Every tool named here exists (a test checks against TOOLS).
 */
export interface PromptDefinition<A extends z.ZodRawShape = z.ZodRawShape> {
  name: string;
  title: string;
  description: string;
  /** Prompt arguments are strings (MCP); the shape documents and checks them. */
  args: A;
  text(args: z.output<z.ZodObject<A>>): string;
}

function definePrompt<A extends z.ZodRawShape>(prompt: PromptDefinition<A>): PromptDefinition<A> {
  return prompt;
}

export const PROMPTS: PromptDefinition<any>[] = [
  definePrompt({
    name: 'choose-base-image',
    title: 'Choose a base image',
    description:
      'Compare candidate base images for a language or runtime on size, platforms, vulnerabilities and freshness, ' +
      'and recommend one pinned by digest.',
    args: {
      language: z.string().min(1).max(100).describe('Language or runtime, e.g. "node 22", "python 3.12", "go", "java 21"'),
      constraints: z
        .string()
        .max(500)
        .optional()
        .describe('What matters, e.g. "smallest", "arm64 too", "glibc", "no critical CVEs", "non-root user"'),
    },
    text: ({ language, constraints }) => chooseBaseImageText(language, constraints),
  }),
  definePrompt({
    name: 'explain-image-size',
    title: 'Explain an image size',
    description:
      'Break an image down by layer and instruction, separate what the base image brings from what the build adds, ' +
      'and suggest concrete savings.',
    args: {
      image: z.string().min(1).max(512).describe('Image reference, e.g. nginx:1.27, bitnami/redis:7.2, ghcr.io/owner/app:tag'),
    },
    text: ({ image }) => explainImageSizeText(image),
  }),
];

/** Arguments clients can complete as the user types: images from a Hub search, runtimes from a short list. */
function withCompletion<A extends z.ZodRawShape>(args: A, services: Services): A {
  const completed: Record<string, z.core.$ZodType> = { ...args };
  if (args.image) completed.image = completable((args.image as z.ZodString).clone(), (typed) => completeRepository(services, typed ?? ''));
  if (args.language) completed.language = completable((args.language as z.ZodString).clone(), (typed) => completeRuntime(typed ?? ''));
  return completed as unknown as A;
}

export function registerPrompts(server: McpServer, services: Services): void {
  for (const prompt of PROMPTS) {
    server.registerPrompt(
      prompt.name,
      { title: prompt.title, description: prompt.description, argsSchema: withCompletion(prompt.args, services) },
      (args: Record<string, string | undefined>): GetPromptResult => ({
        messages: [{ role: 'user', content: { type: 'text', text: prompt.text(args) } }],
      }),
    );
  }
}

export function chooseBaseImageText(language: string, constraints?: string): string {
  const wants = constraints?.trim() ? `My constraints: ${constraints.trim()}.` : 'I have no constraints beyond a small, well-maintained image.';
  return [
    `Help me choose a base image for ${language.trim()}. ${wants}`,
    '',
    'Use the Docker Hub tools in this order (about two calls per candidate):',
    `1. docker_search_images with a query for the runtime ("${language.trim()}") and official_only: true; only if that ` +
      'finds fewer than two, again with verified_only: true. Pick 2–4 candidate repositories (official images, verified ' +
      'publishers, slim or distroless variants).',
    '2. docker_list_tags once per candidate with `platform` set to the platform I need (linux/amd64 unless I said ' +
      'otherwise), `sort: "size"` and a `name` filter for the version (e.g. "3.12", "slim"): each tag comes with that ' +
      "platform's compressed size, its platforms, its push date and `digest`, the digest to pin. If I named a version " +
      'I already use, `newer_than` with that tag lists the newer releases of its line.',
    '3. docker_get_vulnerabilities for each finalist tag on that platform: counts by severity and CVEs that have a fixed ' +
      'version. If it answers UNAUTHORIZED, say that Docker Scout needs a Docker Hub login and compare without it.',
    '4. docker_inspect_image for the front runner: default user (root or not), entrypoint, environment.',
    '',
    'Then answer with: a table of the finalists (image:tag, compressed size, platforms, critical/high CVEs, last ' +
      'pushed), the one you recommend and why, and a ready-to-paste `FROM image:tag@sha256:…` line pinned to the ' +
      "tag's `digest` (the `pin_digest` of the other tools): for a multi-platform tag that is the index, which keeps " +
      'every platform; never pin `platform_digest` or a platform manifest\'s `digest`, which would make the base ' +
      'single-platform. Say what you could not check.',
  ].join('\n');
}

export function explainImageSizeText(image: string): string {
  const ref = image.trim();
  return [
    `Explain why the image ${ref} is the size it is, and how it could be smaller.`,
    '',
    'Use the Docker Hub tools in this order (two calls):',
    `1. docker_analyze_layers for ${ref}: the platform it read (and the others there are), each layer's compressed ` +
      'size bottom first with the instruction that made it, the totals and the largest layers.',
    `2. docker_track_base_updates for ${ref}: the base image it was built FROM (labels, provenance or a candidate) and ` +
      "how many of its bottom layers are the base's: the base brings the bytes of those bottom layers in step 1, the " +
      'build adds the rest. If no base is found, name the likely one from the first instructions and say it is a guess.',
    '',
    'Then answer with: total compressed size; how much comes from the base image and how much from the build; the ' +
      'three largest layers with their instruction; and concrete changes (a slimmer base, multi-stage builds, ' +
      'cleaning package caches in the same RUN, .dockerignore, fewer copied files) with the bytes each would likely ' +
      'save. Quote sizes from the tool results rather than estimating them.',
  ].join('\n');
}
