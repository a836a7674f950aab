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
});
