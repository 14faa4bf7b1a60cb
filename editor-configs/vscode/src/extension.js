'use strict';
// slm-ls for VS Code: starts `slm-ls serve` and connects it through
// vscode-languageclient (inline completions are a built-in feature from 10.0 on;
// hover and code actions arrive through the same client when the server has them).
const fs = require('fs');
const vscode = require('vscode');
const {
  LanguageClient,
  State,
  TransportKind,
  DidChangeConfigurationNotification,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  WorkDoneProgressCreateRequest,
} = require('vscode-languageclient/node');
const { findServer, defaultOptions, notFoundMessage } = require('./find');
const { serverSettings } = require('./settings');
const { Status } = require('./status');
const { explainThis, middleware } = require('./explain');
const { CursorReporter, movedByPerson } = require('./cursor');
const { NextEdit } = require('./nextEdit');
const { stdioOptions } = require('./serverLog');
const { describeChoice, pullCommand, shellLine } = require('./choice');
const { PartialAccepts, statisticsLine } = require('./partial');

let client = null;
let status = null;
let output = null;
let packageJSON = null;
let cursor = null;
let server = null; // how the server was started (for `models pull`)
let offeredPull = false; // the "Pull" notification, once a session
// A word or a line of a suggestion taken (Ctrl+Right): told to the server.
const partial = new PartialAccepts((method, params) => {
  if (client && client.isRunning()) {
    client.sendNotification(method, params);
  }
});

/** Where the cursor is, for the server to prepare the suggestion there. */
function reportCursor(editor) {
  if (editor && client && client.isRunning()) {
    cursor.report(editor.document.uri.toString(), editor.selection.active);
  }
}

function config() {
  return vscode.workspace.getConfiguration('slm-ls');
}

function isFile(file) {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** A code action's progress: a notification with a Cancel button (which sends
 * window/workDoneProgress/cancel) while the model works, and the status bar. */
function actionProgress(languageClient, token) {
  let reporter = null;
  let message = '';
  let finish;
  const done = new Promise((resolve) => {
    finish = resolve;
  });
  const listener = languageClient.onProgress(WorkDoneProgress.type, token, (value) => {
    status.actionProgress(value);
    if (value.kind === 'end') {
      listener.dispose();
      finish();
      return;
    }
    message = value.message || message;
    if (reporter) {
      reporter.report({ message });
    }
  });
  const options = { location: vscode.ProgressLocation.Notification, title: 'slm-ls', cancellable: true };
  vscode.window.withProgress(options, (progress, cancel) => {
    reporter = progress;
    progress.report({ message });
    cancel.onCancellationRequested(() =>
      languageClient.sendNotification(WorkDoneProgressCancelNotification.type, { token }));
    return done;
  });
}

/** Replaces the built-in progress handler (one handler per request type): model
 * loads go to the status bar, code actions to a cancellable notification too. */
function progressFeature(languageClient) {
  return {
    fillClientCapabilities(capabilities) {
      capabilities.window = capabilities.window || {};
      capabilities.window.workDoneProgress = true;
      // slm-ls.explain's result is shown by this extension (src/explain.js), so the
      // server does not also send it as a notification.
      capabilities.experimental = { ...(capabilities.experimental || {}), slmLsShowsExplanations: true };
    },
    initialize() {
      languageClient.onRequest(WorkDoneProgressCreateRequest.type, ({ token }) => {
        if (String(token).startsWith('slm-ls/action/')) {
          actionProgress(languageClient, token);
          return;
        }
        languageClient.onProgress(WorkDoneProgress.type, token, (value) => {
          status.progress(value);
          if (value.kind === 'end' && (value.message || '').endsWith(' ready')) {
            explainChoice(languageClient);
          }
        });
      });
    },
    getState() {
      return { kind: 'static' };
    },
    clear() {},
  };
}

/** Model "auto": the status bar's tooltip says what was chosen and why; a model that
 * would do better but is not on disk is offered once, with a "Pull" button that runs
 * `slm-ls models pull` in a terminal (nothing is downloaded unasked). */
async function explainChoice(languageClient) {
  let stats;
  try {
    stats = await languageClient.sendRequest('slmls/stats', {});
  } catch (error) {
    output.info(`no stats: ${error.message || error}`);
    return;
  }
  const auto = stats && stats.auto;
  status.detail(describeChoice(auto));
  if (!auto || !auto.better || offeredPull || !server) {
    return;
  }
  offeredPull = true;
  const choice = await vscode.window.showInformationMessage(
    `slm-ls: ${auto.better} would suggest more on this machine; it is not on disk.`,
    'Pull',
    'Not now',
  );
  if (choice === 'Pull') {
    const terminal = vscode.window.createTerminal('slm-ls: pull');
    terminal.show();
    terminal.sendText(shellLine(pullCommand(server, auto.better)));
  }
}

function notFound(tried) {
  const { message, settings } = notFoundMessage(tried, vscode.env.remoteName);
  output.error(message);
  status.error('server not found');
  vscode.window.showErrorMessage(message, 'Open Settings', 'Show Log').then((choice) => {
    if (choice === 'Open Settings') {
      vscode.commands.executeCommand(settings, 'slm-ls.server.command');
    } else if (choice === 'Show Log') {
      output.show();
    }
  });
}

function createClient(server) {
  const serverOptions = {
    command: server.command,
    args: server.args,
    transport: TransportKind.stdio, // the client adds --stdio; `slm-ls serve` accepts it
  };
  const clientOptions = {
    documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
    initializationOptions: serverSettings(packageJSON, config()),
    outputChannel: output,
    stdioOptions: stdioOptions(), // the server's log lines at their own levels
    middleware: {
      ...middleware,
      // The suggestions shown, to tell a word or line of them taken (partial.js).
      async provideInlineCompletionItems(document, position, context, token, next) {
        const result = await next(document, position, context, token);
        const items = Array.isArray(result) ? result : (result && result.items) || [];
        partial.answered(document.uri.toString(), document.offsetAt(position), items);
        return result;
      },
    },
    initializationFailedHandler: (error) => {
      status.error(String(error));
      return false;
    },
  };
  const languageClient = new LanguageClient('slm-ls', 'slm-ls', serverOptions, clientOptions);
  languageClient.registerFeature(progressFeature(languageClient));
  languageClient.onDidChangeState(({ newState }) => {
    if (newState === State.Stopped) {
      status.stopped();
    }
  });
  return languageClient;
}

async function start() {
  const folders = (vscode.workspace.workspaceFolders || []).map((folder) => folder.uri.fsPath);
  const found = findServer(defaultOptions(config(), folders, vscode.workspace.isTrusted), isFile);
  const tried = found.tried;
  server = found.server;
  if (!server) {
    notFound(tried);
    return;
  }
  output.info(`starting ${server.command} ${server.args.join(' ')} (${server.source})`);
  status.starting(server.source);
  client = createClient(server);
  try {
    await client.start();
    reportCursor(vscode.window.activeTextEditor); // the file already open when VS Code starts
  } catch (error) {
    status.error(`the server did not start: ${error.message || error}`);
    output.error(`the server did not start: ${error.stack || error}`);
    output.show(true);
  }
}

async function stop() {
  const current = client;
  client = null;
  if (current) {
    await current.stop().catch(() => undefined);
  }
}

async function restart() {
  await stop();
  await start();
}

function onConfigurationChange(event) {
  if (event.affectsConfiguration('slm-ls.server')) {
    restart();
  } else if (event.affectsConfiguration('slm-ls') && client && client.isRunning()) {
    client.sendNotification(DidChangeConfigurationNotification.type, {
      settings: serverSettings(packageJSON, config()),
    });
  }
}

async function activate(context) {
  packageJSON = context.extension.packageJSON;
  // A log channel: vscode-languageclient 10 writes the server's stderr with .error/.info.
  output = vscode.window.createOutputChannel('slm-ls', { log: true });
  status = new Status('slm-ls.showLogs');
  cursor = new CursorReporter((method, params) => {
    if (client && client.isRunning()) {
      client.sendNotification(method, params).catch(() => undefined);
    }
  });
  const nextEdit = new NextEdit(vscode, (method, params) =>
    client && client.isRunning() ? client.sendRequest(method, params) : Promise.reject(new Error('not running')),
  );
  context.subscriptions.push(
    nextEdit,
    vscode.workspace.onDidChangeTextDocument((event) => nextEdit.changed(event)),
    vscode.workspace.onDidChangeTextDocument((event) =>
      partial.changed(event.document.uri.toString(), event.contentChanges)),
    vscode.commands.registerCommand('slm-ls.acceptNextEdit', () => nextEdit.accept()),
    cursor,
    vscode.window.onDidChangeTextEditorSelection((event) => {
      if (movedByPerson(event.kind)) {
        reportCursor(event.textEditor);
      }
    }),
    vscode.window.onDidChangeActiveTextEditor(reportCursor),
    vscode.workspace.onDidSaveTextDocument((document) => {
      const editor = vscode.window.activeTextEditor;
      if (editor && editor.document === document) {
        reportCursor(editor);
      }
    }),
    output,
    status,
    vscode.commands.registerCommand('slm-ls.restartServer', restart),
    vscode.commands.registerCommand('slm-ls.showLogs', () => output.show()),
    vscode.commands.registerCommand('slm-ls.showStatistics', async () => {
      if (client && client.isRunning()) {
        const line = statisticsLine(await client.sendRequest('slmls/stats', {}));
        output.info(line);
        vscode.window.showInformationMessage(line);
      }
    }),
    vscode.commands.registerCommand('slm-ls.explainThis', () => explainThis(client)),
    vscode.commands.registerCommand('slm-ls.triggerSuggestion', () =>
      vscode.commands.executeCommand('editor.action.inlineSuggest.trigger'),
    ),
    vscode.workspace.onDidChangeConfiguration(onConfigurationChange),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
