'use strict';
// What model "auto" chose and why (the server's slmls/stats `auto`), for the status
// bar's tooltip; and the command that pulls a better model, run only when the person
// clicks "Pull" (nothing is downloaded unasked).

/** The tooltip's lines for the server's `auto` report (null: nothing to say). */
function describeChoice(auto) {
  if (!auto || !auto.reason) {
    return null;
  }
  const lines = [auto.reason];
  for (const m of auto.measured || []) {
    lines.push(
      `measured ${m.model}: prompt ${m.promptShort} tokens/s, generation ${m.decode} tokens/s`,
    );
  }
  if (auto.better) {
    lines.push(`${auto.better} would suggest more here: ${auto.pull}`);
  }
  return lines.join('\n');
}

/** The server's command with `models pull NAME` in place of `serve` and what follows it. */
function pullCommand(server, model) {
  const args = [...(server.args || [])];
  const at = args.indexOf('serve');
  const head = at < 0 ? args : args.slice(0, at);
  return [server.command, ...head, 'models', 'pull', model];
}

/** The command line as a shell reads it (each part quoted when it needs to be). */
function shellLine(parts) {
  return parts.map((p) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`)).join(' ');
}

module.exports = { describeChoice, pullCommand, shellLine };
