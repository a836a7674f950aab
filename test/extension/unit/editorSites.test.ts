import { strict as assert } from 'node:assert';
import { scanCompose } from '../../../extension/src/editor/composeSites';
import { scanDevcontainer } from '../../../extension/src/editor/devcontainerSites';
import { scanDockerfile } from '../../../extension/src/editor/dockerfileSites';
import { imageFileKind, type ImageFileScan } from '../../../extension/src/editor/imageSites';
import { scanImageFile } from '../../../extension/src/editor/scanImageFile';

/** Each site as `reference | written text [platform]`, so a wrong offset shows as the wrong text. */
function describeSites(text: string, scan: ImageFileScan): string[] {
  return scan.sites.map((site) => `${site.reference} | ${text.slice(site.start, site.end)}${site.platform ? ` [${site.platform}]` : ''}${site.editable ? '' : ' (not editable)'}`);
}

describe('editor: which files hold image references', () => {
  const cases: Array<[string, string, string | undefined]> = [
    ['/w/Dockerfile', 'dockerfile', 'dockerfile'],
    ['/w/api.Dockerfile', 'plaintext', 'dockerfile'],
    ['/w/Containerfile', 'plaintext', 'dockerfile'],
    ['/w/Dockerfile.dev', 'dockerfile', 'dockerfile'],
    ['/w/compose.yaml', 'yaml', 'compose'],
    ['/w/compose.override.yml', 'yaml', 'compose'],
    ['/w/docker-compose.prod.yml', 'yaml', 'compose'],
    ['/w/.devcontainer/devcontainer.json', 'jsonc', 'devcontainer'],
    ['/w/.devcontainer/python/devcontainer.json', 'jsonc', 'devcontainer'],
    ['/w/devcontainer.json', 'jsonc', undefined],
    ['/w/values.yaml', 'yaml', undefined],
    ['/w/Dockerfile.md', 'markdown', undefined],
  ];
  for (const [path, language, kind] of cases) {
    it(`${path} (${language}) is ${kind ?? 'not an image file'}`, () => assert.equal(imageFileKind(path, language), kind));
  }
});

describe('editor: Dockerfile FROM lines by Docker’s rules', () => {
  it('finds every stage’s image, skips scratch and stage references, keeps --platform', () => {
    const text = [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=linux/arm64 node:20-slim AS build',
      'RUN npm ci',
      'FROM build AS test',
      'FROM scratch AS empty',
      'from Nginx/Unit:1.2 as final',
      'FROM ghcr.io/owner/app@sha256:' + 'a'.repeat(64),
      'COPY --from=build /app /app',
    ].join('\n');
    assert.deepEqual(describeSites(text, scanDockerfile(text)), [
      'node:20-slim | node:20-slim [linux/arm64]',
      'Nginx/Unit:1.2 | Nginx/Unit:1.2',
      `ghcr.io/owner/app@sha256:${'a'.repeat(64)} | ghcr.io/owner/app@sha256:${'a'.repeat(64)}`,
    ]);
  });

  it('a stage named like an image is not that image, later; the same name before the stage exists is an image', () => {
    const text = 'FROM node:20 AS node\nFROM node\n';
    assert.deepEqual(describeSites(text, scanDockerfile(text)), ['node:20 | node:20']);
  });

  it('resolves global ARGs with defaults (and ${VAR:-default}); leaves out what only --build-arg can tell', () => {
    const text = [
      'ARG NODE_VERSION=20',
      'ARG VARIANT="slim"',
      'ARG REGISTRY',
      'ARG PLATFORM=linux/amd64',
      'FROM --platform=$PLATFORM node:${NODE_VERSION}-$VARIANT',
      'FROM ${REGISTRY:-docker.io}/library/python:3.12',
      'FROM $REGISTRY/app:1',
      'FROM --platform=$BUILDPLATFORM golang:1.23',
      'ARG NODE_VERSION=22',
      'FROM node:$NODE_VERSION',
    ].join('\n');
    assert.deepEqual(describeSites(text, scanDockerfile(text)), [
      'node:20-slim | node:${NODE_VERSION}-$VARIANT [linux/amd64] (not editable)',
      'docker.io/library/python:3.12 | ${REGISTRY:-docker.io}/library/python:3.12 (not editable)',
      'golang:1.23 | golang:1.23',
      // An ARG after the first FROM belongs to that stage; FROM still sees the global one.
      'node:20 | node:$NODE_VERSION (not editable)',
    ]);
  });

  it('joins continuations, drops comment and empty lines inside them, ignores comments elsewhere', () => {
    const text = ['# FROM commented:1', 'FROM \\', '  # a comment inside the instruction', '', '    --platform=linux/arm64 \\', '    alpine:3.20 \\', '    AS base', '  FROM busybox:1.36'].join('\n');
    assert.deepEqual(describeSites(text, scanDockerfile(text)), ['alpine:3.20 | alpine:3.20 [linux/arm64]', 'busybox:1.36 | busybox:1.36']);
  });

  it('lines of a here-document are content, even when they read like FROM', () => {
    const text = ['FROM alpine:3.20', 'RUN <<EOF bash', 'FROM not-an-image:1', 'EOF', 'COPY <<-"A" /a <<B /b', '\tFROM nor:this', '\tA', 'FROM nor:that', 'B', 'FROM busybox:1.36'].join('\n');
    assert.deepEqual(describeSites(text, scanDockerfile(text)), ['alpine:3.20 | alpine:3.20', 'busybox:1.36 | busybox:1.36']);
  });

  it('honours the escape directive only at the top of the file', () => {
    const windows = ['# escape=`', 'FROM `', '  mcr.microsoft.com/windows/servercore:ltsc2022', 'FROM alpine:3.20 \\'].join('\r\n');
    assert.deepEqual(describeSites(windows, scanDockerfile(windows)), [
      'mcr.microsoft.com/windows/servercore:ltsc2022 | mcr.microsoft.com/windows/servercore:ltsc2022',
      // With "`" as the escape character a trailing backslash is just a character.
      'alpine:3.20 | alpine:3.20',
    ]);
    const late = ['FROM alpine:3.20', '# escape=`', 'FROM `', 'debian:12'].join('\n');
    // After an instruction the directive is a comment, so the backtick is not an escape and `FROM` has only "`".
    assert.deepEqual(describeSites(late, scanDockerfile(late)).slice(0, 1), ['alpine:3.20 | alpine:3.20']);
    assert.equal(scanDockerfile(late).sites.some((site) => site.reference === 'debian:12'), false);
  });

  it('a `# dockerhub-disable` comment turns the file’s checks off; other comments do not', () => {
    assert.equal(scanDockerfile('FROM alpine:3.20\n# dockerhub-disable\n').checksDisabled, true);
    assert.equal(scanDockerfile('FROM alpine:3.20\n# please do not dockerhub-disable\n').checksDisabled, false);
  });
});

describe('editor: Compose files through the yaml parser', () => {
  it('finds services’ images (quoted or plain), their platform, and resolves ${VAR:-default}', () => {
    const text = [
      'services:',
      '  web:',
      '    image: "nginx:1.27.1" # the proxy',
      '    platform: linux/arm64',
      '  db:',
      "    image: 'postgres:${PG_VERSION:-16}'",
      '  app:',
      '    build: .',
      '  cache:',
      '    image: ${CACHE_IMAGE}',
      '  redis: {image: redis:7.2}',
      'x-image: ignored:1',
    ].join('\n');
    assert.deepEqual(describeSites(text, scanCompose(text)), [
      'nginx:1.27.1 | nginx:1.27.1 [linux/arm64]',
      'postgres:16 | postgres:${PG_VERSION:-16} (not editable)',
      'redis:7.2 | redis:7.2',
    ]);
  });

  it('a comment directive turns checks off; a file that is not YAML has no sites', () => {
    assert.equal(scanCompose('# dockerhub-disable\nservices: {}\n').checksDisabled, true);
    assert.equal(scanCompose('services:\n  web:\n    image: nginx # not dockerhub-disable\n').checksDisabled, false);
    assert.deepEqual(scanImageFile('compose', 'services: [\n  : :').sites, []);
  });
});

describe('editor: devcontainer.json through jsonc-parser', () => {
  it('finds the top-level image among comments and trailing commas', () => {
    const text = '{\n  // the dev image\n  "name": "dev",\n  "image": "mcr.microsoft.com/devcontainers/typescript-node:1-20-bookworm",\n  "features": { "image": "not this" },\n}\n';
    assert.deepEqual(describeSites(text, scanDevcontainer(text)), [
      'mcr.microsoft.com/devcontainers/typescript-node:1-20-bookworm | mcr.microsoft.com/devcontainers/typescript-node:1-20-bookworm',
    ]);
    assert.equal(scanDevcontainer(text).checksDisabled, false);
  });

  it('a `// dockerhub-disable` comment turns checks off; a build-only file has no image', () => {
    const text = '{\n  /* dockerhub-disable */\n  "build": { "dockerfile": "Dockerfile" }\n}';
    assert.deepEqual(scanDevcontainer(text), { sites: [], checksDisabled: true });
  });
});
