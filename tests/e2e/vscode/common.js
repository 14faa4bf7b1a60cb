'use strict';
// Shared by the VS Code test scripts: Chromium launched headless, the workbench
// loaded with the slm-ls server ready, and commands run from the palette.
const puppeteer = require('puppeteer-core');

const WAIT = { timeout: 240000 };

function step(message) {
  console.log(`[${new Date().toISOString()}] ${message}`);
}

function launch(env) {
  return puppeteer.launch({
    executablePath: env.SLM_LS_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    protocolTimeout: 600000,
    defaultViewport: { width: 1100, height: 620 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

async function command(page, title) {
  await page.keyboard.press('F1');
  await page.waitForSelector('.quick-input-widget input', { visible: true });
  await page.keyboard.type(title);
  await page.waitForFunction(
    (wanted) => [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((row) =>
      row.textContent.includes(wanted)),
    {},
    title,
  );
  await page.keyboard.press('Enter');
}

async function statusText(page) {
  return page.$$eval('.statusbar-item', (items) =>
    items.map((item) => item.textContent.trim()).filter((text) => text.startsWith('slm-ls')));
}

/** The slm-ls status-bar item's tooltip once it holds `wanted` (a RegExp): the item is
 * hovered until its hover shows it (the extension adds the server's reasons after the
 * model is ready); "" when it never does within `tries` hovers. */
async function statusTooltip(page, wanted, tries = 15) {
  let text = '';
  for (let i = 0; i < tries; i += 1) {
    const items = await page.$$('.statusbar-item');
    for (const item of items) {
      const label = await item.evaluate((node) => node.textContent.trim());
      if (label.startsWith('slm-ls')) {
        await item.hover();
        break;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
    text = await page.$$eval('.monaco-hover, .workbench-hover, .hover-contents',
      (nodes) => nodes.map((node) => node.textContent).join('\n'));
    if (wanted.test(text)) {
      break;
    }
    await page.mouse.move(5, 5); // away, so that the next hover shows the new tooltip
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await page.mouse.move(5, 5);
  return text;
}

/** The workbench at `url`, once the slm-ls status-bar item says the model is ready. */
async function openWorkbench(browser, url) {
  const page = await browser.newPage();
  page.setDefaultTimeout(WAIT.timeout);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.monaco-workbench .part.statusbar');
  step('workbench loaded');
  await page.waitForFunction(() => [...document.querySelectorAll('.statusbar-item')].some(
    (item) => /^slm-ls: (?!starting|loading)/.test(item.textContent.trim())), WAIT);
  return page;
}

/** Open `file` (quick open) and put the cursor at the start of `line` (1-based). */
async function openAt(page, file, line) {
  await command(page, 'Go to File');
  await page.keyboard.type(file);
  await page.waitForSelector('.quick-input-list .monaco-list-row');
  await page.keyboard.press('Enter');
  await page.waitForSelector('.monaco-editor .view-lines');
  await page.click('.monaco-editor .view-lines');
  await command(page, 'Go to Line/Column');
  await page.keyboard.type(line);
  await page.keyboard.press('Enter');
}

/** Save the active editor (Ctrl+S) and keep the page open until the file at `path`
 * changed on disk (at most 30 s). */
async function saveAndWait(page, path) {
  const fs = require('fs');
  const original = fs.readFileSync(path, 'utf8');
  await page.keyboard.down('Control');
  await page.keyboard.press('KeyS');
  await page.keyboard.up('Control');
  for (let i = 0; i < 60 && fs.readFileSync(path, 'utf8') === original; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

const GHOST = '.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text';

/** The ghost text shown (every part of it, a line each). */
async function ghostText(page) {
  return page.$$eval(GHOST, (nodes) => nodes.map((node) => node.textContent).join('\n'));
}

/** Run `body(browser)` in a headless Chromium (closed after it); a failure prints
 * "FAIL …" and exits with 1, which the Python test reports. */
function drive(env, body) {
  (async () => {
    const browser = await launch(env);
    try {
      await body(browser);
    } finally {
      await browser.close();
    }
  })().catch((error) => {
    console.error(`FAIL ${error.stack || error}`);
    process.exit(1);
  });
}

module.exports = {
  WAIT, GHOST, step, launch, command, statusText, statusTooltip, openWorkbench, openAt,
  saveAndWait, ghostText, drive,
};
