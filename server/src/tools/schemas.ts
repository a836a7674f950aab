import { z } from 'zod';
import { normalisePlatform } from '../registry/platform';
import { referenceProblem } from '../registry/reference';

/** Argument schemas shared by tools, so every tool names and checks `image`, `platform`, `limit`… the same way. */
export const imageArg = (what = 'Image reference') =>
  z
    .string()
    .min(1)
    .max(512)
    .superRefine((value, ctx) => {
      const problem = referenceProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    })
    .describe(`${what} in Docker's grammar: nginx, nginx:1.27, bitnami/redis:7.2, nginx@sha256:…, ghcr.io/owner/app:tag`);

export const platformArg = z
  .string()
  .max(64)
  .superRefine((value, ctx) => {
    if (normalisePlatform(value) === undefined) ctx.addIssue({ code: 'custom', message: PLATFORM_RULE });
  })
  .transform((value) => normalisePlatform(value)!)
  .optional()
  .describe('Platform as docker --platform takes it: linux/arm64, arm64, aarch64, linux/arm/v7, amd64, x86_64 (any case); default linux/amd64 when present, else the first platform');

const PLATFORM_RULE =
  'is not a platform Docker understands: write os/arch[/variant] or an architecture, as docker --platform takes it, e.g. linux/amd64, linux/arm64, arm64, linux/arm/v7';

/** Shared output fields: one meaning per word in every tool (issue 14). */
export const pinDigestOutput = z
  .string()
  .describe('The digest to pin (FROM image@…): the index of a multi-platform tag, else the image manifest itself');
export const readDigestOutput = z
  .string()
  .describe("Digest of the platform's image manifest that was read; for a multi-platform tag NOT the one to pin (see pin_digest)");

export const limitArg = (max: number, fallback: number) =>
  z.number().int().min(1).max(max).default(fallback).describe(`How many results to return (1–${max}, default ${fallback})`);

export const pageArg = z.number().int().min(1).max(10000).default(1).describe('Page number, from 1');

export const namespaceArg = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{1,254}$/, 'must be a Docker Hub namespace: lowercase letters, digits, "-" and "_"')
  .describe('Docker Hub namespace (user or organisation), e.g. library, bitnami');

/** A Docker Hub repository name within its namespace, as Hub accepts it; also keeps `..` and `/` out of Hub paths. */
export const repositoryNameArg = z
  .string()
  .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, 'must be lowercase letters and digits, optionally separated by ".", "_" or "-"')
  .min(2)
  .max(255);
