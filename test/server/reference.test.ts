import assert from 'node:assert/strict';
import { DockerMcpError } from '../../server/src/errors';
import { familiarRepository, parseReference, referenceProblem, withDigest } from '../../server/src/registry/reference';

/*
 * Cases from Docker's distribution/reference (reference_test.go TestReferenceParse, normalize_test.go). Docker's
 * `Parse` cases are read through ParseNormalizedNamed, which is what `docker pull` uses: the canonical form gains
 * docker.io/library/ where Docker's normalisation adds it, and a name alone gains :latest (TagNameOnly).
 */
const F64 = 'f'.repeat(64);

function problem(text: string): string {
  const found = referenceProblem(text);
  assert.ok(found, `expected ${JSON.stringify(text)} to be refused`);
  return found.replace(/^is not a valid image reference: /, '');
}

describe('image references (Docker distribution/reference grammar)', () => {
  describe('TestReferenceParse cases', () => {
    const valid: Array<[string, string, string, string?, string?]> = [
      // input, registry, repository, tag, digest
      ['test_com', 'docker.io', 'library/test_com', 'latest'],
      ['test.com:tag', 'docker.io', 'library/test.com', 'tag'],
      ['test.com:5000', 'docker.io', 'library/test.com', '5000'],
      ['test.com/repo:tag', 'test.com', 'repo', 'tag'],
      ['test:5000/repo', 'test:5000', 'repo', 'latest'],
      ['test:5000/repo:tag', 'test:5000', 'repo', 'tag'],
      [`test:5000/repo@sha256:${F64}`, 'test:5000', 'repo', undefined, `sha256:${F64}`],
      [`test:5000/repo:tag@sha256:${F64}`, 'test:5000', 'repo', 'tag', `sha256:${F64}`],
      ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase'],
      ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com', 'bar/baz/quux', 'latest'],
      ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag'],
      ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com'],
      ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com'],
      [
        `xn--7o8h.com/myimage:xn--7o8h.com@sha512:${'f'.repeat(128)}`,
        'xn--7o8h.com',
        'myimage',
        'xn--7o8h.com',
        `sha512:${'f'.repeat(128)}`,
      ],
      ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080'],
      ['foo/foo_bar.com:8080', 'docker.io', 'foo/foo_bar.com', '8080'],
      ['192.168.1.1', 'docker.io', 'library/192.168.1.1', 'latest'],
      ['192.168.1.1:tag', 'docker.io', 'library/192.168.1.1', 'tag'],
      ['192.168.1.1:5000', 'docker.io', 'library/192.168.1.1', '5000'],
      ['192.168.1.1/repo', '192.168.1.1', 'repo', 'latest'],
      ['192.168.1.1:5000/repo', '192.168.1.1:5000', 'repo', 'latest'],
      ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050'],
      ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo', 'latest'],
      ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag'],
      ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000', 'repo', 'latest'],
      ['[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000', 'repo', 'tag'],
      [`[2001:db8::1]:5000/repo@sha256:${F64}`, '[2001:db8::1]:5000', 'repo', undefined, `sha256:${F64}`],
      [`[2001:db8::1]:5000/repo:tag@sha256:${F64}`, '[2001:db8::1]:5000', 'repo', 'tag', `sha256:${F64}`],
      ['[2001:db8::]:5000/repo', '[2001:db8::]:5000', 'repo', 'latest'],
      ['[::1]:5000/repo', '[::1]:5000', 'repo', 'latest'],
      [`${'a/'.repeat(127)}a:tag-puts-this-over-max`, 'docker.io', `${'a/'.repeat(127)}a`, 'tag-puts-this-over-max'],
    ];
    for (const [input, registry, repository, tag, digest] of valid) {
      it(`parses ${input.length > 60 ? `${input.slice(0, 57)}…` : input}`, () => {
        const parsed = parseReference(input);
        assert.equal(parsed.registry, registry);
        assert.equal(parsed.repository, repository);
        assert.equal(parsed.tag, tag);
        assert.equal(parsed.digest, digest);
        assert.equal(parsed.canonical, `${registry}/${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`);
      });
    }

    const invalid: Array<[string, string]> = [
      ['', 'repository name must have at least one component'],
      [':justtag', 'invalid reference format'],
      [`@sha256:${F64}`, 'invalid reference format'],
      ['repo@sha256:ffffffffffffffffffffffffffffffffff', 'invalid checksum digest length'],
      [`validname@invaliddigest:${F64}`, 'unsupported digest algorithm'],
      ['Uppercase:tag', 'invalid reference format: repository name (library/Uppercase) must be lowercase'],
      ['test:5000/Uppercase/lowercase:tag', 'invalid reference format: repository name (Uppercase/lowercase) must be lowercase'],
      [`${'a/'.repeat(128)}a:tag`, 'repository name must not be more than 255 characters'],
      ['aa/asdf$$^/aa', 'invalid reference format'],
      ['[2001:db8::1]', 'invalid reference format'],
      ['[2001:db8::1]:5000', 'invalid reference format'],
      ['[2001:db8::1]:tag', 'invalid reference format'],
      ['[fe80::1%eth0]:5000/repo', 'invalid reference format'],
      ['[fe80::1%@invalidzone]:5000/repo', 'invalid reference format'],
    ];
    for (const [input, reason] of invalid) {
      it(`refuses ${JSON.stringify(input.length > 40 ? `${input.slice(0, 37)}…` : input)} with "${reason}"`, () => {
        assert.equal(problem(input), reason);
      });
    }
  });

  describe('normalize_test.go', () => {
    it('accepts every name of TestValidateReferenceName and TestValidateRemoteName', () => {
      for (const name of [
        'docker/docker',
        'library/debian',
        'debian',
        'docker.io/docker/docker',
        'docker.io/library/debian',
        'docker.io/debian',
        'index.docker.io/docker/docker',
        'index.docker.io/library/debian',
        'index.docker.io/debian',
        '127.0.0.1:5000/docker/docker',
        '127.0.0.1:5000/library/debian',
        '127.0.0.1:5000/debian',
        '192.168.0.1',
        '192.168.0.1:80',
        '192.168.0.1:8/debian',
        '192.168.0.2:25000/debian',
        'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
        '[fc00::1]:5000/docker',
        '[fc00::1]:5000/docker/docker',
        '[fc00:1:2:3:4:5:6:7]:5000/library/debian',
        'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
        'Docker/docker',
        'DOCKER/docker',
        'docker-rules/docker',
        'docker---rules/docker',
        'doc/docker',
        'd/docker',
        'jess/t',
        'dock__er/docker',
      ]) {
        assert.equal(referenceProblem(name), undefined, name);
      }
    });

    it('refuses every name of TestValidateReferenceName and TestValidateRemoteName', () => {
      for (const name of [
        'https://github.com/docker/docker',
        'docker/Docker',
        '-docker',
        '-docker/docker',
        '-docker.io/docker/docker',
        'docker///docker',
        'docker.io/docker/Docker',
        'docker.io/docker///docker',
        '[fc00::1]',
        '[fc00::1]:5000',
        'fc00::1:5000/debian',
        '[fe80::1%eth0]:5000/debian',
        '[2001:db8:3:4::192.0.2.33]:5000/debian',
        '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
        'docker-/docker',
        '-docker-/docker',
        '____/____',
        '_docker/_docker',
        'dock..er/docker',
        'dock_.er/docker',
        'dock-.er/docker',
        'docker/',
        `${Array(4).fill('this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255').join('_')}/docker`,
      ]) {
        assert.ok(referenceProblem(name), name);
      }
      const longNamespace = `${Array(4).fill('this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255').join('_')}/docker`;
      assert.equal(problem(longNamespace), 'repository name must not be more than 255 characters');
    });

    it('refuses a 64-hex identifier with Docker\'s reason', () => {
      const id = '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a';
      assert.equal(problem(id), `invalid repository name (${id}), cannot specify 64-byte hexadecimal strings`);
    });

    it('gives the familiar, full and remote names of TestParseRepositoryInfo', () => {
      const cases: Array<{ remote: string; familiar: string; full: string; ambiguous?: string; domain: string }> = [
        { remote: 'fooo/bar', familiar: 'fooo/bar', full: 'docker.io/fooo/bar', ambiguous: 'index.docker.io/fooo/bar', domain: 'docker.io' },
        { remote: 'library/ubuntu', familiar: 'ubuntu', full: 'docker.io/library/ubuntu', ambiguous: 'library/ubuntu', domain: 'docker.io' },
        { remote: 'nonlibrary/ubuntu', familiar: 'nonlibrary/ubuntu', full: 'docker.io/nonlibrary/ubuntu', domain: 'docker.io' },
        { remote: 'other/library', familiar: 'other/library', full: 'docker.io/other/library', domain: 'docker.io' },
        { remote: 'private/moonbase', familiar: '127.0.0.1:8000/private/moonbase', full: '127.0.0.1:8000/private/moonbase', domain: '127.0.0.1:8000' },
        { remote: 'privatebase', familiar: '127.0.0.1:8000/privatebase', full: '127.0.0.1:8000/privatebase', domain: '127.0.0.1:8000' },
        { remote: 'private/moonbase', familiar: 'example.com/private/moonbase', full: 'example.com/private/moonbase', domain: 'example.com' },
        { remote: 'privatebase', familiar: 'example.com/privatebase', full: 'example.com/privatebase', domain: 'example.com' },
        { remote: 'private/moonbase', familiar: 'example.com:8000/private/moonbase', full: 'example.com:8000/private/moonbase', domain: 'example.com:8000' },
        { remote: 'privatebasee', familiar: 'example.com:8000/privatebasee', full: 'example.com:8000/privatebasee', domain: 'example.com:8000' },
        { remote: 'library/ubuntu-12.04-base', familiar: 'ubuntu-12.04-base', full: 'docker.io/library/ubuntu-12.04-base', ambiguous: 'index.docker.io/library/ubuntu-12.04-base', domain: 'docker.io' },
        { remote: 'library/foo', familiar: 'foo', full: 'docker.io/library/foo', ambiguous: 'docker.io/foo', domain: 'docker.io' },
        { remote: 'library/foo/bar', familiar: 'library/foo/bar', full: 'docker.io/library/foo/bar', domain: 'docker.io' },
        { remote: 'store/foo/bar', familiar: 'store/foo/bar', full: 'docker.io/store/foo/bar', domain: 'docker.io' },
        { remote: 'bar', familiar: 'Foo/bar', full: 'Foo/bar', domain: 'Foo' },
        { remote: 'bar', familiar: 'FOO/bar', full: 'FOO/bar', domain: 'FOO' },
      ];
      for (const c of cases) {
        for (const input of [c.familiar, c.full, ...(c.ambiguous ? [c.ambiguous] : [])]) {
          const parsed = parseReference(input);
          assert.equal(familiarRepository(parsed), c.familiar, input);
          assert.equal(parsed.canonical, `${c.full}:latest`, input);
          assert.equal(parsed.registry, c.domain, input);
          assert.equal(parsed.repository, c.remote, input);
          assert.equal(parsed.familiar, `${c.familiar}:latest`, input);
        }
      }
    });

    it('keeps both tag and digest, as TestParseReferenceWithTagAndDigest', () => {
      const short = 'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
      const parsed = parseReference(short);
      assert.equal(parsed.canonical, `docker.io/library/${short}`);
      assert.equal(parsed.familiar, short);
      assert.equal(parsed.tag, 'latest');
      assert.equal(parsed.digest, 'sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa');
    });

    it('normalises like TestParseAnyReference and TestNormalizedSplitHostname', () => {
      const digest = 'sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c';
      const cases: Array<[string, string]> = [
        ['redis', 'docker.io/library/redis:latest'],
        ['redis:latest', 'docker.io/library/redis:latest'],
        ['docker.io/library/redis:latest', 'docker.io/library/redis:latest'],
        [`redis@${digest}`, `docker.io/library/redis@${digest}`],
        [`docker.io/library/redis@${digest}`, `docker.io/library/redis@${digest}`],
        ['dmcgowan/myapp', 'docker.io/dmcgowan/myapp:latest'],
        ['dmcgowan/myapp:latest', 'docker.io/dmcgowan/myapp:latest'],
        ['docker.io/mcgowan/myapp:latest', 'docker.io/mcgowan/myapp:latest'],
        [`dmcgowan/myapp@${digest}`, `docker.io/dmcgowan/myapp@${digest}`],
        ['dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9', 'docker.io/library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9:latest'],
        ['dbcc1', 'docker.io/library/dbcc1:latest'],
        ['test.com/foo', 'test.com/foo:latest'],
        ['test_com/foo', 'docker.io/test_com/foo:latest'],
        ['docker/migrator', 'docker.io/docker/migrator:latest'],
        ['test.com:8080/foo', 'test.com:8080/foo:latest'],
        ['test-com:8080/foo', 'test-com:8080/foo:latest'],
        ['foo', 'docker.io/library/foo:latest'],
        ['xn--n3h.com/foo', 'xn--n3h.com/foo:latest'],
        ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080/foo:latest'],
        ['docker.io/foo', 'docker.io/library/foo:latest'],
        ['docker.io/library/foo', 'docker.io/library/foo:latest'],
        ['docker.io/library/foo/bar', 'docker.io/library/foo/bar:latest'],
      ];
      for (const [input, canonical] of cases) assert.equal(parseReference(input).canonical, canonical, input);
    });
  });

  describe('beyond Docker', () => {
    it('folds registry-1.docker.io into docker.io, as index.docker.io', () => {
      assert.equal(parseReference('registry-1.docker.io/nginx:1.27').canonical, 'docker.io/library/nginx:1.27');
      assert.equal(parseReference('index.docker.io/bitnami/redis').familiar, 'bitnami/redis:latest');
    });

    it('treats localhost with a port as a registry and keeps familiar names short', () => {
      const local = parseReference('localhost:5000/app:1');
      assert.equal(local.registry, 'localhost:5000');
      assert.equal(local.familiar, 'localhost:5000/app:1');
      assert.equal(parseReference('localhost/app').registry, 'localhost');
      assert.equal(parseReference('nginx').familiar, 'nginx:latest');
      assert.equal(parseReference('ghcr.io/owner/app:1').familiar, 'ghcr.io/owner/app:1');
    });

    it('refuses an uppercase hex digest, as go-digest does', () => {
      assert.equal(problem(`nginx@sha256:${'F'.repeat(64)}`), 'invalid checksum digest format');
    });

    it('refuses a tag longer than 128 characters', () => {
      assert.equal(referenceProblem(`nginx:${'a'.repeat(128)}`), undefined);
      assert.equal(problem(`nginx:${'a'.repeat(129)}`), 'invalid reference format');
    });

    it('throws INVALID_INPUT naming the argument', () => {
      assert.throws(
        () => parseReference('Nginx', 'image_a'),
        (err: unknown) =>
          err instanceof DockerMcpError &&
          err.code === 'INVALID_INPUT' &&
          err.message === 'argument "image_a" is not a valid image reference: invalid reference format: repository name (library/Nginx) must be lowercase',
      );
    });

    it('pins a reference to a digest without losing its tag', () => {
      const pinned = withDigest(parseReference('nginx:1.27'), `sha256:${F64}`);
      assert.equal(pinned.canonical, `docker.io/library/nginx:1.27@sha256:${F64}`);
      assert.equal(pinned.familiar, `nginx:1.27@sha256:${F64}`);
    });
  });
});
