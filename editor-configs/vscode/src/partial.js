'use strict';
// What the person took of an inline suggestion, told to the server: VS Code applies a
// word (Ctrl+Right) or a line of the ghost text itself and tells extensions nothing
// through its stable API, so the change that follows a shown suggestion is compared
// with it. An insertion at the suggestion's place that is the start of what is left of
// it, longer than one character (one is typing), is a partial accept: sent as
// Copilot's textDocument/didPartiallyAcceptCompletion with acceptedLength, the UTF-16
// units taken so far. The whole suggestion is told by VS Code itself: it runs the
// item's command (slm-ls.acceptedCompletion). Counts only: the server keeps no text.
const METHOD = 'textDocument/didPartiallyAcceptCompletion';

class PartialAccepts {
  /** `send(method, params)` sends a notification to the server. */
  constructor(send) {
    this.send = send;
    this.shown = null; // { uri, offset, items: [{ text, command }], taken }
  }

  /** The items answered at `offset` of the document `uri` (the ones with our command). */
  answered(uri, offset, items) {
    const ours = items
      .map((item) => ({ text: textOf(item.insertText), command: item.command }))
      .filter((item) => item.text && item.command && Array.isArray(item.command.arguments));
    this.shown = ours.length ? { uri, offset, items: ours, taken: 0 } : null;
  }

  /** A document change: returns the notification's params when it was a partial accept. */
  changed(uri, changes) {
    const shown = this.shown;
    if (!shown || uri !== shown.uri) {
      return null;
    }
    const change = changes.length === 1 ? changes[0] : null;
    if (!change || change.rangeLength !== 0 || change.rangeOffset !== shown.offset + shown.taken) {
      this.shown = null; // another edit: the suggestion is gone
      return null;
    }
    const item = shown.items.find((one) => {
      const rest = one.text.slice(shown.taken);
      return rest.startsWith(change.text) && change.text.length < rest.length;
    });
    if (!item || !change.text) {
      this.shown = null;
      return null;
    }
    shown.items = [item];
    shown.taken += change.text.length;
    if (change.text.length < 2) {
      return null; // a typed character that matches: typing through, not an accept
    }
    const params = { item: { insertText: item.text, command: item.command }, acceptedLength: shown.taken };
    this.send(METHOD, params);
    return params;
  }
}

function textOf(insertText) {
  if (typeof insertText === 'string') {
    return insertText;
  }
  return insertText && typeof insertText.value === 'string' ? insertText.value : '';
}

/** One line from the server's slmls/stats for the person: what was shown, what was
 * taken of it, and how many suggestions needed the model (counts only). */
function statisticsLine(stats) {
  const accepts = (stats && stats.accepts) || {};
  const records = (stats && stats.records) || [];
  const count = (key) => accepts[key] || 0;
  const calls = records.filter((r) => !r.cache_hit && !r.skipped).length;
  const cached = records.filter((r) => r.cache_hit).length;
  return `slm-ls: ${count('shown')} suggestions shown (${count('shownOthers')} other candidates); `
    + `taken whole ${count('whole')}, in part ${count('partial')} (${count('partialChars')} characters); `
    + `requests: ${calls} model calls, ${cached} from the cache`;
}

module.exports = { METHOD, PartialAccepts, statisticsLine };
