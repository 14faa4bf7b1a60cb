'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { pickEdit, previewLine } = require('../src/nextEdit');

const edit = {
  text: 'ratio',
  textDocument: { uri: 'file:///a.py', version: 3 },
  range: { start: { line: 1, character: 15 }, end: { line: 1, character: 21 } },
};

test('the edit for this version of this document is taken, a stale one is not', () => {
  assert.strictEqual(pickEdit({ edits: [edit] }, 'file:///a.py', 3), edit);
  assert.strictEqual(pickEdit({ edits: [edit] }, 'file:///a.py', 4), null);
  assert.strictEqual(pickEdit({ edits: [edit] }, 'file:///b.py', 3), null);
  assert.strictEqual(pickEdit({ edits: [] }, 'file:///a.py', 3), null);
  assert.strictEqual(pickEdit(null, 'file:///a.py', 3), null);
});

test('the preview is the line as it will read', () => {
  assert.strictEqual(
    previewLine('    out = [v * factor for v in values]', edit),
    '    out = [v * ratio for v in values]',
  );
});

test('the decoration says what will happen: lines inserted, lines deleted, a line changed', () => {
  const { describe } = require('../src/nextEdit');
  const line = '        self.width = 0';
  const at = (l1, c1, l2, c2, text) => ({
    text, range: { start: { line: l1, character: c1 }, end: { line: l2, character: c2 } },
  });
  assert.strictEqual(
    describe(line, at(3, line.length, 3, line.length, '\n        self.height = 0')),
    '+ insert a line below: self.height = 0',
  );
  assert.strictEqual(
    describe(line, at(3, line.length, 3, line.length, '\n        a = 1\n        b = 2')),
    '+ insert 2 lines below: a = 1  ⏎  b = 2',
  );
  assert.strictEqual(describe(line, at(3, 0, 3, 0, '        a = 1\n')), '+ insert a line above: a = 1');
  assert.strictEqual(describe(line, at(3, 0, 4, 0, '')), '✕ delete this line');
  assert.strictEqual(describe(line, at(3, 0, 5, 0, '')), '✕ delete these 2 lines');
  assert.strictEqual(describe(line, at(3, 13, 3, 18, 'depth')), '→ self.depth = 0');
});
