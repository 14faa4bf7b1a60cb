'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { describeChoice, pullCommand, shellLine } = require('../src/choice');

const AUTO = {
  reason: 'auto: qwen2.5-coder-1.5b, predicted 548 ms a keystroke (p95 2367 ms) on this machine',
  measured: [{ model: 'qwen2.5-coder-0.5b', promptShort: 219, decode: 45.9 }],
  better: null,
  pull: null,
};

test('the tooltip says what was chosen, why, and what was measured', () => {
  const text = describeChoice(AUTO);
  assert.match(text, /^auto: qwen2\.5-coder-1\.5b, predicted 548 ms a keystroke/);
  assert.match(text, /measured qwen2\.5-coder-0\.5b: prompt 219 tokens\/s, generation 45\.9 tokens\/s/);
  assert.doesNotMatch(text, /would suggest more/);
  const better = describeChoice({ ...AUTO, better: 'qwen2.5-coder-7b-instruct', pull: 'slm-ls models pull qwen2.5-coder-7b-instruct' });
  assert.match(better, /qwen2\.5-coder-7b-instruct would suggest more here: slm-ls models pull/);
  assert.strictEqual(describeChoice(null), null);
  assert.strictEqual(describeChoice({ chosen: null }), null);
});

test('the pull command is the server command with models pull in place of serve', () => {
  assert.deepStrictEqual(pullCommand({ command: '/x/slm-ls', args: ['serve'] }, 'm'), [
    '/x/slm-ls', 'models', 'pull', 'm',
  ]);
  assert.deepStrictEqual(
    pullCommand({ command: '/v/python', args: ['-m', 'lsp_server', 'serve', '--log-level', 'info'] }, 'm'),
    ['/v/python', '-m', 'lsp_server', 'models', 'pull', 'm'],
  );
  assert.strictEqual(shellLine(['/a b/slm-ls', 'models', 'pull', "it's"]), "'/a b/slm-ls' models pull 'it'\\''s'");
});
