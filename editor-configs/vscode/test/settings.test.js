'use strict';
const test = require('node:test');
const assert = require('node:assert');
const packageJSON = require('../package.json');
const { serverKeys, serverSettings } = require('../src/settings');

test('server keys exclude the extension-only slm-ls.server.*', () => {
  const keys = serverKeys(packageJSON);
  assert.ok(keys.includes('completion.maxTokens'));
  assert.ok(keys.includes('model'));
  assert.ok(!keys.some((key) => key.startsWith('server.')));
});

test('the settings nest into the tree the server reads', () => {
  const values = { model: 'qwen2.5-coder-1.5b', 'completion.maxTokens': 64, 'engine.threads': 2 };
  const defaults = (key) => packageJSON.contributes.configuration.properties[`slm-ls.${key}`].default;
  const config = { get: (key) => (key in values ? values[key] : defaults(key)) };
  const tree = serverSettings(packageJSON, config);
  assert.strictEqual(tree.model, 'qwen2.5-coder-1.5b');
  assert.strictEqual(tree.completion.maxTokens, 64);
  assert.strictEqual(tree.completion.deadlineMs, 4000);
  assert.strictEqual(tree.engine.threads, 2);
  assert.deepStrictEqual(Object.keys(tree).sort(), ['chatModel', 'completion', 'context', 'engine', 'fastModel', 'hover', 'logLevel', 'model', 'nextEdit']);
});
