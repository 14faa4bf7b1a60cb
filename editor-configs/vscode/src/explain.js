'use strict';
// "Explain this (slm-ls)": the server's slm-ls.explain command returns Markdown; this
// shows it in one reused panel beside the editor, rendered by VS Code's own Markdown
// renderer (the built-in markdown extension's `markdown.api.render`).
const vscode = require('vscode');

const EXPLAIN_COMMAND = 'slm-ls.explain';
let panel = null;

function escapeHtml(text) {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

async function render(markdown) {
  try {
    const html = await vscode.commands.executeCommand('markdown.api.render', markdown);
    if (typeof html === 'string') {
      return html;
    }
  } catch {
    // the markdown extension is disabled: plain text below
  }
  return `<pre>${escapeHtml(markdown)}</pre>`;
}

async function showExplanation(markdown) {
  if (!panel) {
    panel = vscode.window.createWebviewPanel(
      'slm-ls.explanation',
      'slm-ls: Explanation',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: false },
    );
    panel.onDidDispose(() => {
      panel = null;
    });
  } else {
    panel.reveal(vscode.ViewColumn.Beside, true);
  }
  const body = await render(markdown);
  panel.webview.html =
    '<!DOCTYPE html><html><head><meta charset="utf-8">' +
    '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\';">' +
    `</head><body>${body}</body></html>`;
}

/** "slm-ls: Explain This": the selection, or the definition at the cursor. */
async function explainThis(client) {
  const editor = vscode.window.activeTextEditor;
  if (!editor || !client || !client.isRunning()) {
    return;
  }
  const { start, end } = editor.selection;
  const data = {
    action: 'explain',
    uri: client.code2ProtocolConverter.asUri(editor.document.uri),
    version: editor.document.version,
    range: [start.line, start.character, end.line, end.character],
  };
  const result = await client.sendRequest('workspace/executeCommand', {
    command: EXPLAIN_COMMAND,
    arguments: [data],
  });
  if (typeof result === 'string' && result) {
    await showExplanation(result);
  }
}

/** vscode-languageclient middleware: after the server ran slm-ls.explain, show its result. */
const middleware = {
  async executeCommand(command, args, next) {
    const result = await next(command, args);
    if (command === EXPLAIN_COMMAND && typeof result === 'string' && result) {
      await showExplanation(result);
    }
    return result;
  },
};

module.exports = { EXPLAIN_COMMAND, explainThis, middleware, showExplanation };
