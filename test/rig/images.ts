import { createHash } from 'node:crypto';
import {
  buildAttestation,
  buildImage,
  buildIndex,
  type BuildStep,
  type BuiltImage,
  type BuiltIndex,
  type ImageConfig,
  type Platform,
} from './registry/imageBuilder';
import { pseudoRandomBytes, tarArchive, type FileEntry } from './registry/tar';

export type { ImageConfig, HistoryEntry, ContainerConfig } from './registry/imageBuilder';

/** A Docker Hub account known to the token server and the Hub emulator. */
export interface RigUser {
  username: string;
  /** The personal access token; the token server accepts it as the Basic password. */
  password: string;
  /** Personal namespace first, then organisations; the user may pull, push and delete in each. */
  namespaces: string[];
}

export interface CatalogueLayer {
  digest: string;
  size: number;
  mediaType: string;
  diffId: string;
  /** The history `created_by` of the instruction that made this layer. */
  createdBy: string;
}

export interface CataloguePlatformImage {
  os: string;
  architecture: string;
  variant?: string;
  /** Digest, media type and byte size of this platform's image manifest. */
  digest: string;
  mediaType: string;
  manifestSize: number;
  configDigest: string;
  configMediaType: string;
  configSize: number;
  /** Config size plus the compressed sizes of all layers: the bytes a pull downloads, as Hub's `size` counts them. */
  size: number;
  /** The tools' `compressed_size`: the layers' bytes, each distinct layer once, the config not included. */
  compressedSize: number;
  created: string;
  layers: CatalogueLayer[];
  /** The image config exactly as pushed. */
  config: ImageConfig;
}

export interface CatalogueAttestation {
  /** The attestation manifest (platform unknown/unknown in the index). */
  digest: string;
  mediaType: string;
  manifestSize: number;
  /** Config size plus layer sizes, as for a platform image. */
  size: number;
  /** `vnd.docker.reference.digest`: the platform image it describes. */
  referenceDigest: string;
  layers: Array<{ digest: string; size: number; mediaType: string; predicateType: string }>;
}

export interface CatalogueTag {
  /** Media type, digest and byte size of the manifest the tag points at (image, OCI index or manifest list). */
  mediaType: string;
  digest: string;
  manifestSize: number;
  /** Single-image tags only. */
  configDigest?: string;
  /** One entry for a single image; the index order otherwise, attestations excluded. */
  platforms: CataloguePlatformImage[];
  attestations: CatalogueAttestation[];
}

/** Repository path as the registry sees it (`library/demo`) → tag → what the tag points at. */
export type Catalogue = Record<string, Record<string, CatalogueTag>>;

/** Anonymous pulls of these are denied; their owners may pull. */
export const PRIVATE_REPOSITORIES = ['alice/private-app'];
/** Referenced as `ghcr.io/<repository>` (the same registry, through DOCKERHUB_MCP_REGISTRY_ENDPOINTS); not on Hub. */
export const GHCR_REPOSITORIES = ['owner/app'];

export interface CataloguePush {
  repository: string;
  built: BuiltImage | BuiltIndex;
  tags: string[];
}

export const ALICE_DEFAULT_PAT = 'dckr_pat_rigAliceFakeToken000000000000';
export const BOB_DEFAULT_PAT = 'dckr_pat_rigBobFakeToken0000000000000000';

export function rigUsers(alicePat: string = ALICE_DEFAULT_PAT): RigUser[] {
  return [
    { username: 'alice', password: alicePat, namespaces: ['alice', 'acme'] },
    { username: 'bob', password: BOB_DEFAULT_PAT, namespaces: ['bob'] },
  ];
}

const BASE_CREATED = '2024-04-01T00:00:00Z';
const APP_CREATED = '2024-05-01T12:00:00Z';
const AMD64: Platform = { os: 'linux', architecture: 'amd64' };
const ARM64: Platform = { os: 'linux', architecture: 'arm64', variant: 'v8' };
const ARMV7: Platform = { os: 'linux', architecture: 'arm', variant: 'v7' };
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

function platformName(platform: Platform): string {
  return [platform.architecture, platform.variant].filter(Boolean).join('-');
}

function contentHash(files: FileEntry[]): string {
  return createHash('sha256').update(tarArchive(files)).digest('hex');
}

/** The classic builder's `ADD file:<sha256 of the content> in / ` step that starts every base image. */
function addRootfs(files: FileEntry[]): BuildStep {
  return { createdBy: `/bin/sh -c #(nop) ADD file:${contentHash(files)} in / `, files, created: BASE_CREATED };
}

function classicCopy(files: FileEntry[], destination: string): BuildStep {
  return { createdBy: `/bin/sh -c #(nop) COPY file:${contentHash(files)} in ${destination} `, files };
}

function rootfs(name: string, platform: Platform, version: string, binarySize: number): FileEntry[] {
  return [
    { path: 'etc/os-release', content: `NAME=RigOS\nID=rigos\nVERSION_ID=${version}\n` },
    { path: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/bin/sh\n' },
    { path: 'bin/busybox', content: pseudoRandomBytes(`${name}-${platformName(platform)}-${version}`, binarySize), mode: 0o755 },
  ];
}

const CMD_SH: BuildStep = { createdBy: '/bin/sh -c #(nop)  CMD ["/bin/sh"]', created: BASE_CREATED };

function baseImage(version: string, binarySize: number): BuiltImage {
  return buildImage({
    format: 'oci',
    platform: AMD64,
    created: BASE_CREATED,
    config: { Env: [PATH_ENV], Cmd: ['/bin/sh'] },
    steps: [addRootfs(rootfs('base', AMD64, version, binarySize)), CMD_SH],
  });
}

/** `library/base:1` as first pushed. */
export function buildBase(): BuiltImage {
  return baseImage('1.0', 48 * 1024);
}

/** `library/base:1` after the base "moved": new content, new digest. */
export function buildMovedBase(): BuiltImage {
  return baseImage('1.1', 50 * 1024);
}

function buildApp(base: BuiltImage): BuiltImage {
  return buildImage({
    format: 'oci',
    platform: AMD64,
    created: APP_CREATED,
    parent: base,
    config: {
      User: 'app',
      ExposedPorts: { '8080/tcp': {} },
      Env: [PATH_ENV, 'APP_HOME=/app', 'APP_VERSION=1.0'],
      Entrypoint: ['/app/app.sh'],
      Cmd: ['serve'],
      Volumes: { '/data': {} },
      WorkingDir: '/app',
      Labels: {
        'org.opencontainers.image.base.name': 'docker.io/library/base:1',
        'org.opencontainers.image.base.digest': base.manifest.digest,
        'org.opencontainers.image.version': '1.0',
      },
    },
    steps: [
      { createdBy: 'ARG APP_VERSION=1.0', buildkit: true },
      { createdBy: 'LABEL org.opencontainers.image.version=1.0', buildkit: true },
      { createdBy: 'ENV APP_HOME=/app APP_VERSION=1.0', buildkit: true },
      { createdBy: 'WORKDIR /app', buildkit: true },
      {
        createdBy: 'COPY app.sh /app/app.sh # buildkit',
        buildkit: true,
        files: [{ path: 'app/app.sh', content: '#!/bin/sh\nexec /app/build/server "$@"\n', mode: 0o755 }],
      },
      {
        createdBy: 'RUN |2 A=b C=d /bin/sh -c make # buildkit',
        buildkit: true,
        files: [{ path: 'app/build/server', content: pseudoRandomBytes('app-server', 12 * 1024), mode: 0o755 }],
      },
      { createdBy: 'VOLUME [/data]', buildkit: true },
      { createdBy: 'EXPOSE map[8080/tcp:{}]', buildkit: true },
      { createdBy: 'USER app', buildkit: true },
      { createdBy: 'ENTRYPOINT ["/app/app.sh"]', buildkit: true },
      { createdBy: 'CMD ["serve"]', buildkit: true },
    ],
  });
}

/** Built on base:1 by the classic builder, and without the base-image labels. */
function buildApp2(base: BuiltImage): BuiltImage {
  return buildImage({
    format: 'docker',
    platform: AMD64,
    created: APP_CREATED,
    parent: base,
    config: { Env: [PATH_ENV, 'APP2_MODE=worker'], Cmd: ['/srv/run'], WorkingDir: '/srv' },
    steps: [
      { createdBy: '/bin/sh -c #(nop)  ENV APP2_MODE=worker' },
      { createdBy: '/bin/sh -c #(nop)  WORKDIR /srv' },
      classicCopy([{ path: 'srv/run', content: pseudoRandomBytes('app2-run', 9 * 1024), mode: 0o755 }], '/srv/'),
      { createdBy: '/bin/sh -c #(nop)  CMD ["/srv/run"]' },
    ],
  });
}

/**
 * Built on base:1 (amd64) by BuildKit without the base-image labels; only its provenance records the base, as a
 * material with the digest the build resolved `FROM base:1` to. Pushed as an index, where attestations live.
 */
function buildService(base: BuiltImage): BuiltIndex {
  const image = buildImage({
    format: 'oci',
    platform: AMD64,
    created: APP_CREATED,
    parent: base,
    config: { Env: [PATH_ENV], Cmd: ['/srv/service'] },
    steps: [
      {
        createdBy: 'COPY service /srv/service # buildkit',
        buildkit: true,
        files: [{ path: 'srv/service', content: pseudoRandomBytes('svc', 7 * 1024), mode: 0o755 }],
      },
      { createdBy: 'CMD ["/srv/service"]', buildkit: true },
    ],
  });
  const materials = [
    { uri: 'pkg:docker/docker/dockerfile@1', digest: { sha256: createHash('sha256').update('dockerfile-frontend').digest('hex') } },
    { uri: 'pkg:docker/base@1?platform=linux%2Famd64', digest: { sha256: base.manifest.digest.slice('sha256:'.length) } },
  ];
  const packages = [
    { name: 'busybox', version: '1.36.1', license: 'GPL-2.0-only', purl: 'pkg:apk/alpine/busybox@1.36.1' },
    { name: 'musl', version: '1.2.4', license: 'MIT', purl: 'pkg:apk/alpine/musl@1.2.4' },
    { name: 'openssl', version: '3.1.4', license: 'Apache-2.0', purl: 'pkg:apk/alpine/openssl@3.1.4' },
    { name: 'zlib', version: '1.3.1', license: 'Zlib', purl: 'pkg:apk/alpine/zlib@1.3.1' },
    { name: 'ca-certificates', version: '20240226', license: 'MPL-2.0 AND MIT', purl: 'pkg:apk/alpine/ca-certificates@20240226' },
  ];
  return buildIndex('oci', [image], [buildAttestation(image, 'library/svc', '1', { materials, packages })]);
}

/**
 * One release of a version line: amd64 and arm64 images of one layer whose size follows `binarySize` (arm64 a little
 * smaller), so size sorts and per-platform sizes differ. `packages` feed its SBOM, for "what changed" comparisons.
 */
function buildRelease(
  repository: string,
  tag: string,
  binarySize: number,
  packages?: Array<{ name: string; version: string; license: string; purl: string }>,
): BuiltIndex {
  const images = [AMD64, ARM64].map((platform, position) =>
    buildImage({
      format: 'oci',
      platform,
      created: APP_CREATED,
      config: { Env: [PATH_ENV], Cmd: ['/usr/bin/run'] },
      steps: [
        addRootfs([
          {
            path: 'usr/bin/run',
            content: pseudoRandomBytes(`${repository}-${tag}-${platformName(platform)}`, binarySize - position * 3 * 1024),
            mode: 0o755,
          },
        ]),
        { createdBy: 'CMD ["/usr/bin/run"]', buildkit: true },
      ],
    }),
  );
  return buildIndex('oci', images, images.map((image) => buildAttestation(image, repository, tag, packages ? { packages } : {})));
}

/** A release's SBOM: busybox always; openssl and zlib at these versions; musl only before, ca-certificates only after. */
function releasePackages(
  openssl: string,
  zlib: string,
  generation: 'before' | 'after',
): Array<{ name: string; version: string; license: string; purl: string }> {
  return [
    { name: 'busybox', version: '1.36.1', license: 'GPL-2.0-only', purl: 'pkg:apk/alpine/busybox@1.36.1' },
    ...(generation === 'before' ? [{ name: 'musl', version: '1.2.4', license: 'MIT', purl: 'pkg:apk/alpine/musl@1.2.4' }] : []),
    { name: 'openssl', version: openssl, license: 'Apache-2.0', purl: `pkg:apk/alpine/openssl@${openssl}` },
    ...(zlib ? [{ name: 'zlib', version: zlib, license: 'Zlib', purl: `pkg:apk/alpine/zlib@${zlib}` }] : []),
    ...(generation === 'after'
      ? [{ name: 'ca-certificates', version: '20240226', license: 'MPL-2.0 AND MIT', purl: 'pkg:apk/alpine/ca-certificates@20240226' }]
      : []),
  ];
}

/**
 * `library/web`: a version line 1.26.3, 1.27.1…1.27.4 (1.27 and latest follow 1.27.4) and an alpine variant.
 * `library/python`: 3.12.7/3.12.8 in full and -slim variants, with floating 3.12 and 3.12-slim, and 3.13-slim.
 */
function versionLinePushes(): CataloguePush[] {
  const release = (repository: string, tag: string, kib: number, packages?: ReturnType<typeof releasePackages>) =>
    buildRelease(repository, tag, kib * 1024, packages);
  return [
    { repository: 'library/web', built: release('library/web', '1.26.3', 30), tags: ['1.26.3', '1.26'] },
    { repository: 'library/web', built: release('library/web', '1.27.1', 31, releasePackages('3.1.4', '1.3', 'before')), tags: ['1.27.1'] },
    { repository: 'library/web', built: release('library/web', '1.27.2', 32, releasePackages('3.1.5', '1.3.1', 'after')), tags: ['1.27.2'] },
    { repository: 'library/web', built: release('library/web', '1.27.3', 33), tags: ['1.27.3'] },
    { repository: 'library/web', built: release('library/web', '1.27.4', 34), tags: ['1.27.4', '1.27', 'latest'] },
    { repository: 'library/web', built: release('library/web', '1.27.4-alpine', 20), tags: ['1.27.4-alpine', '1.27-alpine'] },
    { repository: 'library/python', built: release('library/python', '3.12.7', 60), tags: ['3.12.7'] },
    { repository: 'library/python', built: release('library/python', '3.12.8', 61), tags: ['3.12.8', '3.12'] },
    { repository: 'library/python', built: release('library/python', '3.12.7-slim', 40), tags: ['3.12.7-slim'] },
    { repository: 'library/python', built: release('library/python', '3.12.8-slim', 41), tags: ['3.12.8-slim', '3.12-slim'] },
    { repository: 'library/python', built: release('library/python', '3.13.1-slim', 42), tags: ['3.13.1-slim', '3.13-slim'] },
  ];
}

const DEMO_BINARY_SIZES: Record<string, number> = { amd64: 40 * 1024, 'arm64-v8': 36 * 1024, 'arm-v7': 30 * 1024 };

function demoRootfs(platform: Platform): BuildStep {
  return addRootfs(rootfs('demo', platform, '1.0', DEMO_BINARY_SIZES[platformName(platform)]));
}

/** BuildKit-built, as in the captured local-registry config: LABEL/ENV/WORKDIR/RUN/EXPOSE/USER/ENTRYPOINT/CMD. */
function buildDemoPlatform(platform: Platform): BuiltImage {
  return buildImage({
    format: 'oci',
    platform,
    created: APP_CREATED,
    config: {
      User: '1000:1000',
      ExposedPorts: { '8080/tcp': {} },
      Env: [PATH_ENV, 'DEMO_VERSION=1.0'],
      Entrypoint: ['/bin/hello'],
      Cmd: ['--help'],
      WorkingDir: '/app',
      Labels: {
        'org.opencontainers.image.source': 'https://example.com/demo',
        'org.opencontainers.image.version': '1.0',
        maintainer: 'demo@example.com',
      },
    },
    steps: [
      demoRootfs(platform),
      CMD_SH,
      { createdBy: 'LABEL org.opencontainers.image.source=https://example.com/demo maintainer=demo@example.com', buildkit: true },
      { createdBy: 'ARG DEMO_VERSION=1.0', buildkit: true },
      { createdBy: 'ENV DEMO_VERSION=1.0', buildkit: true },
      { createdBy: 'WORKDIR /app', buildkit: true },
      {
        createdBy: 'COPY hello /bin/hello # buildkit',
        buildkit: true,
        files: [{ path: 'bin/hello', content: pseudoRandomBytes(`hello-${platformName(platform)}`, 8 * 1024), mode: 0o755 }],
      },
      {
        createdBy: 'RUN |1 DEMO_VERSION=1.0 /bin/sh -c echo "demo app payload" > /app/app.txt # buildkit',
        buildkit: true,
        files: [{ path: 'app/app.txt', content: 'demo app payload\n' }],
      },
      { createdBy: 'EXPOSE map[8080/tcp:{}]', buildkit: true },
      { createdBy: 'USER 1000:1000', buildkit: true },
      { createdBy: 'ENTRYPOINT ["/bin/hello"]', buildkit: true },
      { createdBy: 'CMD ["--help"]', buildkit: true },
    ],
  });
}

/** Docker schema2, classic builder history: `#(nop)` instructions and a RUN with build args (`|2 A=b C=d`). */
function buildDemoClassic(platform: Platform): BuiltImage {
  return buildImage({
    format: 'docker',
    platform,
    created: APP_CREATED,
    config: {
      User: 'www-data',
      ExposedPorts: { '80/tcp': {} },
      Env: [PATH_ENV, 'DEMO_MODE=classic'],
      Entrypoint: ['/usr/local/bin/demo.sh'],
      Cmd: ['run'],
      Volumes: { '/data': {} },
      WorkingDir: '/srv',
      Labels: { maintainer: 'demo@example.com' },
    },
    steps: [
      demoRootfs(platform),
      CMD_SH,
      { createdBy: '/bin/sh -c #(nop)  ARG A=b' },
      { createdBy: '/bin/sh -c #(nop)  ARG C=d' },
      {
        createdBy: '|2 A=b C=d /bin/sh -c make',
        files: [{ path: 'srv/build/demo', content: pseudoRandomBytes(`make-${platformName(platform)}`, 10 * 1024), mode: 0o755 }],
      },
      classicCopy(
        [{ path: 'usr/local/bin/demo.sh', content: '#!/bin/sh\nexec /srv/build/demo "$@"\n', mode: 0o755 }],
        '/usr/local/bin/',
      ),
      { createdBy: '/bin/sh -c #(nop)  ENV DEMO_MODE=classic' },
      { createdBy: '/bin/sh -c #(nop)  LABEL maintainer=demo@example.com' },
      { createdBy: '/bin/sh -c #(nop)  EXPOSE 80/tcp' },
      { createdBy: '/bin/sh -c #(nop)  WORKDIR /srv' },
      { createdBy: '/bin/sh -c #(nop)  VOLUME [/data]' },
      { createdBy: '/bin/sh -c #(nop)  USER www-data' },
      { createdBy: '/bin/sh -c #(nop)  ENTRYPOINT ["/usr/local/bin/demo.sh"]' },
      { createdBy: '/bin/sh -c #(nop)  CMD ["run"]' },
    ],
  });
}

/** A one-layer image, for repositories whose content does not matter. */
function buildSmall(name: string): BuiltImage {
  return buildImage({
    format: 'oci',
    platform: AMD64,
    created: APP_CREATED,
    config: { Env: [PATH_ENV], Cmd: [`/usr/bin/${name}`] },
    steps: [
      addRootfs([{ path: `usr/bin/${name}`, content: pseudoRandomBytes(name, 6 * 1024), mode: 0o755 }]),
      { createdBy: `CMD ["/usr/bin/${name}"]`, buildkit: true },
    ],
  });
}

function platformEntry(image: BuiltImage): CataloguePlatformImage {
  return {
    ...image.platform,
    digest: image.manifest.digest,
    mediaType: image.manifest.mediaType,
    manifestSize: image.manifest.size,
    configDigest: image.config.digest,
    configMediaType: image.config.mediaType,
    configSize: image.config.size,
    size: image.config.size + image.layers.reduce((sum, layer) => sum + layer.size, 0),
    compressedSize: [...new Map(image.layers.map((layer) => [layer.digest, layer.size])).values()].reduce((sum, size) => sum + size, 0),
    created: image.configJson.created,
    layers: image.layers.map(({ digest, size, mediaType, diffId, createdBy }) => ({ digest, size, mediaType, diffId, createdBy })),
    config: image.configJson,
  };
}

export function catalogueTagOf(built: BuiltImage | BuiltIndex): CatalogueTag {
  const top = { mediaType: built.manifest.mediaType, digest: built.manifest.digest, manifestSize: built.manifest.size };
  if (!('images' in built)) {
    return { ...top, configDigest: built.config.digest, platforms: [platformEntry(built)], attestations: [] };
  }
  return {
    ...top,
    platforms: built.images.map(platformEntry),
    attestations: built.attestations.map((attestation) => ({
      digest: attestation.manifest.digest,
      mediaType: attestation.manifest.mediaType,
      manifestSize: attestation.manifest.size,
      size: attestation.config.size + attestation.layers.reduce((sum, layer) => sum + layer.size, 0),
      referenceDigest: attestation.referenceDigest,
      layers: attestation.layers.map(({ digest, size, mediaType, predicateType }) => ({ digest, size, mediaType, predicateType })),
    })),
  };
}

export const MANY_TAG_COUNT = 250;

/** Everything pushed at rig start, and the catalogue describing it. Deterministic: same digests every run. */
export function buildCatalogue(): { catalogue: Catalogue; pushes: CataloguePush[] } {
  const demoImages = [AMD64, ARM64, ARMV7].map(buildDemoPlatform);
  const demoIndex = buildIndex(
    'oci',
    demoImages,
    demoImages.map((image) => buildAttestation(image, 'library/demo', '1.0')),
  );
  const classicAmd64 = buildDemoClassic(AMD64);
  const demoList = buildIndex('docker', [classicAmd64, buildDemoClassic(ARM64)]);
  const base = buildBase();
  const manyTags = Array.from({ length: MANY_TAG_COUNT }, (_, index) => `tag-${String(index).padStart(3, '0')}`);

  const pushes: CataloguePush[] = [
    { repository: 'library/demo', built: demoIndex, tags: ['latest', '1.0'] },
    { repository: 'library/demo', built: classicAmd64, tags: ['schema2'] },
    { repository: 'library/demo', built: demoImages[0], tags: ['oci'] },
    { repository: 'library/demo', built: demoList, tags: ['list'] },
    { repository: 'library/base', built: base, tags: ['1'] },
    { repository: 'library/app', built: buildApp(base), tags: ['1'] },
    { repository: 'library/app2', built: buildApp2(base), tags: ['1'] },
    { repository: 'library/many', built: buildSmall('many'), tags: manyTags },
    { repository: 'alice/private-app', built: buildSmall('private-app'), tags: ['1'] },
    { repository: 'owner/app', built: buildSmall('owner-app'), tags: ['1'] },
    { repository: 'library/svc', built: buildService(base), tags: ['1'] },
    ...versionLinePushes(),
  ];

  const catalogue: Catalogue = {};
  for (const push of pushes) recordPush(catalogue, push);
  return { catalogue, pushes };
}

export function recordPush(catalogue: Catalogue, push: CataloguePush): CatalogueTag {
  const tags = (catalogue[push.repository] ??= {});
  const tag = catalogueTagOf(push.built);
  for (const name of push.tags) tags[name] = tag;
  return tag;
}
