'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { CursorReporter, movedByPerson, METHOD } = require('../src/cursor');

function fakeTimers() {
  const pending = new Map();
  let next = 1;
  return {
    pending,
    set(fn) {
      pending.set(next, fn);
      return next++;
    },
    clear(id) {
      pending.delete(id);
    },
    fire() {
      for (const [id, fn] of [...pending]) {
        pending.delete(id);
        fn();
      }
    },
  };
}

test('only the last of quick cursor moves is sent', () => {
  const sent = [];
  const timers = fakeTimers();
  const reporter = new CursorReporter((method, params) => sent.push([method, params]), 150, timers);
  reporter.report('file:///a.py', { line: 1, character: 2 });
  reporter.report('file:///a.py', { line: 3, character: 4 });
  assert.strictEqual(timers.pending.size, 1);
  timers.fire();
  assert.deepStrictEqual(sent, [
    [METHOD, { textDocument: { uri: 'file:///a.py' }, position: { line: 3, character: 4 } }],
  ]);
  reporter.report('file:///b.py', { line: 0, character: 0 });
  reporter.dispose();
  timers.fire();
  assert.strictEqual(sent.length, 1);
});

test('moves by keys, mouse or command are reported, edits are not', () => {
  assert.ok(movedByPerson(1) && movedByPerson(2) && movedByPerson(3));
  assert.ok(!movedByPerson(undefined));
});
