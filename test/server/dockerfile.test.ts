import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// No Docker engine runs on these machines and hadolint is in neither Debian nor npm, so the Dockerfile is checked
// by reading it: the properties a reviewer would check by eye.
const ROOT = join(__dirname, '..', '..');

interface Instruction {
  keyword: string;
  args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  return joined
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const space = line.search(/\s/);
      return { keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim() };
    });
}

describe('Dockerfile (static checks)', () => {
  const instructions = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const stages: Instruction[][] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') stages.push([]);
    stages[stages.length - 1]?.push(ins);
  }
  const final = stages[stages.length - 1];

  it('is multi-stage on a slim Node base with a pinned major version', () => {
    assert.ok(stages.length >= 2);
    for (const stage of stages) assert.match(stage[0].args, /^node:\d+-[a-z]+-slim\b/);
  });

  it('runs as a non-root user in the final stage', () => {
    const users = final.filter((i) => i.keyword === 'USER');
    assert.ok(users.length > 0, 'USER in the final stage');
    assert.doesNotMatch(users[users.length - 1].args, /^(root|0)(:|$)/);
    const entry = final.findIndex((i) => i.keyword === 'ENTRYPOINT');
    assert.ok(final.findIndex((i) => i.keyword === 'USER') < entry);
  });

  it('puts no secret into a layer', () => {
    for (const ins of instructions) {
      if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
        assert.doesNotMatch(ins.args, /(TOKEN|SECRET|PASSWORD)\s*=/i, `${ins.keyword} ${ins.args}`);
      }
      assert.doesNotMatch(ins.args, /dckr_(pat|oat)_/);
      if (ins.keyword === 'COPY' || ins.keyword === 'ADD') assert.doesNotMatch(ins.args, /\.env\b|\.npmrc|id_rsa/);
    }
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    assert.equal(ignore[0], '**', '.dockerignore excludes everything not listed');
  });

  it('starts a file the build stage produces', () => {
    const entry = final.find((i) => i.keyword === 'ENTRYPOINT')!;
    const [, script] = JSON.parse(entry.args) as string[];
    const copy = final.find((i) => i.keyword === 'COPY' && i.args.endsWith(` ${script}`));
    assert.ok(copy, `a COPY puts ${script} into the image`);
    const [, from, source] = /^--from=(\S+)\s+(\S+)/.exec(copy!.args)!;
    const build = stages.find((s) => s[0].args.endsWith(` AS ${from}`) || s[0].args.endsWith(` as ${from}`))!;
    const workdir = build.find((i) => i.keyword === 'WORKDIR')!.args;
    const relative = source.slice(workdir.length + 1);
    assert.ok(build.some((i) => i.keyword === 'RUN' && /node esbuild\.mjs server/.test(i.args)), 'the build stage bundles the server');
    assert.match(readFileSync(join(ROOT, 'esbuild.mjs'), 'utf8'), new RegExp(`outfile: '${relative.replace(/\./g, '\\.')}'`));
    assert.ok(final.some((i) => i.keyword === 'COPY' && /package\.json \/app\/package\.json$/.test(i.args)), 'the ES module bundle has its package.json');
  });

  it('has a HEALTHCHECK whose script is copied from the build context', () => {
    const health = final.find((i) => i.keyword === 'HEALTHCHECK')!;
    assert.ok(health);
    const script = /"(\/app\/[^"]+\.mjs)"/.exec(health.args)![1];
    const copy = final.find((i) => i.keyword === 'COPY' && i.args.endsWith(` ${script}`))!;
    const source = copy.args.split(/\s+/)[0];
    assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
    assert.ok(readFileSync(join(ROOT, '.dockerignore'), 'utf8').includes(`!${source}`), `${source} is not ignored`);
  });

  it('copies only sources the .dockerignore lets through', () => {
    const allowed = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .map((l) => l.slice(1).replace(/\/\*\*$/, ''));
    for (const ins of instructions.filter((i) => i.keyword === 'COPY' && !i.args.startsWith('--from'))) {
      const sources = ins.args.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        assert.ok(allowed.some((a) => source === a || source.startsWith(`${a}/`)), `${source} passes .dockerignore`);
        assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
      }
    }
  });
});
