'use strict';
// Where the person is before they type: the focused document and its cursor, sent to
// the server as slm-ls/didChangeCursor (debounced) when the cursor is moved (keys,
// mouse, a command — not by typing: a keystroke asks for its own completion), when
// an editor comes into focus and when a document is saved. The server prepares the
// suggestion there in the idle time, so that the first keystroke finds it warm.
const METHOD = 'slm-ls/didChangeCursor';
const DEBOUNCE_MS = 150;

class CursorReporter {
  /** `send(method, params)` delivers a notification; the timer functions are
   * injectable for tests. */
  constructor(send, delay = DEBOUNCE_MS, timers = { set: setTimeout, clear: clearTimeout }) {
    this.send = send;
    this.delay = delay;
    this.timers = timers;
    this.timer = null;
  }

  /** The cursor of `uri` is at {line, character} (LSP, UTF-16 columns). */
  report(uri, position) {
    this.dispose();
    const params = { textDocument: { uri }, position: { line: position.line, character: position.character } };
    this.timer = this.timers.set(() => {
      this.timer = null;
      this.send(METHOD, params);
    }, this.delay);
  }

  dispose() {
    if (this.timer !== null) {
      this.timers.clear(this.timer);
      this.timer = null;
    }
  }
}

/** Whether a selection change is one to report: moved by keys, mouse or a command
 * (`kind` set), not by an edit (`kind` undefined). */
function movedByPerson(kind) {
  return kind !== undefined && kind !== null;
}

module.exports = { CursorReporter, movedByPerson, METHOD, DEBOUNCE_MS };
