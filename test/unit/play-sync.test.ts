// Where hosts meet (engine/play-sync.ts): a meeting point waits for every host of the batch, or for those that
// can come; the first host of the batch decides for all; serial batches as Ansible cuts them, one after another.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PlaySync, serialBatches } from '../../engine/play-sync.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

test('serialBatches: a size, a percentage of the play\'s hosts (at least 1), a list whose last size repeats, none', () => {
  const h = ['a', 'b', 'c', 'd', 'e'];
  assert.equal(serialBatches(h, [2]), [['a', 'b'], ['c', 'd'], ['e']]);
  assert.equal(serialBatches(h, ['40%']), [['a', 'b'], ['c', 'd'], ['e']]);
  assert.equal(serialBatches(h, ['10%']), [['a'], ['b'], ['c'], ['d'], ['e']]);
  assert.equal(serialBatches(h, [1, '50%']), [['a'], ['b', 'c'], ['d', 'e']]);
  assert.equal(serialBatches(h, [1, 0]), [['a'], ['b', 'c', 'd', 'e']]);
  assert.equal(serialBatches(h, undefined), [h]);
});

test('meet: waits for every host; the first of the batch (not the first to come) decides, once, for all', async () => {
  const running = new Set(['a', 'b', 'c']);
  const s = new PlaySync(['a', 'b', 'c'], running);
  const decided: string[] = [];
  const at = (h: string) => s.meet('t#1', h, async () => { decided.push(h); return `by ${h}`; });
  const c = at('c');
  await tick();
  const b = at('b');
  await tick();
  assert.equal(decided, [], 'nobody decides before every host is there');
  const a = at('a');
  assert.equal(await Promise.all([a, b, c]), [{ value: 'by a', decider: 'a' }, { value: 'by a', decider: 'a' }, { value: 'by a', decider: 'a' }]);
  assert.equal(decided, ['a']);
});

test('meet: a host that left does not hold the others; one arriving after gets what was decided', async () => {
  const s = new PlaySync(['a', 'b', 'c'], new Set(['a', 'b', 'c']));
  s.leave('a', true);
  const b = s.meet('t#1', 'b', async () => 'b decided');
  await tick();
  const c = s.meet('t#1', 'c', async () => 'c decided');
  assert.equal((await Promise.all([b, c])).map((x) => x.value), ['b decided', 'b decided']);
  assert.equal((await s.meet('t#1', 'a', async () => 'late')).value, 'b decided');
});

test('meet: hosts waiting at different points (their paths differ) do not wait for each other forever', async () => {
  const s = new PlaySync(['a', 'b'], new Set(['a', 'b']));
  const a = s.meet('x#1', 'a', async () => 'x by a');
  const b = s.meet('y#1', 'b', async () => 'y by b');
  assert.is((await a).value, 'x by a', 'both wait, neither can come: the first point lets its hosts on');
  s.leave('a', false); // a goes on to the end of its play
  assert.is((await b).value, 'y by b');
});

test('meet: a host not started (--forks) is not waited for; a decision that throws throws for every host', async () => {
  const running = new Set(['a']);
  const s = new PlaySync(['a', 'b'], running);
  assert.is((await s.meet('t#1', 'a', async () => 1)).value, 1);
  const t = new PlaySync(['a', 'b'], new Set(['a', 'b']));
  const all = Promise.allSettled(['a', 'b'].map((h) => t.meet('t#1', h, async () => { throw new Error(`failed on ${h}`); })));
  assert.equal((await all).map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'ok')), ['failed on a', 'failed on a']);
});

test('turn: a batch starts when the one before is done; not at all when every host of it failed', async () => {
  const running = new Set(['a', 'b', 'c']);
  const first = new PlaySync(['a', 'b'], running);
  const second = new PlaySync(['c'], running, first);
  let started = false;
  const turn = second.turn().then((ok) => { started = true; return ok; });
  first.leave('a', true);
  await tick();
  assert.not.ok(started, 'b is still in the first batch');
  first.leave('b', false);
  assert.is(await turn, true);
  const x = new PlaySync(['a'], running);
  const y = new PlaySync(['b'], running, x);
  x.leave('a', true);
  assert.is(await y.turn(), false);
});

test('fatal: any_errors_fatal stops on the first host failing; max_fail_percentage on the share of the batch failed so far', async () => {
  const hosts = ['a', 'b', 'c'];
  const run = (s: PlaySync, key: string, failed: string[], rule: Parameters<PlaySync['fatal']>[3]) =>
    Promise.all(hosts.map((h) => s.fatal(key, h, failed.includes(h), rule)));
  const fatal = new PlaySync(hosts, new Set(hosts));
  assert.equal(await run(fatal, 't#1:after', [], { anyErrorsFatal: true }), [false, false, false]);
  assert.equal(await run(fatal, 't#2:after', ['b'], { anyErrorsFatal: true }), [true, true, true]);
  assert.ok(fatal.stopped);
  const pct = new PlaySync(hosts, new Set(hosts));
  assert.equal(await run(pct, 't#1:after', ['b'], { maxFailPercentage: 40 }), [false, false, false], '1 of 3 is 33%, within 40');
  assert.equal(await run(pct, 't#2:after', ['c'], { maxFailPercentage: 40 }), [true, true, true], '2 of 3 so far is 67%');
  const zero = new PlaySync(hosts, new Set(hosts));
  assert.equal(await run(zero, 't#1:after', ['a'], { maxFailPercentage: 0 }), [true, true, true]);
});

test.run();
