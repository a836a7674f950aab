import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { baseFromLabels, baseHistoryLength, matchBaseByLayers } from '../../server/src/analysis/baseImage';
import { compareImages, configDifferences, type ImageFacts } from '../../server/src/analysis/compare';
import { reconstructDockerfile } from '../../server/src/analysis/dockerfile';
import { instructionOf } from '../../server/src/analysis/instructions';
import { compressedSize, pairLayers, percentOf } from '../../server/src/analysis/layers';
import { estimatePull } from '../../server/src/analysis/pullSize';
import type { Descriptor, HistoryEntry, ImageConfig, ImageManifest } from '../../server/src/registry/types';

const FIXTURES = join(__dirname, '..', 'reference', 'fixtures');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

const httpdConfig = fixture<ImageConfig>('registry-image-config-httpd-2.4.23-classic-builder.raw.json');
const httpdManifest = fixture<ImageManifest>('registry-docker-schema2-manifest-httpd-2.4.23.json');
const ubuntuConfig = fixture<ImageConfig>('registry-image-config-library-ubuntu-24.04-arm64.json');
/** Captured from a local registry: BuildKit history (`# buildkit`, `EXPOSE map[…]`) on a classic-built base. */
const buildkitConfig = fixture<ImageConfig>('local-registry/blob-config-amd64.json');

const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const layer = (n: number, size: number): Descriptor => ({ mediaType: LAYER, digest: digestOf(n), size });
const made = (createdBy: string, buildkit = false): HistoryEntry =>
  buildkit ? { created_by: createdBy, comment: 'buildkit.dockerfile.v0' } : { created_by: createdBy };
const meta = (createdBy: string): HistoryEntry => ({ created_by: createdBy, empty_layer: true });

describe('analysis: instruction from history', () => {
  const cases: Array<[string, string, string[]?]> = [
    ['/bin/sh -c #(nop)  CMD ["httpd-foreground"]', 'CMD ["httpd-foreground"]'],
    ['/bin/sh -c #(nop)  ENV HTTPD_PREFIX=/usr/local/apache2', 'ENV HTTPD_PREFIX=/usr/local/apache2'],
    ['/bin/sh -c #(nop)  EXPOSE 80/tcp', 'EXPOSE 80/tcp'],
    ['/bin/sh -c #(nop)  WORKDIR /usr/local/apache2', 'WORKDIR /usr/local/apache2'],
    ['/bin/sh -c #(nop)  ARG RELEASE', 'ARG RELEASE'],
    [
      '/bin/sh -c #(nop) COPY file:761e313354b918b6cd7ea99975a4f6b53ff5381ba689bab2984aec4dab597215 in /usr/local/bin/ ',
      'COPY file:761e313354b918b6cd7ea99975a4f6b53ff5381ba689bab2984aec4dab597215 in /usr/local/bin/',
    ],
    ['/bin/sh -c #(nop) ADD file:c6c23585ab14 in / ', 'ADD file:c6c23585ab14 in /'],
    ['/bin/sh -c mkdir -p "$HTTPD_PREFIX" \t&& chown www-data "$HTTPD_PREFIX"', 'RUN mkdir -p "$HTTPD_PREFIX" \t&& chown www-data "$HTTPD_PREFIX"'],
    ['|2 A=b C=d /bin/sh -c make', 'RUN make', ['A=b', 'C=d']],
    ['RUN |2 A=b C=d /bin/sh -c make # buildkit', 'RUN make', ['A=b', 'C=d']],
    ['RUN |1 GREETING=hello world /bin/sh -c echo "$GREETING" # buildkit', 'RUN echo "$GREETING"', ['GREETING=hello world']],
    ['RUN /bin/sh -c echo "demo app payload" > /app/app.txt # buildkit', 'RUN echo "demo app payload" > /app/app.txt'],
    ['RUN /bin/bash -o pipefail -c curl -fsSL x | sh # buildkit', 'RUN curl -fsSL x | sh'],
    ['COPY app.sh /app/app.sh # buildkit', 'COPY app.sh /app/app.sh'],
    ['COPY --from=builder /out/server /usr/local/bin/ # buildkit', 'COPY --from=builder /out/server /usr/local/bin/'],
    ['WORKDIR /app', 'WORKDIR /app'],
    ['USER app', 'USER app'],
    ['LABEL org.opencontainers.image.source=https://example.com/demo maintainer=demo@example.com', 'LABEL org.opencontainers.image.source=https://example.com/demo maintainer=demo@example.com'],
    ['ENTRYPOINT ["/docker-entrypoint.sh"]', 'ENTRYPOINT ["/docker-entrypoint.sh"]'],
    ['CMD ["nginx" "-g" "daemon off;"]', 'CMD ["nginx", "-g", "daemon off;"]'],
    ['/bin/sh -c #(nop)  CMD ["nginx","-g","daemon off;"]', 'CMD ["nginx", "-g", "daemon off;"]'],
    ['CMD ["/bin/sh" "-c" "exec server --port 80"]', 'CMD exec server --port 80'],
    ['CMD ["printf" "a\\"b\\x41\\tc"]', 'CMD ["printf", "a\\"bA\\tc"]'],
    ['EXPOSE map[8080/tcp:{}]', 'EXPOSE 8080/tcp'],
    ['EXPOSE map[443/tcp:{} 80/tcp:{}]', 'EXPOSE 443/tcp 80/tcp'],
    ['EXPOSE [8080/tcp 9090/udp]', 'EXPOSE 8080/tcp 9090/udp'],
    ['VOLUME [/data /logs]', 'VOLUME ["/data", "/logs"]'],
    ['/bin/sh -c #(nop)  VOLUME [/var/lib/mysql]', 'VOLUME ["/var/lib/mysql"]'],
    ['SHELL [/bin/bash -o pipefail -c]', 'SHELL ["/bin/bash", "-o", "pipefail", "-c"]'],
    ['STOPSIGNAL SIGQUIT', 'STOPSIGNAL SIGQUIT'],
    [
      '/bin/sh -c #(nop)  HEALTHCHECK &{["CMD-SHELL" "curl -f http://localhost/ || exit 1"] "30s" "3s" "0s" \'\\x03\'}',
      'HEALTHCHECK --interval=30s --timeout=3s --retries=3 CMD curl -f http://localhost/ || exit 1',
    ],
    ['HEALTHCHECK &{["CMD" "/bin/check" "--quick"] "0s" "10s" "5s" "0s" \'\\x00\'}', 'HEALTHCHECK --timeout=10s --start-period=5s CMD ["/bin/check", "--quick"]'],
    ['HEALTHCHECK &{["NONE"] "0s" "0s" "0s" \'\\x00\'}', 'HEALTHCHECK NONE'],
  ];
  for (const [createdBy, text, buildArgs] of cases) {
    it(`${JSON.stringify(createdBy)} is ${JSON.stringify(text)}`, () => {
      const instruction = instructionOf(createdBy);
      assert.equal(instruction.text, text);
      assert.equal(instruction.keyword, text.split(' ')[0]);
      assert.deepEqual(instruction.buildArgs, buildArgs);
    });
  }

  it('text from another tool (ko, jib…) is kept as it is, without a keyword', () => {
    assert.deepEqual(instructionOf('ko publish ko://example.com/cmd/app'), { text: 'ko publish ko://example.com/cmd/app' });
    assert.deepEqual(instructionOf('jib-maven-plugin:3.4.0'), { text: 'jib-maven-plugin:3.4.0' });
  });

  it('an entry without created_by has no instruction', () => {
    assert.deepEqual(instructionOf(undefined), { text: '' });
    assert.deepEqual(instructionOf('   '), { text: '' });
  });

  it('an unknown Go-formatted HEALTHCHECK is kept rather than guessed', () => {
    assert.equal(instructionOf('HEALTHCHECK &{weird}').text, 'HEALTHCHECK &{weird}');
  });
});

describe('analysis: pairing layers with history', () => {
  it('pairs the five httpd layers with the entries that made them, skipping empty_layer entries', () => {
    const pairing = pairLayers(httpdManifest.layers, httpdConfig);
    assert.equal(pairing.layers.length, 5);
    assert.deepEqual(
      pairing.layers.map((l) => l.historyIndex),
      [0, 4, 6, 11, 12],
    );
    assert.deepEqual(
      pairing.layers.map((l) => l.instruction?.keyword),
      ['ADD', 'RUN', 'RUN', 'RUN', 'COPY'],
    );
    assert.equal(pairing.layers[1].instruction?.text, 'RUN mkdir -p "$HTTPD_PREFIX" \t&& chown www-data:www-data "$HTTPD_PREFIX"');
    assert.equal(pairing.layers[0].size, 51354364);
    assert.equal(pairing.layers[0].diffId, httpdConfig.rootfs!.diff_ids[0]);
    assert.equal(pairing.layers[4].created, '2016-09-23T23:20:45.127455562Z');
    assert.equal(pairing.emptyHistoryEntries, 10);
    assert.deepEqual(pairing.unpairedHistory, []);
    assert.equal(pairing.note, undefined);
  });

  it('pairs ubuntu\'s single layer with its ADD among ARG/LABEL/CMD entries', () => {
    const pairing = pairLayers([layer(1, 28_000_000)], ubuntuConfig);
    assert.equal(pairing.layers[0].historyIndex, 4);
    assert.match(pairing.layers[0].instruction!.text, /^ADD file:9d8a15341d36\w+ in \/$/);
    assert.equal(pairing.emptyHistoryEntries, 5);
  });

  it('with fewer history entries than layers, pairs from the top and says which layers have no instruction', () => {
    const config: ImageConfig = { history: [made('COPY app /app # buildkit', true), meta('CMD ["app"]'), made('RUN /bin/sh -c make # buildkit', true)] };
    const pairing = pairLayers([layer(1, 10), layer(2, 20), layer(3, 30), layer(4, 40)], config);
    assert.deepEqual(
      pairing.layers.map((l) => l.instruction?.text),
      [undefined, undefined, 'COPY app /app', 'RUN make'],
    );
    assert.deepEqual(pairing.unpairedHistory, []);
    assert.match(pairing.note!, /4 layers but history records 2/);
    assert.match(pairing.note!, /bottom 2 layers have no known instruction/);
  });

  it('with more layer-making entries than layers, leaves the first entries unpaired and names them', () => {
    const config: ImageConfig = { history: [made('/bin/sh -c #(nop) ADD file:aa in / '), made('/bin/sh -c apt-get update'), made('COPY x /x')] };
    const pairing = pairLayers([layer(1, 10), layer(2, 20)], config);
    assert.deepEqual(pairing.unpairedHistory, [0]);
    assert.deepEqual(
      pairing.layers.map((l) => l.historyIndex),
      [1, 2],
    );
    assert.match(pairing.note!, /first 1 such entry is left unpaired/);
  });

  it('history that never marks empty layers is paired by taking metadata-only #(nop) entries as empty', () => {
    const unmarked: ImageConfig = { history: httpdConfig.history!.map(({ empty_layer: _drop, ...entry }) => entry) };
    const pairing = pairLayers(httpdManifest.layers, unmarked);
    assert.deepEqual(
      pairing.layers.map((l) => l.historyIndex),
      [0, 4, 6, 11, 12],
    );
    assert.match(pairing.note!, /10 metadata-only entries were taken as empty/);
  });

  it('an image without history still lists its layers, none paired', () => {
    const pairing = pairLayers([layer(1, 5)], {});
    assert.equal(pairing.layers[0].instruction, undefined);
    assert.match(pairing.note!, /1 layers but history records 0/);
  });

  it('totals count a layer listed twice once, and percentages have one decimal', () => {
    assert.equal(compressedSize([layer(1, 100), layer(2, 50), layer(1, 100)]), 150);
    assert.equal(percentOf(1, 3), 33.3);
    assert.equal(percentOf(2, 3), 66.7);
    assert.equal(percentOf(5, 0), 0);
  });
});

/** Joins `\`-continued lines as Docker's parser does, so a reconstruction can be checked against history. */
function instructionsOf(dockerfile: string): string[] {
  return dockerfile
    .replace(/\\\n/g, '')
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'));
}

describe('analysis: Dockerfile from history', () => {
  it('rebuilds httpd 2.4.23: header, FROM scratch under its ADD file:… in /, every instruction in order; caveats in notes only', () => {
    const { text, instructionCount, notes } = reconstructDockerfile(httpdConfig.history!, { source: 'httpd:2.4.23 (linux/amd64)' });
    assert.match(text, /^# Reconstructed from the image history of httpd:2\.4\.23 \(linux\/amd64\)[.;]/);
    assert.ok(notes.some((note) => /content hash/.test(note)));
    assert.ok(notes.some((note) => /multi-stage/.test(note)));
    assert.equal(text.split('\n').filter((line) => line.startsWith('#')).length, 1);
    const lines = instructionsOf(text);
    assert.equal(lines[0], 'FROM scratch');
    assert.deepEqual(
      lines.slice(1).map((line) => line.split(' ')[0]),
      ['ADD', 'CMD', 'ENV', 'ENV', 'RUN', 'WORKDIR', 'RUN', 'ENV', 'ENV', 'ENV', 'ENV', 'RUN', 'COPY', 'EXPOSE', 'CMD'],
    );
    assert.equal(instructionCount, 15);
    assert.equal(lines[lines.length - 1], 'CMD ["httpd-foreground"]');
    assert.ok(notes.some((note) => /base image is not recorded/.test(note)));
    assert.ok(notes.some((note) => /2 COPY\/ADD lines name their source by content hash/.test(note)));
  });

  it('puts the original line breaks of a classic RUN back, and the result is the very command history holds', () => {
    const { text } = reconstructDockerfile(httpdConfig.history!, { source: 'httpd' });
    assert.ok(text.includes('RUN apt-get update \\\n\t&& apt-get install -y --no-install-recommends \\\n\t\tlibapr1 \\\n'), text);
    const runs = instructionsOf(text).filter((line) => line.startsWith('RUN '));
    const fromHistory = httpdConfig.history!.filter((e) => !e.created_by!.includes('#(nop)')).map((e) => `RUN ${e.created_by!.slice('/bin/sh -c '.length)}`);
    assert.deepEqual(runs, fromHistory);
  });

  it('wraps a long one-line RUN at && and leaves a short one alone', () => {
    const long = 'RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/* # buildkit';
    const { text } = reconstructDockerfile([made(long, true), made('RUN /bin/sh -c make && make install # buildkit', true)], { source: 'x' });
    assert.ok(
      text.includes('RUN apt-get update \\\n    && apt-get install -y --no-install-recommends curl ca-certificates \\\n    && rm -rf /var/lib/apt/lists/*\n'),
      text,
    );
    assert.ok(text.includes('\nRUN make && make install\n'));
  });

  it('splits a BuildKit RUN at its kept indentation', () => {
    const { text } = reconstructDockerfile([made('RUN /bin/sh -c set -eux;     apk add --no-cache curl;     curl --version # buildkit', true)], { source: 'x' });
    assert.ok(text.includes('RUN set -eux; \\\n    apk add --no-cache curl; \\\n    curl --version\n'), text);
  });

  it('rebuilds the captured BuildKit config, turning Go-formatted values back into Dockerfile syntax', () => {
    const lines = instructionsOf(reconstructDockerfile(buildkitConfig.history!, { source: 'demo' }).text);
    assert.deepEqual(lines.slice(-8), [
      'LABEL org.opencontainers.image.source=https://example.com/demo maintainer=demo@example.com',
      'ENV DEMO_VERSION=1.0',
      'WORKDIR /app',
      'RUN echo "demo app payload" > /app/app.txt',
      'EXPOSE 8080/tcp',
      'USER 1000:1000',
      'ENTRYPOINT ["/bin/hello"]',
      'CMD ["--help"]',
    ]);
  });

  it('starts FROM the labelled base and leaves out the base\'s own entries when their count is known', () => {
    const history = [
      made('/bin/sh -c #(nop) ADD file:abc in / '),
      meta('/bin/sh -c #(nop)  CMD ["/bin/sh"]'),
      meta('WORKDIR /app'),
      made('RUN |2 A=b C=d /bin/sh -c make # buildkit', true),
    ];
    const { text, notes } = reconstructDockerfile(history, {
      source: 'app:1',
      base: { name: 'docker.io/library/base:1', digest: digestOf(7), historyEntries: 2 },
    });
    assert.deepEqual(instructionsOf(text), [`FROM docker.io/library/base:1@${digestOf(7)}`, 'WORKDIR /app', 'ARG A=b', 'ARG C=d', 'RUN make']);
    assert.ok(notes.some((note) => /2 ARG lines were added/.test(note)));
    assert.ok(!notes.some((note) => /not recorded/.test(note)));
  });

  it('does not pin a base name that already carries a digest twice', () => {
    const { text } = reconstructDockerfile([], { source: 'x', base: { name: `alpine@${digestOf(3)}`, digest: digestOf(3), historyEntries: 0 } });
    assert.deepEqual(instructionsOf(text), [`FROM alpine@${digestOf(3)}`]);
  });

  it('does not repeat an ARG the history already declared', () => {
    const history = [meta('/bin/sh -c #(nop)  ARG A=b'), made('|2 A=b C=d /bin/sh -c make')];
    const lines = instructionsOf(reconstructDockerfile(history, { source: 'x' }).text);
    assert.deepEqual(lines.slice(1), ['ARG A=b', 'ARG C=d', 'RUN make']);
  });

  it('says so when the base is named but its entries cannot be told apart', () => {
    const { text, notes } = reconstructDockerfile([made('/bin/sh -c #(nop) ADD file:abc in / ')], {
      source: 'x',
      base: { name: 'alpine:3.20' },
    });
    assert.match(text, /\nFROM alpine:3\.20\n/);
    assert.doesNotMatch(text, /could not be/);
    assert.match(text, /\nADD file:abc in \/\n/);
    assert.ok(notes.some((note) => /could not be separated/.test(note)));
  });

  it('keeps entries from other tools as comments and counts entries without created_by', () => {
    const { text, instructionCount, notes } = reconstructDockerfile(
      [made('ko publish ./cmd/app'), { created: '2024-01-01T00:00:00Z' }, meta('USER 65532')],
      { source: 'x' },
    );
    assert.match(text, /\n# Not a Dockerfile instruction \(made a layer\): ko publish \.\/cmd\/app\n/);
    assert.equal(instructionCount, 1);
    assert.ok(notes.some((note) => /1 history entry has no created_by/.test(note)));
  });
});

describe('analysis: comparing images', () => {
  const baseConfig: ImageConfig = {
    os: 'linux',
    architecture: 'amd64',
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
    history: [made('/bin/sh -c #(nop) ADD file:abc in / '), meta('/bin/sh -c #(nop)  CMD ["/bin/sh"]')],
  };
  const appConfig: ImageConfig = {
    os: 'linux',
    architecture: 'amd64',
    config: {
      User: 'app',
      WorkingDir: '/app',
      Env: ['PATH=/usr/bin:/bin', 'APP_HOME=/app'],
      Entrypoint: ['/app/app.sh'],
      Cmd: ['serve'],
      ExposedPorts: { '8080/tcp': {}, '443/tcp': {} },
      Labels: { 'org.opencontainers.image.version': '1.0' },
    },
    history: [...baseConfig.history!, made('COPY app.sh /app/app.sh # buildkit', true), made('RUN /bin/sh -c make # buildkit', true)],
  };
  const base: ImageFacts = { layers: [layer(1, 1000)], config: baseConfig };
  const app: ImageFacts = { layers: [layer(1, 1000), layer(2, 30), layer(3, 500)], config: appConfig };

  it('finds the shared base layer, the app\'s own layers with their instructions, and the size delta', () => {
    const comparison = compareImages(base, app);
    assert.deepEqual(comparison.sharedLayers, { count: 1, size: 1000 });
    assert.equal(comparison.commonPrefix, 1);
    assert.deepEqual(comparison.onlyInA, []);
    assert.deepEqual(comparison.onlyInB, [
      { index: 1, digest: digestOf(2), size: 30, instruction: 'COPY app.sh /app/app.sh' },
      { index: 2, digest: digestOf(3), size: 500, instruction: 'RUN make' },
    ]);
    assert.equal(comparison.sizeA, 1000);
    assert.equal(comparison.sizeB, 1530);
    assert.equal(comparison.sizeDelta, 530);
  });

  it('is symmetric: swapping the images swaps the sides and the sign', () => {
    const comparison = compareImages(app, base);
    assert.equal(comparison.onlyInA.length, 2);
    assert.equal(comparison.sizeDelta, -530);
  });

  it('lists config differences by field, per variable and per label', () => {
    assert.deepEqual(configDifferences(baseConfig, appConfig), [
      { field: 'user', a: null, b: 'app' },
      { field: 'workdir', a: null, b: '/app' },
      { field: 'entrypoint', a: null, b: '["/app/app.sh"]' },
      { field: 'cmd', a: '["/bin/sh"]', b: '["serve"]' },
      { field: 'exposed_ports', a: null, b: '443/tcp 8080/tcp' },
      { field: 'env', key: 'APP_HOME', a: null, b: '/app' },
      { field: 'labels', key: 'org.opencontainers.image.version', a: null, b: '1.0' },
    ]);
  });

  it('reports os/architecture/variant differences and nothing for identical configs', () => {
    assert.deepEqual(configDifferences(buildkitConfig, buildkitConfig), []);
    const arm = { ...ubuntuConfig };
    const amd = { ...ubuntuConfig, architecture: 'amd64', variant: undefined };
    assert.deepEqual(configDifferences(amd, arm), [
      { field: 'architecture', a: 'amd64', b: 'arm64' },
      { field: 'variant', a: null, b: 'v8' },
    ]);
  });

  it('unrelated images share nothing and a repeated layer is counted once', () => {
    const other: ImageFacts = { layers: [layer(9, 70), layer(9, 70)], config: {} };
    const comparison = compareImages(base, other);
    assert.deepEqual(comparison.sharedLayers, { count: 0, size: 0 });
    assert.equal(comparison.commonPrefix, 0);
    assert.equal(comparison.sizeB, 70);
    assert.equal(comparison.onlyInB.length, 1);
  });
});

describe('analysis: pull size', () => {
  const httpdTotal = 51354364 + 150 + 11739507 + 8841833 + 291;

  it('with nothing held, downloads every httpd layer', () => {
    const estimate = estimatePull(httpdManifest.layers, []);
    assert.deepEqual(estimate.download, { count: 5, size: httpdTotal });
    assert.deepEqual(estimate.held, { count: 0, size: 0 });
    assert.equal(estimate.layersToDownload.length, 5);
  });

  it('layers already held are not downloaded again; held digests the image lacks change nothing', () => {
    const held = [httpdManifest.layers[0].digest, httpdManifest.layers[2].digest, digestOf(42)];
    const estimate = estimatePull(httpdManifest.layers, held);
    assert.deepEqual(estimate.held, { count: 2, size: 51354364 + 11739507 });
    assert.deepEqual(estimate.download, { count: 3, size: 150 + 8841833 + 291 });
    assert.deepEqual(
      estimate.layersToDownload.map((l) => l.index),
      [1, 3, 4],
    );
  });

  it('a layer the manifest lists twice is downloaded once', () => {
    const estimate = estimatePull([layer(1, 10), layer(2, 20), layer(1, 10)], []);
    assert.equal(estimate.layerCount, 3);
    assert.equal(estimate.distinctLayers, 2);
    assert.deepEqual(estimate.download, { count: 2, size: 30 });
  });
});

describe('analysis: base image detection', () => {
  it('reads the base from the OCI base labels', () => {
    const config: ImageConfig = {
      config: { Labels: { 'org.opencontainers.image.base.name': 'docker.io/library/alpine:3.20', 'org.opencontainers.image.base.digest': digestOf(5) } },
    };
    assert.deepEqual(baseFromLabels(config), { name: 'docker.io/library/alpine:3.20', digest: digestOf(5) });
  });

  it('has no labelled base when the labels are absent (ubuntu\'s own labels do not count)', () => {
    assert.equal(baseFromLabels(ubuntuConfig), undefined);
    assert.equal(baseFromLabels({ config: { Labels: null } }), undefined);
  });

  it('keeps a lone digest label', () => {
    assert.deepEqual(baseFromLabels({ config: { Labels: { 'org.opencontainers.image.base.digest': digestOf(5) } } }), { digest: digestOf(5) });
  });

  it('matches a candidate whose layers are the bottom of the image', () => {
    const image = [digestOf(1), digestOf(2), digestOf(3)];
    assert.deepEqual(matchBaseByLayers(image, [digestOf(1)]), { match: 'full', sharedLayers: 1, candidateLayers: 1, imageLayers: 3 });
    assert.equal(matchBaseByLayers(image, [digestOf(1), digestOf(9)]).match, 'partial');
    assert.equal(matchBaseByLayers(image, [digestOf(2)]).match, 'none');
    assert.equal(matchBaseByLayers(image, []).match, 'none');
    assert.equal(matchBaseByLayers([digestOf(1)], [digestOf(1), digestOf(2)]).match, 'partial');
  });

  it('counts the base\'s history entries when they start the image\'s history, timestamps aside', () => {
    const baseHistory = [
      { ...made('/bin/sh -c #(nop) ADD file:abc in / '), created: '2024-01-01T00:00:00Z' },
      meta('/bin/sh -c #(nop)  CMD ["/bin/sh"]'),
    ];
    const imageHistory = [
      { ...made('/bin/sh -c #(nop) ADD file:abc in / '), created: '1970-01-01T00:00:00Z' },
      meta('/bin/sh -c #(nop)  CMD ["/bin/sh"]'),
      meta('USER app'),
    ];
    assert.equal(baseHistoryLength(imageHistory, baseHistory), 2);
    assert.equal(baseHistoryLength(imageHistory, [made('/bin/sh -c #(nop) ADD file:other in / ')]), undefined);
    assert.equal(baseHistoryLength(baseHistory, imageHistory), undefined);
    assert.equal(baseHistoryLength(imageHistory, []), undefined);
  });
});
