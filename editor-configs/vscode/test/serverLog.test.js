'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { classify } = require('../src/serverLog');

test("each server line is written at its own level, not all as errors", () => {
  assert.deepStrictEqual(classify('2026-12-07 16:51:00,681 WARNING lsp_server.x: slow'), {
    level: 'warn', text: 'lsp_server.x: slow',
  });
  assert.deepStrictEqual(classify('2026-12-07 16:51:00,681 INFO lsp_server.x: ready').level, 'info');
  assert.deepStrictEqual(classify('2026-12-07 16:51:00,681 DEBUG a: b').level, 'debug');
  assert.deepStrictEqual(classify('2026-12-07 16:51:00,681 ERROR a: b').level, 'error');
  // A traceback's lines keep the level of the line that began it.
  assert.deepStrictEqual(classify('  File "x.py", line 1', 'error'), {
    level: 'error', text: '  File "x.py", line 1',
  });
});
