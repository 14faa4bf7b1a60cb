'use strict';
const test = require('node:test');
const assert = require('node:assert');
const path = require('path');
const { findServer } = require('../src/find');

const base = { command: [], python: '', folders: ['/ws'], envPath: '/usr/bin:/opt/bin', home: '/home/u' };
const venv = path.join('/ws', '.venv', 'bin', 'slm-ls');

test('the command setting wins and is taken as written', () => {
  const { server } = findServer({ ...base, command: ['slm-ls', 'serve', '--model', 'x'] }, () => false);
  assert.deepStrictEqual([server.command, server.args], ['slm-ls', ['serve', '--model', 'x']]);
});

test('a python setting starts the module', () => {
  const { server } = findServer({ ...base, python: '/py/bin/python' }, (f) => f === '/py/bin/python');
  assert.deepStrictEqual([server.command, server.args], ['/py/bin/python', ['-m', 'lsp_server', 'serve']]);
});

test("the workspace's .venv comes before PATH", () => {
  const exists = (f) => f === venv || f === '/usr/bin/slm-ls';
  const { server, tried } = findServer(base, exists);
  assert.strictEqual(server.command, venv);
  assert.deepStrictEqual(tried, []);
});

test("an untrusted workspace's .venv is never started", () => {
  const exists = (f) => f === venv || f === '/usr/bin/slm-ls';
  const { server } = findServer({ ...base, trusted: false }, exists);
  assert.strictEqual(server.command, '/usr/bin/slm-ls');
});

test('PATH is searched in order', () => {
  const { server, tried } = findServer(base, (f) => f === '/opt/bin/slm-ls');
  assert.strictEqual(server.command, '/opt/bin/slm-ls');
  assert.strictEqual(server.source, 'PATH');
  assert.strictEqual(tried.length, 3); // .venv, venv, /usr/bin
});

test('nothing found: every place tried is named', () => {
  const { server, tried } = findServer(base, () => false);
  assert.strictEqual(server, null);
  assert.deepStrictEqual(tried, [
    `${venv} (workspace .venv)`,
    `${path.join('/ws', 'venv', 'bin', 'slm-ls')} (workspace venv)`,
    '/usr/bin/slm-ls (PATH)',
    '/opt/bin/slm-ls (PATH)',
    `${path.join('/home/u', '.local', 'bin', 'slm-ls')} (~/.local)`,
  ]);
});

test('the not-found message says what works and opens the settings that apply', () => {
  const { notFoundMessage } = require('../src/find');
  const local = notFoundMessage(['PATH'], undefined);
  assert.ok(!local.message.includes('pip install'), local.message);
  assert.ok(local.message.includes('./scripts/setup.sh') && local.message.includes('User settings'));
  assert.strictEqual(local.settings, 'workbench.action.openSettings');
  const remote = notFoundMessage(['PATH'], 'ssh-remote');
  assert.ok(remote.message.includes('Remote [ssh-remote] settings'), remote.message);
  assert.strictEqual(remote.settings, 'workbench.action.openRemoteSettings');
});
