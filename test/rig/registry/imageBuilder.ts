import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { tarArchive, type FileEntry } from './tar';

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  inToto: 'application/vnd.in-toto+json',
} as const;

export const PredicateTypes = {
  spdx: 'https://spdx.dev/Document',
  slsaProvenance: 'https://slsa.dev/provenance/v0.2',
} as const;

const BUILDKIT_COMMENT = 'buildkit.dockerfile.v0';

export interface Blob {
  digest: string;
  size: number;
  bytes: Buffer;
  mediaType: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ContainerConfig {
  User?: string;
  ExposedPorts?: Record<string, object>;
  Env?: string[];
  Entrypoint?: string[];
  Cmd?: string[];
  Volumes?: Record<string, object>;
  WorkingDir?: string;
  Labels?: Record<string, string>;
}

export interface HistoryEntry {
  created: string;
  created_by: string;
  comment?: string;
  empty_layer?: boolean;
}

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  created: string;
  config: ContainerConfig;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history: HistoryEntry[];
}

/** One Dockerfile instruction as history records it; `files` makes it a layer, otherwise an empty layer. */
export interface BuildStep {
  createdBy: string;
  buildkit?: boolean;
  files?: FileEntry[];
  /** Defaults to the image's `created`. */
  created?: string;
}

export interface ImageSpec {
  format: 'oci' | 'docker';
  platform: Platform;
  created: string;
  config: ContainerConfig;
  steps: BuildStep[];
  /** Layers and history of this image come first, as `FROM` does. */
  parent?: BuiltImage;
}

export interface BuiltLayer extends Blob {
  diffId: string;
  createdBy: string;
}

export interface BuiltImage {
  platform: Platform;
  manifest: Blob;
  config: Blob;
  configJson: ImageConfig;
  layers: BuiltLayer[];
}

export interface BuiltAttestation {
  manifest: Blob;
  config: Blob;
  layers: Array<Blob & { predicateType: string }>;
  referenceDigest: string;
}

export interface BuiltIndex {
  manifest: Blob;
  images: BuiltImage[];
  attestations: BuiltAttestation[];
}

export function sha256Digest(bytes: Buffer): string {
  return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
}

export function blobOf(bytes: Buffer, mediaType: string): Blob {
  return { digest: sha256Digest(bytes), size: bytes.length, bytes, mediaType };
}

function jsonBlob(value: unknown, mediaType: string): Blob {
  return blobOf(Buffer.from(JSON.stringify(value)), mediaType);
}

function descriptor(blob: Blob): { mediaType: string; digest: string; size: number } {
  return { mediaType: blob.mediaType, digest: blob.digest, size: blob.size };
}

function platformJson(platform: Platform): Platform {
  return platform.variant
    ? { architecture: platform.architecture, os: platform.os, variant: platform.variant }
    : { architecture: platform.architecture, os: platform.os };
}

export function buildImage(spec: ImageSpec): BuiltImage {
  const layerMediaType = spec.format === 'oci' ? MediaTypes.ociLayer : MediaTypes.dockerLayer;
  const layers: BuiltLayer[] = (spec.parent?.layers ?? []).map((layer) => ({ ...layer, mediaType: layerMediaType }));
  const history: HistoryEntry[] = [...(spec.parent?.configJson.history ?? [])];
  for (const step of spec.steps) {
    const entry: HistoryEntry = { created: step.created ?? spec.created, created_by: step.createdBy };
    if (step.buildkit) entry.comment = BUILDKIT_COMMENT;
    if (step.files) {
      const tar = tarArchive(step.files);
      layers.push({ ...blobOf(gzipSync(tar), layerMediaType), diffId: sha256Digest(tar), createdBy: step.createdBy });
    } else {
      entry.empty_layer = true;
    }
    history.push(entry);
  }
  const configJson: ImageConfig = {
    architecture: spec.platform.architecture,
    os: spec.platform.os,
    ...(spec.platform.variant ? { variant: spec.platform.variant } : {}),
    created: spec.created,
    config: spec.config,
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history,
  };
  const config = jsonBlob(configJson, spec.format === 'oci' ? MediaTypes.ociConfig : MediaTypes.dockerConfig);
  const manifestMediaType = spec.format === 'oci' ? MediaTypes.ociManifest : MediaTypes.dockerManifest;
  const manifest = jsonBlob(
    { schemaVersion: 2, mediaType: manifestMediaType, config: descriptor(config), layers: layers.map(descriptor) },
    manifestMediaType,
  );
  return { platform: spec.platform, manifest, config, configJson, layers };
}

/** One SLSA v0.2 material, as BuildKit records a `FROM` image: a docker purl and the digest it resolved to. */
export interface ProvenanceMaterial {
  uri: string;
  digest: Record<string, string>;
}

/** A BuildKit attestation manifest (SPDX SBOM + SLSA provenance) for one image of an index. */
export function buildAttestation(
  image: BuiltImage,
  repository: string,
  tag: string,
  options: { materials?: ProvenanceMaterial[]; packages?: Array<{ name: string; version: string; license: string; purl: string }> } = {},
): BuiltAttestation {
  const { os, architecture, variant } = image.platform;
  const platformText = [os, architecture, variant].filter(Boolean).join('/');
  const subject = [
    {
      name: `pkg:docker/${repository}@${tag}?platform=${encodeURIComponent(platformText)}`,
      digest: { sha256: image.manifest.digest.slice('sha256:'.length) },
    },
  ];
  const sbom = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: PredicateTypes.spdx,
    subject,
    predicate: {
      spdxVersion: 'SPDX-2.3',
      dataLicense: 'CC0-1.0',
      SPDXID: 'SPDXRef-DOCUMENT',
      name: `sbom-${repository}-${architecture}`,
      packages: (options.packages ?? DEFAULT_SBOM_PACKAGES).map((item) => ({
        name: item.name,
        SPDXID: `SPDXRef-Package-${item.name}`,
        versionInfo: item.version,
        licenseConcluded: item.license,
        externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: item.purl }],
      })),
    },
  };
  const provenance = {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: PredicateTypes.slsaProvenance,
    subject,
    predicate: {
      builder: { id: '' },
      buildType: 'https://mobyproject.org/buildkit@v1',
      materials: options.materials ?? [{ uri: 'pkg:docker/library/base@1?platform=' + encodeURIComponent(platformText), digest: {} }],
      invocation: {
        configSource: { entryPoint: 'Dockerfile' },
        parameters: { frontend: 'dockerfile.v0', args: { 'build-arg:VERSION': tag }, locals: [{ name: 'context' }, { name: 'dockerfile' }] },
        environment: { platform: platformText },
      },
      metadata: { buildStartedOn: image.configJson.created, buildFinishedOn: image.configJson.created, reproducible: false },
    },
  };
  const layers = [
    { ...jsonBlob(sbom, MediaTypes.inToto), predicateType: PredicateTypes.spdx },
    { ...jsonBlob(provenance, MediaTypes.inToto), predicateType: PredicateTypes.slsaProvenance },
  ];
  const config = jsonBlob(
    {
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.digest) },
    },
    MediaTypes.ociConfig,
  );
  const manifest = jsonBlob(
    {
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: descriptor(config),
      layers: layers.map((layer) => ({
        ...descriptor(layer),
        annotations: { 'in-toto.io/predicate-type': layer.predicateType },
      })),
    },
    MediaTypes.ociManifest,
  );
  return { manifest, config, layers, referenceDigest: image.manifest.digest };
}

/** SPDX packages as BuildKit's syft scanner writes them: name, versionInfo, licenseConcluded and a purl. */
const DEFAULT_SBOM_PACKAGES = [
  { name: 'busybox', version: '1.36.1', license: 'GPL-2.0-only', purl: 'pkg:apk/alpine/busybox@1.36.1' },
  { name: 'musl', version: '1.2.4', license: 'MIT', purl: 'pkg:apk/alpine/musl@1.2.4' },
];

/** An OCI index (images first, then their attestations, as BuildKit orders them) or a Docker manifest list. */
export function buildIndex(format: 'oci' | 'docker', images: BuiltImage[], attestations: BuiltAttestation[] = []): BuiltIndex {
  const mediaType = format === 'oci' ? MediaTypes.ociIndex : MediaTypes.dockerManifestList;
  const manifests = [
    ...images.map((image) => ({ ...descriptor(image.manifest), platform: platformJson(image.platform) })),
    ...attestations.map((attestation) => ({
      ...descriptor(attestation.manifest),
      annotations: {
        'vnd.docker.reference.digest': attestation.referenceDigest,
        'vnd.docker.reference.type': 'attestation-manifest',
      },
      platform: { architecture: 'unknown', os: 'unknown' },
    })),
  ];
  return { manifest: jsonBlob({ schemaVersion: 2, mediaType, manifests }, mediaType), images, attestations };
}

/** Every blob (configs and layers) an image or index needs before its manifests can be pushed. */
export function blobsOf(built: BuiltImage | BuiltIndex): Blob[] {
  if ('images' in built) {
    return [
      ...built.images.flatMap((image) => blobsOf(image)),
      ...built.attestations.flatMap((attestation) => [attestation.config, ...attestation.layers]),
    ];
  }
  return [built.config, ...built.layers];
}

/** Manifests in the order the registry accepts them: children before the index that names them. */
export function manifestsOf(built: BuiltImage | BuiltIndex): Blob[] {
  if ('images' in built) {
    return [
      ...built.images.map((image) => image.manifest),
      ...built.attestations.map((attestation) => attestation.manifest),
      built.manifest,
    ];
  }
  return [built.manifest];
}

async function expectStatus(response: Response, expected: number[], what: string): Promise<void> {
  if (!expected.includes(response.status)) {
    throw new Error(`${what}: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  }
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
  });
  await Promise.all(workers);
}

/** Pushes blobs and manifests straight to the registry through its HTTP API, authorised per repository. */
export class RegistryPusher {
  constructor(
    private readonly registryUrl: string,
    /** The Authorization header for pushing to a repository: `Bearer <push token>`, or `Basic …` on htpasswd. */
    private readonly authorization: (repository: string) => string,
  ) {}

  private headers(repository: string, extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: this.authorization(repository), ...extra };
  }

  async pushBlob(repository: string, blob: Blob): Promise<void> {
    const blobUrl = `${this.registryUrl}/v2/${repository}/blobs/${blob.digest}`;
    const existing = await fetch(blobUrl, { method: 'HEAD', headers: this.headers(repository) });
    if (existing.status === 200) return;
    const started = await fetch(`${this.registryUrl}/v2/${repository}/blobs/uploads/`, {
      method: 'POST',
      headers: this.headers(repository),
    });
    await expectStatus(started, [202], `start upload of ${blob.digest} to ${repository}`);
    const location = new URL(started.headers.get('location') ?? '', this.registryUrl);
    location.searchParams.set('digest', blob.digest);
    const finished = await fetch(location, {
      method: 'PUT',
      headers: this.headers(repository, { 'content-type': 'application/octet-stream' }),
      body: new Uint8Array(blob.bytes),
    });
    await expectStatus(finished, [201], `upload of ${blob.digest} to ${repository}`);
  }

  async pushManifest(repository: string, reference: string, manifest: Blob): Promise<void> {
    const response = await fetch(`${this.registryUrl}/v2/${repository}/manifests/${reference}`, {
      method: 'PUT',
      headers: this.headers(repository, { 'content-type': manifest.mediaType }),
      body: new Uint8Array(manifest.bytes),
    });
    await expectStatus(response, [201], `manifest ${reference} of ${repository}`);
    const digest = response.headers.get('docker-content-digest');
    if (digest !== manifest.digest) throw new Error(`registry stored ${digest}, expected ${manifest.digest}`);
  }

  /** Pushes an image or index and points each tag at it. */
  async push(repository: string, built: BuiltImage | BuiltIndex, tags: string[]): Promise<void> {
    const blobs = new Map(blobsOf(built).map((blob) => [blob.digest, blob]));
    await inParallel([...blobs.values()], 8, (blob) => this.pushBlob(repository, blob));
    const manifests = manifestsOf(built);
    const top = manifests[manifests.length - 1];
    await inParallel(manifests.slice(0, -1), 8, (manifest) => this.pushManifest(repository, manifest.digest, manifest));
    await this.pushManifest(repository, top.digest, top);
    await inParallel(tags, 16, (tag) => this.pushManifest(repository, tag, top));
  }
}
