'use strict';
// The server's settings tree from VS Code's `slm-ls.*` settings. The keys come from
// this extension's package.json (generated from lsp_server/config/settings.py), so
// a new server setting needs no change here. `slm-ls.server.*` belongs to the
// extension (how to start the server) and is never sent.

const PREFIX = 'slm-ls.';

/** The contributed server settings, as dotted names without the prefix. */
function serverKeys(packageJSON) {
  const properties = packageJSON.contributes.configuration.properties;
  return Object.keys(properties)
    .map((key) => key.slice(PREFIX.length))
    .filter((key) => !key.startsWith('server.'));
}

/** {"completion.maxTokens": 64, ...} → {completion: {maxTokens: 64}, ...} */
function nest(keys, get) {
  const tree = {};
  for (const key of keys) {
    const parts = key.split('.');
    let node = tree;
    for (const part of parts.slice(0, -1)) {
      node = node[part] = node[part] || {};
    }
    node[parts[parts.length - 1]] = get(key);
  }
  return tree;
}

function serverSettings(packageJSON, config) {
  return nest(serverKeys(packageJSON), (key) => config.get(key));
}

module.exports = { serverKeys, nest, serverSettings };
