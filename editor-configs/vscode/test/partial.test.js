'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { METHOD, PartialAccepts } = require('../src/partial');

const command = (id) => ({ title: 'slm-ls', command: 'slm-ls.acceptedCompletion', arguments: [id] });
const insert = (offset, text) => ({ rangeOffset: offset, rangeLength: 0, text });

test('a word taken is sent with the length taken so far; typing is not', () => {
  const sent = [];
  const accepts = new PartialAccepts((method, params) => sent.push([method, params]));
  accepts.answered('file:///a.py', 10, [{ insertText: 'self.radius ** 2', command: command('s1') }]);
  assert.ok(accepts.changed('file:///a.py', [insert(10, 'self.')]));
  assert.strictEqual(accepts.changed('file:///a.py', [insert(15, 'r')]), null); // typed
  accepts.changed('file:///a.py', [insert(16, 'adius')]);
  assert.deepStrictEqual(sent.map(([m, p]) => [m, p.acceptedLength, p.item.command.arguments[0]]), [
    [METHOD, 5, 's1'],
    [METHOD, 11, 's1'],
  ]);
});

test('the candidate whose start was taken is the one reported', () => {
  const sent = [];
  const accepts = new PartialAccepts((method, params) => sent.push(params));
  accepts.answered('u', 0, [
    { insertText: 'x * 2', command: command('s1') },
    { insertText: 'x + x', command: command('s2') },
  ]);
  accepts.changed('u', [insert(0, 'x +')]);
  assert.strictEqual(sent[0].item.command.arguments[0], 's2');
});

test('other edits, other documents and whole accepts send nothing', () => {
  const sent = [];
  const accepts = new PartialAccepts((method, params) => sent.push(params));
  accepts.answered('u', 4, [{ insertText: 'abc def', command: command('s1') }]);
  assert.strictEqual(accepts.changed('other', [insert(4, 'abc')]), null);
  assert.strictEqual(accepts.changed('u', [insert(4, 'abc def')]), null); // whole: the item's command
  accepts.answered('u', 4, [{ insertText: 'abc def', command: command('s1') }]);
  assert.strictEqual(accepts.changed('u', [insert(9, 'abc')]), null); // elsewhere
  assert.strictEqual(accepts.changed('u', [insert(4, 'abc')]), null); // forgotten after it
  accepts.answered('u', 4, [{ insertText: 'abc', command: null }]); // not ours
  assert.strictEqual(accepts.changed('u', [insert(4, 'ab')]), null);
  assert.strictEqual(sent.length, 0);
});

test('the statistics line counts, and never shows text', () => {
  const { statisticsLine } = require('../src/partial');
  const line = statisticsLine({
    accepts: { shown: 4, shownOthers: 2, whole: 1, partial: 2, partialChars: 9 },
    records: [{ cache_hit: false, skipped: '' }, { cache_hit: true, skipped: '' }, { cache_hit: false, skipped: 'cancelled' }],
  });
  assert.strictEqual(line, 'slm-ls: 4 suggestions shown (2 other candidates); taken whole 1, in part 2 '
    + '(9 characters); requests: 1 model calls, 1 from the cache');
  assert.match(statisticsLine({}), /0 suggestions shown/);
});
