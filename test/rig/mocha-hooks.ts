import { startRig, type Rig } from './index';

/*
 * Root hooks for test/server: one rig per mocha run. Before every test the rig's controls go back to their defaults
 * (rate limit, token lifetime, token server up, no faults or delay, base image restored) and its counts are cleared,
 * so a control a test sets never leaks into the next one. Set controls inside the test or its beforeEach, not in a
 * `before` hook, which runs before this reset.
 */

let current: Rig | undefined;

export function rig(): Rig {
  if (!current) throw new Error('The test rig is not running: run mocha with --config test/server/.mocharc.json');
  return current;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    current = await startRig();
  },
  async beforeEach() {
    await current?.reset();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(20_000);
    await current?.stop();
    current = undefined;
  },
};
