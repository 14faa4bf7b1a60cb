'use strict';
// Where the slm-ls server is: the settings first, then the workspace's virtual
// environment, then PATH. Pure (the file check is passed in) so node:test covers it.
const path = require('path');
const os = require('os');

const EXE = process.platform === 'win32' ? 'slm-ls.exe' : 'slm-ls';
const BIN = process.platform === 'win32' ? 'Scripts' : 'bin';

/** Every place to look, in order: [{command, args, source}]. A workspace that VS Code
 * does not trust (a repository just cloned) is not searched: its .venv could hold any
 * program. */
function candidates({ command, python, folders, envPath, home, trusted = true }) {
  const found = [];
  const cmd = typeof command === 'string' ? (command ? [command] : []) : command || [];
  if (cmd.length > 0) {
    found.push({ command: cmd[0], args: cmd.slice(1), source: 'setting slm-ls.server.command', trusted: true });
  }
  if (python) {
    found.push({ command: python, args: ['-m', 'lsp_server', 'serve'], source: 'setting slm-ls.server.python' });
  }
  for (const folder of trusted ? folders || [] : []) {
    for (const venv of ['.venv', 'venv']) {
      found.push({ command: path.join(folder, venv, BIN, EXE), args: ['serve'], source: `workspace ${venv}` });
    }
  }
  for (const dir of (envPath || '').split(path.delimiter).filter(Boolean)) {
    found.push({ command: path.join(dir, EXE), args: ['serve'], source: 'PATH' });
  }
  if (home) {
    found.push({ command: path.join(home, '.local', BIN, EXE), args: ['serve'], source: '~/.local' });
  }
  return found;
}

/** The first candidate that exists: {server, tried}; server is null when none does. */
function findServer(options, exists) {
  const tried = [];
  for (const candidate of candidates(options)) {
    // A command the user set is taken as written (it may be a name PATH resolves);
    // the interpreter and the discovered paths must exist.
    if (candidate.trusted || exists(candidate.command)) {
      return { server: candidate, tried };
    }
    tried.push(`${candidate.command} (${candidate.source})`);
  }
  return { server: null, tried };
}

function defaultOptions(config, folders, trusted) {
  return {
    trusted,
    command: config.get('server.command'),
    python: config.get('server.python'),
    folders,
    envPath: process.env.PATH,
    home: os.homedir(),
  };
}

/** What the not-found notification says, and which settings its button opens:
 * `slm-ls.server.command` is machine-scoped (a folder's settings must not choose a
 * program to run), so in a remote window (code-server, Remote-SSH, WSL, a dev
 * container) only the Remote settings apply, not the User settings. */
function notFoundMessage(tried, remoteName) {
  const where = remoteName ? `the Remote [${remoteName}] settings` : 'your User settings';
  const message =
    'slm-ls: the server was not found. Install it on ' +
    (remoteName ? 'the remote machine' : 'this machine') +
    ': clone the slm-ls repository and run ./scripts/setup.sh there, then set ' +
    `slm-ls.server.command in ${where} to ["<the clone>/.venv/bin/slm-ls", "serve"] ` +
    `(or open the clone as the workspace). Tried: ${tried.join(', ')}`;
  const settings = remoteName ? 'workbench.action.openRemoteSettings' : 'workbench.action.openSettings';
  return { message, settings };
}

module.exports = { candidates, findServer, defaultOptions, notFoundMessage };
