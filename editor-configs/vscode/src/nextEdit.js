'use strict';
// Next edit in VS Code: after a pause in editing, asks the server for the edit that
// should follow yours (textDocument/copilotInlineEdit); shows it where it belongs (the
// replaced text struck through, the new line after it) and applies it with
// slm-ls.acceptNextEdit (Alt+N while one is shown: jumps there and applies it).
// The server answers while slm-ls.nextEdit.enabled is on (the default).
const METHOD = 'textDocument/copilotInlineEdit';
const DEBOUNCE_MS = 600;
const VISIBLE = 'slm-ls.nextEditVisible';

/** The edit the server proposed for `version` of the document, or null: a stale
 * answer (the text moved on) or none. */
function pickEdit(result, uri, version) {
  const edits = (result && result.edits) || [];
  const edit = edits[0];
  if (!edit || !edit.range || typeof edit.text !== 'string') {
    return null;
  }
  if (edit.textDocument && (edit.textDocument.uri !== uri || edit.textDocument.version !== version)) {
    return null;
  }
  return edit;
}

/** The line as it will read once `edit` is applied (what the decoration shows). */
function previewLine(lineText, edit) {
  const { start, end } = edit.range;
  const to = end.line === start.line ? end.character : lineText.length;
  return lineText.slice(0, start.character) + edit.text + lineText.slice(to);
}

/** What `edit` will do, said in one line after the edited line (a decoration holds
 * one line of text): whole lines deleted, lines inserted below or above (each
 * shown, ⏎ between them), or the line as it will read. */
function describe(lineText, edit) {
  const { start, end } = edit.range;
  const text = edit.text;
  if (text === '' && end.line > start.line && start.character === 0 && end.character === 0) {
    const count = end.line - start.line;
    return count === 1 ? '✕ delete this line' : `✕ delete these ${count} lines`;
  }
  const insertion = start.line === end.line && start.character === end.character;
  if (insertion && text.includes('\n')) {
    const lines = text.split('\n');
    let where = '';
    if (start.character >= lineText.length && lines[0] === '') {
      lines.shift();
      where = 'below';
    } else if (start.character === 0 && lines[lines.length - 1] === '') {
      lines.pop();
      where = 'above';
    }
    if (where) {
      const what = lines.length === 1 ? 'a line' : `${lines.length} lines`;
      return `+ insert ${what} ${where}: ${lines.map((l) => l.trim()).join('  ⏎  ')}`;
    }
  }
  return `→ ${previewLine(lineText, edit).split('\n').map((l) => l.trim()).join('  ⏎  ')}`;
}

class NextEdit {
  /** `vscode` is the API (injected for tests of the parts that do not need it). */
  constructor(vscode, request, delay = DEBOUNCE_MS) {
    this.vscode = vscode;
    this.request = request; // (method, params) => Promise
    this.delay = delay;
    this.timer = null;
    this.shown = null; // { editor, edit }
    this.decoration = vscode.window.createTextEditorDecorationType({
      textDecoration: 'line-through',
      backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
    });
    this.after = vscode.window.createTextEditorDecorationType({
      after: { color: new vscode.ThemeColor('editorGhostText.foreground'), margin: '0 0 0 2em' },
    });
  }

  changed(event) {
    const editor = this.vscode.window.activeTextEditor;
    if (!editor || event.document !== editor.document || event.contentChanges.length === 0) {
      return;
    }
    this.clear();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.ask(editor), this.delay);
  }

  async ask(editor) {
    const document = editor.document;
    const version = document.version;
    const uri = document.uri.toString();
    const position = editor.selection.active;
    let result;
    try {
      result = await this.request(METHOD, {
        textDocument: { uri, version },
        position: { line: position.line, character: position.character },
      });
    } catch {
      return;
    }
    const edit = pickEdit(result, uri, version);
    if (!edit || document.version !== version || this.vscode.window.activeTextEditor !== editor) {
      return;
    }
    this.show(editor, edit);
  }

  show(editor, edit) {
    const vscode = this.vscode;
    const { start, end } = edit.range;
    const range = new vscode.Range(start.line, start.character, end.line, end.character);
    const line = editor.document.lineAt(start.line);
    const said = describe(line.text, edit);
    editor.setDecorations(this.decoration, [range]);
    editor.setDecorations(this.after, [
      { range: line.range, renderOptions: { after: { contentText: `${said}  (Alt+N)` } } },
    ]);
    this.shown = { editor, edit };
    vscode.commands.executeCommand('setContext', VISIBLE, true);
    this.request('textDocument/didShowInlineEdit', { item: edit }).catch(() => undefined);
  }

  clear() {
    if (this.shown) {
      this.shown.editor.setDecorations(this.decoration, []);
      this.shown.editor.setDecorations(this.after, []);
      this.shown = null;
      this.vscode.commands.executeCommand('setContext', VISIBLE, false);
    }
  }

  async accept() {
    const shown = this.shown;
    if (!shown) {
      return false;
    }
    this.clear();
    const vscode = this.vscode;
    const { start, end } = shown.edit.range;
    const range = new vscode.Range(start.line, start.character, end.line, end.character);
    const applied = await shown.editor.edit((builder) => builder.replace(range, shown.edit.text));
    const at = new vscode.Position(start.line, start.character + shown.edit.text.length);
    shown.editor.selection = new vscode.Selection(at, at);
    shown.editor.revealRange(range);
    return applied;
  }

  dispose() {
    clearTimeout(this.timer);
    this.clear();
    this.decoration.dispose();
    this.after.dispose();
  }
}

module.exports = { NextEdit, pickEdit, previewLine, describe, METHOD, VISIBLE };
