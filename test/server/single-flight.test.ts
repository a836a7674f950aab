import { strict as assert } from 'node:assert';
import { CancelledError } from '../../server/src/net/errors';
import { SingleFlight } from '../../server/src/net/singleFlight';

/** Work that reports progress when told to and ends when told to (or fails once its signal is aborted). */
function controllableWork() {
  let report: (update: number) => void = () => undefined;
  let finish: (value: string) => void = () => undefined;
  let started = 0;
  let workSignal: AbortSignal | undefined;
  const work = (signal: AbortSignal, progress: (update: number) => void) => {
    started++;
    workSignal = signal;
    report = progress;
    return new Promise<string>((resolve, reject) => {
      finish = resolve;
      signal.addEventListener('abort', () => reject(new CancelledError()), { once: true });
    });
  };
  return {
    work,
    report: (update: number) => report(update),
    finish: (value: string) => finish(value),
    started: () => started,
    signal: () => workSignal,
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SingleFlight', () => {
  it('runs identical work once and gives every caller its value', async () => {
    const flights = new SingleFlight<string, number>();
    const job = controllableWork();
    const first = flights.run('k', job.work);
    const second = flights.run('k', job.work);
    await tick();
    job.finish('value');
    assert.deepEqual(await Promise.all([first, second]), ['value', 'value']);
    assert.equal(job.started(), 1);
    assert.equal(flights.size, 0, 'the key is free once the work has ended');
  });

  it("reports the work's progress to every caller still waiting, not to one that gave up", async () => {
    const flights = new SingleFlight<string, number>();
    const job = controllableWork();
    const heardByStarter: number[] = [];
    const heardByJoiner: number[] = [];
    const starter = new AbortController();
    const first = flights.run('k', job.work, starter.signal, (bytes) => heardByStarter.push(bytes));
    const second = flights.run('k', job.work, new AbortController().signal, (bytes) => heardByJoiner.push(bytes));
    await tick();
    job.report(10);
    starter.abort();
    await assert.rejects(first, CancelledError);
    job.report(20);
    job.finish('value');
    assert.equal(await second, 'value');
    assert.deepEqual(heardByStarter, [10]);
    assert.deepEqual(heardByJoiner, [10, 20]);
  });

  it('aborts the work only when the last caller gives up; that caller gets the work’s own error', async () => {
    const flights = new SingleFlight<string, number>();
    const job = controllableWork();
    const callers = [new AbortController(), new AbortController()];
    const answers = callers.map((caller) => flights.run('k', job.work, caller.signal));
    await tick();
    callers[0].abort();
    await assert.rejects(answers[0], CancelledError);
    assert.equal(job.signal()!.aborted, false, 'one caller leaving does not stop the work');
    callers[1].abort();
    await assert.rejects(answers[1], CancelledError);
    assert.equal(job.signal()!.aborted, true);
    assert.equal(flights.size, 0);
  });

  describe('batch', () => {
    it('gives the work every part asked for before it took them, once each, and every caller its answer', async () => {
      const batches = new SingleFlight<string, never, string>();
      const taken: Array<readonly string[]> = [];
      const work = async (_signal: AbortSignal, take: () => readonly string[]) => {
        await tick();
        const parts = take();
        taken.push([...parts]);
        return parts.join(',');
      };
      const answers = await Promise.all([batches.batch('k', 'a', work), batches.batch('k', 'b', work), batches.batch('k', 'a', work)]);
      assert.deepEqual(taken, [['a', 'b']]);
      assert.deepEqual(answers, ['a,b', 'a,b', 'a,b']);
      assert.equal(batches.size, 0);
    });

    it('starts the next batch for a caller who comes after the parts were taken, while the first still runs', async () => {
      const batches = new SingleFlight<string, never, string>();
      const taken: Array<readonly string[]> = [];
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const work = async (_signal: AbortSignal, take: () => readonly string[]) => {
        const parts = [...take()];
        taken.push(parts);
        if (parts.includes('a')) await held;
        return parts.join(',');
      };
      const first = batches.batch('k', 'a', work);
      await tick();
      const second = batches.batch('k', 'b', work);
      assert.equal(await second, 'b');
      release();
      assert.equal(await first, 'a');
      assert.deepEqual(taken, [['a'], ['b']]);
    });

    it('keeps the work running for the others when one caller gives up; aborts it when the last one does', async () => {
      const batches = new SingleFlight<string, never, string>();
      let workSignal: AbortSignal | undefined;
      const work = (signal: AbortSignal) => {
        workSignal = signal;
        return new Promise<string>((_resolve, reject) => signal.addEventListener('abort', () => reject(new CancelledError()), { once: true }));
      };
      const one = new AbortController();
      const two = new AbortController();
      const first = batches.batch('k', 'a', work, one.signal);
      const second = batches.batch('k', 'b', work, two.signal);
      await tick();
      one.abort();
      await assert.rejects(first, CancelledError);
      assert.equal(workSignal?.aborted, false, 'the other caller still waits');
      two.abort();
      await assert.rejects(second);
      assert.equal(workSignal?.aborted, true);
    });
  });
});
