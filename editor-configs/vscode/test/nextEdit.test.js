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
