import assert from 'node:assert/strict';
import type { ToolOutcome } from './inProcess';

/** Asserts the tool succeeded with structuredContent, and returns it. */
export function success(outcome: ToolOutcome): Record<string, any> {
  assert.equal(outcome.isError, false, outcome.text);
  assert.ok(outcome.structured, 'structuredContent is present');
  return outcome.structured;
}

/** Asserts the tool failed with the contract's error `code` (text `CODE: …`), and returns the text. */
export function failure(outcome: ToolOutcome, code: string): string {
  assert.equal(outcome.isError, true, `expected ${code}, got success: ${outcome.text.slice(0, 300)}`);
  assert.match(outcome.text, new RegExp(`^${code}: `));
  return outcome.text;
}
