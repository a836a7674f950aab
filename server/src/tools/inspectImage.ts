import { z } from 'zod';
import { digestsPhrase, imageIdentity } from '../analysis/imageIdentity';
import { compressedSize } from '../analysis/layers';
import { formatBytes } from '../format';
import { describePlatformChoice } from '../registry/platform';
import { parseReference } from '../registry/reference';
import { compressedSizeOutput, configSizeOutput, imageArg, layersPhrase, platformArg, pinDigestOutput, readDigestOutput, resolvedAtField } from './schemas';
import { defineTool, READ_ONLY } from './tool';

export const inspectImage = defineTool({
  name: 'docker_inspect_image',
  title: 'Inspect image config',
  description:
    'Image config without pulling (docker image inspect): env, entrypoint, cmd, ports, volumes, labels, user, workdir, created, size.',
  input: { image: imageArg(), platform: platformArg },
  output: {
    image: z.string().describe('The reference as people write it'),
    digest: readDigestOutput,
    pin_digest: pinDigestOutput,
    index_digest: z.string().optional().describe('Digest of the index the platform was chosen from'),
    platform: z.string().describe('os/arch[/variant] of the image inspected'),
    resolved_at: resolvedAtField,
    platform_choice: z.enum(['requested', 'default', 'first', 'only']),
    available_platforms: z.array(z.string()),
    created: z.string().optional(),
    author: z.string().optional(),
    config: z
      .object({
        User: z.string().optional(),
        Env: z.array(z.string()).optional(),
        Entrypoint: z.array(z.string()).nullable().optional(),
        Cmd: z.array(z.string()).nullable().optional(),
        WorkingDir: z.string().optional(),
        ExposedPorts: z.array(z.string()).optional().describe('Keys of the config\'s ExposedPorts, e.g. 80/tcp'),
        Volumes: z.array(z.string()).optional().describe('Keys of the config\'s Volumes'),
        Labels: z.record(z.string(), z.string()).optional(),
        StopSignal: z.string().optional(),
        Healthcheck: z
          .object({
            Test: z.array(z.string()).optional(),
            Interval: z.number().optional(),
            Timeout: z.number().optional(),
            Retries: z.number().optional(),
          })
          .optional(),
      })
      .describe('The container config, Docker\'s field names; empty fields left out'),
    layer_count: z.number(),
    compressed_size: compressedSizeOutput,
    config_size: configSizeOutput,
  },
  annotations: READ_ONLY,
  async handler(args, services, signal) {
    const image = await services.registry.getImage(parseReference(args.image), args.platform, signal);
    const source = image.config.config ?? {};
    const config: Record<string, unknown> = {};
    if (source.User) config.User = source.User;
    if (source.Env?.length) config.Env = source.Env;
    if (source.Entrypoint !== undefined && source.Entrypoint !== null) config.Entrypoint = source.Entrypoint;
    if (source.Cmd !== undefined && source.Cmd !== null) config.Cmd = source.Cmd;
    if (source.WorkingDir) config.WorkingDir = source.WorkingDir;
    if (source.ExposedPorts && Object.keys(source.ExposedPorts).length > 0) config.ExposedPorts = Object.keys(source.ExposedPorts);
    if (source.Volumes && Object.keys(source.Volumes).length > 0) config.Volumes = Object.keys(source.Volumes);
    if (source.Labels && Object.keys(source.Labels).length > 0) config.Labels = source.Labels;
    if (source.StopSignal) config.StopSignal = source.StopSignal;
    if (source.Healthcheck) config.Healthcheck = source.Healthcheck;
    return {
      ...imageIdentity(image),
      ...(image.indexDigest ? { index_digest: image.indexDigest } : {}),
      platform_choice: image.platformChoice,
      available_platforms: image.availablePlatforms,
      ...(image.config.created ? { created: image.config.created } : {}),
      ...(image.config.author ? { author: image.config.author } : {}),
      config,
      layer_count: image.manifest.layers.length,
      compressed_size: compressedSize(image.manifest.layers),
      config_size: image.manifest.config.size,
    };
  },
  summarize(result) {
    const c = result.config;
    const list = (values: string[] | null | undefined) => (values && values.length > 0 ? values.join(', ') : 'none');
    const json = (values: string[] | null | undefined) => (values ? JSON.stringify(values) : 'none');
    const lines = [
      `${result.image} ${digestsPhrase(result)}, platform ${describePlatformChoice(result.platform, result.platform_choice, result.available_platforms)}.`,
      `Created ${result.created ?? 'unknown'}; ${layersPhrase(result.layer_count, result.compressed_size)}, config ${formatBytes(result.config_size)}.`,
      `Entrypoint ${json(c.Entrypoint)}, Cmd ${json(c.Cmd)}, User ${c.User || 'root (default)'}, WorkingDir ${c.WorkingDir || '/'}.`,
      `Ports: ${list(c.ExposedPorts)}. Volumes: ${list(c.Volumes)}.`,
      `Env: ${list(c.Env?.map((entry) => cut(entry, 80)))}.`,
    ];
    const labels = Object.entries(c.Labels ?? {});
    if (labels.length > 0) lines.push(`Labels: ${labels.map(([key, value]) => `${key}=${cut(value, 80)}`).join(', ')}.`);
    if (c.Healthcheck?.Test) lines.push(`Healthcheck: ${JSON.stringify(c.Healthcheck.Test)}.`);
    return lines.join('\n');
  },
  example: { image: 'app:1' },
});

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
