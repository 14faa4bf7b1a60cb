'use strict';
// The status-bar item: starting, loading the model ($/progress), ready, error.
// A click shows the output channel.
const vscode = require('vscode');

class Status {
  constructor(command) {
    this.item = vscode.window.createStatusBarItem('slm-ls.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'slm-ls';
    this.item.command = command;
    this.item.show();
  }

  set(icon, text, tooltip) {
    this.stable = { icon, text, tooltip };
    this.show(icon, text, tooltip);
  }

  show(icon, text, tooltip) {
    this.item.text = `$(${icon}) slm-ls${text ? `: ${text}` : ''}`;
    this.item.tooltip = `${tooltip}\nClick to show the slm-ls log.`;
  }

  /** $/progress of a code action (fix, docstring, explanation): shown while it runs,
   * then the state before it comes back. */
  actionProgress(value) {
    if (value.kind === 'end') {
      const { icon, text, tooltip } = this.stable || { icon: 'check', text: '', tooltip: '' };
      this.show(icon, text, tooltip);
      return;
    }
    this.show('sync~spin', value.message || 'working', 'slm-ls is asking the model');
  }

  starting(source) {
    this.set('sync~spin', 'starting', `Starting the server (${source})`);
  }

  /** A $/progress value (WorkDoneProgressBegin/Report/End). */
  progress(value) {
    if (value.kind === 'end') {
      const message = value.message || '';
      if (message.endsWith(' ready')) {
        this.set('check', message.slice(0, -' ready'.length), `Model ${message}`);
      } else {
        this.error(message || 'model not loaded');
      }
      return;
    }
    const percent = value.percentage === undefined ? '' : ` ${value.percentage}%`;
    this.set('sync~spin', `${value.message || 'loading'}${percent}`, 'Loading the model');
  }

  /** More for the tooltip of the current state (model "auto": what and why). */
  detail(text) {
    if (this.stable && text) {
      this.set(this.stable.icon, this.stable.text, `${this.stable.tooltip}\n${text}`);
    }
  }

  error(message) {
    this.set('error', 'error', message);
  }

  stopped() {
    this.set('circle-slash', 'stopped', 'The server is not running');
  }

  dispose() {
    this.item.dispose();
  }
}

module.exports = { Status };
