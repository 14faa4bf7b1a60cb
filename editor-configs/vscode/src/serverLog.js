'use strict';
// The server's stderr in the Output channel at each line's own level. The server logs
// "2026-12-07 16:51:00,681 WARNING lsp_server.x: message"; vscode-languageclient would
// write every stderr line with .error(), so the channel tagged all of them [error].
const readline = require('readline');

const LINE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (DEBUG|INFO|WARNING|ERROR|CRITICAL) (.*)$/;
const LEVELS = { DEBUG: 'debug', INFO: 'info', WARNING: 'warn', ERROR: 'error', CRITICAL: 'error' };

/** The channel method for `line` and the text to write; a line without a level (a
 * traceback's continuation) keeps the level of the line before it (`previous`). */
function classify(line, previous = 'info') {
  const match = LINE.exec(line);
  if (!match) {
    return { level: previous, text: line };
  }
  return { level: LEVELS[match[1]], text: match[2] };
}

/** clientOptions.stdioOptions: stdout (not the protocol's: a stray print) as info,
 * stderr line by line at its own level. */
function stdioOptions() {
  const lines = (input) =>
    readline.createInterface({ input, crlfDelay: Infinity, terminal: false, historySize: 0 });
  return {
    stdout: (input, channel) => lines(input).on('line', (line) => channel.info(line)),
    stderr: (input, channel) => {
      let level = 'info';
      lines(input).on('line', (line) => {
        const found = classify(line, level);
        level = found.level;
        channel[level](found.text);
      });
    },
  };
}

module.exports = { classify, stdioOptions };
