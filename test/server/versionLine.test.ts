import { strict as assert } from 'node:assert';
import { newerInLine, versionLineFilter } from '../../server/src/analysis/versionLine';

const TAGS = ['latest', '1.27', '1.27.1', '1.27.2', '1.27.4', '1.27.3', '1.27.10-alpine', '1.27.4-alpine', '1.28.0', '1.27.5-rc1', '1.270.1', '3.12-slim', '3.12.8-slim', '3.12.10-slim', '3.12.9', '3.13.1-slim', '20', '20.11.1', '20.9.0', '20.11.1-slim', 'v2.1.0', 'v2.1.3', '2.1.5'];

describe('newer version in the same line', () => {
  const cases: Array<[string, string | undefined]> = [
    ['1.27.1', '1.27.4'],
    ['1.27.4', undefined],
    ['1.27.4-alpine', '1.27.10-alpine'],
    ['3.12-slim', '3.12.10-slim'],
    ['20', '20.11.1'],
    ['v2.1.0', 'v2.1.3'],
    ['latest', undefined],
    ['1.29.0', undefined],
  ];
  for (const [tag, expected] of cases) {
    it(`${tag} → ${expected ?? 'nothing newer'}`, () => assert.equal(newerInLine(tag, TAGS), expected));
  }

  it('gives the Hub name filter that lists the whole line, or nothing for a tag that is not a version', () => {
    assert.equal(versionLineFilter('1.27.1-alpine'), '1.27.');
    assert.equal(versionLineFilter('3.12-slim'), '3.12.');
    assert.equal(versionLineFilter('v2.1.0'), 'v2.1.');
    assert.equal(versionLineFilter('bookworm'), undefined);
  });
});
