import { strict as assert } from 'node:assert';
import { timeAgo } from '../../../server/src/contract';
import { DEFAULT_CHECK_SETTINGS, findingsFor, hintLabel, moveFix, staleNote, type SiteFacts } from '../../../extension/src/editor/checks';
import { escapeMarkdown, hoverMarkdown, registryPage } from '../../../extension/src/editor/hoverText';
import { closestName, FactCache, listedTags, listingFilter, referenceParts, type Fact, type ReferenceParts, type TagFacts } from '../../../extension/src/editor/imageFacts';
import type { ImageSite } from '../../../extension/src/editor/imageSites';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const OLD = `sha256:${'1'.repeat(64)}`;
const CURRENT = `sha256:${'2'.repeat(64)}`;
const MINUTE = 60_000;

function site(reference: string, extra: Partial<ImageSite> = {}): ImageSite {
  return { reference, start: 5, end: 5 + reference.length, editable: true, ...extra };
}

function parts(reference: string): ReferenceParts {
  const result = referenceParts(reference);
  assert.ok(!('problem' in result), `${reference} parses`);
  return result;
}

const tagFacts: TagFacts = {
  digest: CURRENT,
  pushed: '2026-11-28T12:00:00Z',
  platforms: [
    { platform: 'linux/amd64', size: 50 * 1024 * 1024 },
    { platform: 'linux/arm64/v8', size: 48 * 1024 * 1024 },
  ],
  source: 'hub',
};
const fresh = <T>(value: T): Fact<T> => ({ ok: true, value, fetchedAt: NOW - MINUTE });

describe('editor: what is said about a reference', () => {
  it('a pin its tag moved away from: warning with the update fix keeping the tag and the way the name was written', () => {
    const reference = `docker.io/library/node:20@${OLD}`;
    const findings = findingsFor(site(reference), { parts: parts(reference), tag: fresh(tagFacts) }, DEFAULT_CHECK_SETTINGS, NOW);
    assert.equal(findings.length, 1);
    assert.equal(findings[0].check, 'movedPin');
    assert.equal(findings[0].level, 'warning');
    assert.equal(findings[0].message, 'node:20 has moved since this pin: it now points to sha256:222222222222…, pushed 3 days ago.');
    assert.deepEqual(findings[0].fix, { title: "Update the pinned digest to node:20's current one", newText: `docker.io/library/node:20@${CURRENT}` });
  });

  it('a pin that still matches says nothing; not pinned is off by default and a hint when turned on', () => {
    assert.deepEqual(findingsFor(site(`node:20@${CURRENT}`), { parts: parts(`node:20@${CURRENT}`), tag: fresh(tagFacts) }, DEFAULT_CHECK_SETTINGS, NOW), []);
    const facts: SiteFacts = { parts: parts('node:20'), tag: fresh(tagFacts) };
    assert.deepEqual(findingsFor(site('node:20'), facts, DEFAULT_CHECK_SETTINGS, NOW), []);
    const [finding] = findingsFor(site('node:20'), facts, { ...DEFAULT_CHECK_SETTINGS, notPinned: 'hint' }, NOW);
    assert.equal(finding.level, 'hint');
    assert.equal(finding.fix?.newText, `node:20@${CURRENT}`);
  });

  it('a newer version in the line: information with the move fix; a pinned one moves with a new pin', () => {
    const facts: SiteFacts = { parts: parts('nginx:1.27.1-alpine'), tag: fresh(tagFacts), newer: fresh('1.27.4-alpine') };
    const [finding] = findingsFor(site('nginx:1.27.1-alpine'), facts, DEFAULT_CHECK_SETTINGS, NOW);
    assert.equal(finding.message, '1.27.4-alpine is newer than 1.27.1-alpine in the same line.');
    assert.deepEqual(finding.fix, { title: 'Move to nginx:1.27.4-alpine', newText: 'nginx:1.27.4-alpine' });
    assert.deepEqual(moveFix(site(`localhost:5000/web:1.27.1@${OLD}`), '1.27.4', CURRENT), { title: 'Move to 1.27.4 (pinned)', newText: `localhost:5000/web:1.27.4@${CURRENT}` });
  });

  it('an unknown tag or repository is an error in words (the close tag as a fix); a bad reference too; off says nothing', () => {
    const notFound = { ok: false as const, error: { code: 'NOT_FOUND' as const, message: 'tag "lastest" … set DOCKERHUB_USERNAME and DOCKERHUB_TOKEN.' }, fetchedAt: NOW };
    const missing: SiteFacts = { parts: parts('nginx:lastest'), tag: notFound, missing: fresh({ missing: 'tag' as const, closeMatch: 'latest' }) };
    const [finding] = findingsFor(site('nginx:lastest'), missing, DEFAULT_CHECK_SETTINGS, NOW);
    assert.deepEqual([finding.check, finding.level, finding.message], ['unknownImage', 'error', 'nginx has no tag lastest; did you mean latest?']);
    assert.deepEqual(finding.fix, { title: 'Change to nginx:latest', newText: 'nginx:latest' });
    const noRepository: SiteFacts = { parts: parts('ngnix:1'), tag: notFound, missing: fresh({ missing: 'repository' as const, closeMatch: null }) };
    assert.deepEqual(findingsFor(site('ngnix:1'), noRepository, DEFAULT_CHECK_SETTINGS, NOW).map((f) => f.message), ['ngnix was not found on Docker Hub.']);
    assert.deepEqual(findingsFor(site('ghcr.io/o/a:2'), { parts: parts('ghcr.io/o/a:2'), tag: notFound }, DEFAULT_CHECK_SETTINGS, NOW).map((f) => f.message), ['ghcr.io/o/a has no tag 2.']);
    const invalid = referenceParts('Nginx:1');
    assert.ok('problem' in invalid);
    assert.match(invalid.problem, /"Nginx:1" is not a valid image reference: .*must be lowercase/);
    assert.deepEqual(findingsFor(site('nginx:lastest'), missing, { ...DEFAULT_CHECK_SETTINGS, unknownImage: 'off' }, NOW), []);
    const moved = findingsFor(site(`node:20@${OLD}`, { editable: false }), { parts: parts(`node:20@${OLD}`), tag: fresh(tagFacts) }, DEFAULT_CHECK_SETTINGS, NOW);
    assert.equal(moved[0].fix, undefined);
  });

  it('offline or rate limited: the last known facts stay and say how old they are', () => {
    const stale: Fact<TagFacts> = { ok: true, value: tagFacts, fetchedAt: NOW - 12 * MINUTE, failedRefresh: { code: 'RATE_LIMITED', message: 'Docker Hub’s pull limit is reached; try again in 20 minutes.' } };
    const [finding] = findingsFor(site(`node:20@${OLD}`), { parts: parts(`node:20@${OLD}`), tag: stale }, DEFAULT_CHECK_SETTINGS, NOW);
    assert.match(finding.message, /has moved since this pin: .* \(as of 12 minutes ago; checking again failed: Docker Hub’s pull limit is reached; try again in 20 minutes\.\)\.$/);
  });

  it('facts under a second old are "a moment" old, never "now"', () => {
    const failedRefresh = { code: 'TIMEOUT' as const, message: 'Docker Hub did not answer in time.' };
    assert.equal(staleNote({ ok: true, value: 1, fetchedAt: NOW - 400, failedRefresh }, NOW), ' (as of a moment ago; checking again failed: Docker Hub did not answer in time.)');
    assert.equal(staleNote({ ok: true, value: 1, fetchedAt: NOW - 5000, failedRefresh }, NOW), ' (as of 5 seconds ago; checking again failed: Docker Hub did not answer in time.)');
    assert.equal(staleNote(fresh(1), NOW), '');
  });

  it('critical and high vulnerabilities are a warning; only lower ones say nothing', () => {
    const facts = (critical: number, high: number): SiteFacts => ({ parts: parts('node:20'), tag: fresh(tagFacts), vulnerabilities: fresh({ critical, high, medium: 4, low: 9, total: critical + high + 13 }) });
    assert.deepEqual(findingsFor(site('node:20'), facts(1, 3), DEFAULT_CHECK_SETTINGS, NOW).map((f) => f.message), ['node:20 has 1 critical and 3 high vulnerabilities (Docker Scout).']);
    assert.deepEqual(findingsFor(site('node:20'), facts(0, 0), DEFAULT_CHECK_SETTINGS, NOW), []);
  });

  it('the size hint names the file’s platform size and the push age', () => {
    assert.equal(hintLabel(tagFacts, 'linux/arm64', NOW), '48.0 MiB · pushed 3 days ago');
    assert.equal(hintLabel(tagFacts, undefined, NOW), '50.0 MiB · pushed 3 days ago');
    assert.equal(hintLabel({ ...tagFacts, pushed: null, platforms: [{ platform: 'linux/amd64', size: null }] }, undefined, NOW), undefined);
    assert.equal(timeAgo(NOW - 125 * MINUTE, NOW), '2 hours ago');
  });
});

describe('editor: the close match of a missing tag', () => {
  it('is the nearest name within a third of its length, never the name itself', () => {
    const tags = ['latest', '1.27.4', '1.27.4-alpine', 'stable'];
    assert.equal(closestName('lastest', tags), 'latest');
    assert.equal(closestName('1.27.4-alpin', tags), '1.27.4-alpine');
    assert.equal(closestName('nope', tags), undefined);
    assert.equal(closestName('latest', ['latest']), undefined);
  });
});

describe('editor: the hover', () => {
  it('shows the repository’s own words escaped and bounded, the index digest, the file’s platform first, and links', () => {
    const description = `Official build of [Node](javascript:alert(1)) <img src=x> ${'long '.repeat(60)}`;
    const markdown = hoverMarkdown(
      { parts: parts('node:20'), platform: 'linux/arm64', tag: fresh(tagFacts), description: fresh(description), signedIn: false },
      NOW,
    );
    assert.match(markdown, /^\*\*node:20\*\*/);
    assert.ok(markdown.includes('The repository says: *“Official build of \\[Node\\]\\(javascript:alert\\(1\\)\\) \\<img src=x\\>'), markdown);
    assert.ok(markdown.includes('…”*'), 'a long description is cut');
    assert.ok(markdown.includes(`node:20 → \`${CURRENT}\` (index digest, the one to pin), pushed 3 days ago (2026-11-28)`), markdown);
    assert.ok(markdown.indexOf('linux/arm64/v8 (this file’s platform) | 48.0 MiB') < markdown.indexOf('linux/amd64 | 50.0 MiB'), markdown);
    assert.ok(markdown.includes('[sign in to Docker Hub](command:dockerhubMcp.setToken)'));
    assert.ok(markdown.includes('(command:dockerhubMcp.openExplorer?%5B%22node%3A20%22%5D)'));
    assert.ok(markdown.includes('[View on Docker Hub](https://hub.docker.com/_/node/tags?name=20)'));
  });

  it('links each registry to its own page', () => {
    assert.equal(registryPage(parts('bitnami/redis:7.2')), 'https://hub.docker.com/r/bitnami/redis/tags?name=7.2');
    assert.equal(registryPage(parts('ghcr.io/owner/tools/app:1')), 'https://github.com/owner/tools/app/pkgs/container/app');
    assert.equal(registryPage(parts('localhost:5000/app:1')), undefined);
    assert.equal(escapeMarkdown('a_b*c'), 'a\\_b\\*c');
  });
});

describe('editor: one tag listing per reference', () => {
  it('filters by a text the tag and the rest of its version line both contain', () => {
    assert.equal(listingFilter('1.27.1'), '1.27.');
    assert.equal(listingFilter('1.27.1-alpine'), '1.27.');
    assert.equal(listingFilter('3.12-slim'), '3.12', 'a floating tag lacks the line filter’s trailing dot');
    assert.equal(listingFilter('v2'), 'v2');
    assert.equal(listingFilter('latest'), 'latest');
    for (const tag of ['1.27.1', '3.12-slim', 'v2', '20', 'bookworm']) assert.ok(tag.includes(listingFilter(tag)), tag);
  });

  it('reads each row’s digest, platforms, size and push date, and the platform the sizes are of', () => {
    const listing = listedTags({
      platform: 'linux/arm64/v8',
      digests: [{ digest: CURRENT, platform_digest: null, full_size: 1234, platforms: ['linux/amd64', 'linux/arm64/v8'] }],
      tags: [
        { name: '1.27.4', digest_index: 0, tag_last_pushed: '2026-11-28T12:00:00Z' },
        { name: '1.27', digest_index: 0, tag_last_pushed: '2026-11-28T13:00:00Z' },
        { name: '1.27.1', digest_index: null, tag_last_pushed: null },
      ],
    });
    assert.deepEqual(listing, {
      platform: 'linux/arm64/v8',
      tags: [
        { name: '1.27.4', digest: CURRENT, platforms: ['linux/amd64', 'linux/arm64/v8'], size: 1234, pushed: '2026-11-28T12:00:00Z' },
        { name: '1.27', digest: CURRENT, platforms: ['linux/amd64', 'linux/arm64/v8'], size: 1234, pushed: '2026-11-28T13:00:00Z' },
        { name: '1.27.1', digest: null, platforms: [], size: null, pushed: null },
      ],
    });
    assert.deepEqual(listedTags(null), { platform: null, tags: [] });
  });
});

describe('editor: facts by reference', () => {
  function cache() {
    let now = NOW;
    const timing = { freshForMs: 10 * MINUTE, retryAfterMs: MINUTE, now: () => now };
    return { cache: new FactCache<string>(timing), advance: (ms: number) => (now += ms), now: () => now };
  }

  it('asks once for concurrent and repeated looks, and again once the facts are old', async () => {
    const { cache: facts, advance } = cache();
    let loads = 0;
    const load = async () => ({ ok: true as const, value: `answer ${++loads}` });
    const answers = await Promise.all(Array.from({ length: 30 }, () => facts.get('node:20', load)));
    assert.equal(loads, 1);
    assert.ok(answers.every((fact) => fact.ok && fact.value === 'answer 1'));
    advance(9 * MINUTE);
    await facts.get('node:20', load);
    assert.equal(loads, 1);
    advance(2 * MINUTE);
    const renewed = await facts.get('node:20', load);
    assert.equal(loads, 2);
    assert.ok(renewed.ok && renewed.value === 'answer 2');
  });

  it('a failed check keeps the last known value with the failure, and tries again only after a pause', async () => {
    const { cache: facts, advance } = cache();
    await facts.get('node:20', async () => ({ ok: true, value: 'known' }));
    advance(11 * MINUTE);
    let asked = 0;
    const offline = async () => {
      asked++;
      return { ok: false as const, error: { code: 'TIMEOUT' as const, message: 'Docker Hub did not answer in time; try again.' } };
    };
    const kept = await facts.get('node:20', offline);
    assert.ok(kept.ok && kept.value === 'known' && kept.failedRefresh?.code === 'TIMEOUT');
    assert.equal(kept.fetchedAt, NOW, 'the age is that of the facts, not of the failed check');
    await facts.get('node:20', offline);
    assert.equal(asked, 1, 'no second request within the pause');
    advance(MINUTE);
    const gone = await facts.get('node:20', async () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'tag 20 was deleted.' } }));
    assert.ok(!gone.ok && gone.error.code === 'NOT_FOUND', 'an answer about the image itself replaces the old facts');
  });

  it('expired facts are asked for again at the next look, and stay, with their age, when that fails', async () => {
    const { cache: facts, advance } = cache();
    await facts.get('node:20', async () => ({ ok: true, value: 'known' }));
    advance(MINUTE);
    facts.expire();
    assert.deepEqual(facts.peek('node:20'), { ok: true, value: 'known', fetchedAt: NOW }, 'known until asked again');
    let asked = 0;
    const kept = await facts.get('node:20', async () => {
      asked++;
      return { ok: false, error: { code: 'RATE_LIMITED', message: 'Docker Hub refused: rate limited.' } };
    });
    assert.equal(asked, 1, 'asked again although the facts were a minute old');
    assert.ok(kept.ok && kept.value === 'known' && kept.fetchedAt === NOW && kept.failedRefresh?.code === 'RATE_LIMITED');
    facts.expire();
    const renewed = await facts.get('node:20', async () => ({ ok: true, value: 'new' }));
    assert.ok(renewed.ok && renewed.value === 'new' && !renewed.failedRefresh);
  });
});
