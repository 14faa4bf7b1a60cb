'use strict';
// Drives VS Code (code-server) in headless Chromium: opens a file, waits for the
// slm-ls status-bar item to say the model is ready, puts the cursor at the end of a
// line, runs "slm-ls: Trigger Suggestion", waits for the ghost text, accepts it with
// Tab and saves. The Python test (tests/e2e/test_vscode.py) starts code-server and
// checks the saved file. Environment: SLM_LS_URL, SLM_LS_FILE (the name to open),
// SLM_LS_PATH (that file on disk),
// SLM_LS_LINE (1-based), SLM_LS_SCREENSHOT (optional: where to save a picture of
// the ghost text), SLM_LS_CHROMIUM.
const {
  WAIT, step, command, statusText, statusTooltip, openWorkbench, openAt, saveAndWait, drive,
} = require('./common');

const env = process.env;

drive(env, async (browser) => {
  const page = await openWorkbench(browser, env.SLM_LS_URL);
  const status = await statusText(page);
  step(`status bar: ${JSON.stringify(status)}`);
  if (status.some((text) => /stopped|error/.test(text))) {
    throw new Error(`the server is not ready: ${status}`);
  }
  // The tooltip says what model "auto" chose, or the model named, and why.
  const tooltip = await statusTooltip(page, /(auto|named in the settings): /);
  step(`status tooltip: ${JSON.stringify(tooltip)}`);
  await openAt(page, env.SLM_LS_FILE, env.SLM_LS_LINE);
  step('file open');
  await page.keyboard.press('End');
  await command(page, 'slm-ls: Trigger Suggestion');
  await page.waitForSelector('.ghost-text-decoration, .ghost-text-decoration-preview', WAIT);
  const ghost = await page.$$eval('.ghost-text-decoration, .ghost-text-decoration-preview, .ghost-text',
    (nodes) => nodes.map((node) => node.textContent).join('\n'));
  step(`ghost text: ${JSON.stringify(ghost)}`);
  if (env.SLM_LS_SCREENSHOT) {
    await page.screenshot({ path: env.SLM_LS_SCREENSHOT });
  }
  // Accepted: the ghost text is gone and the cursor moved to its end (the status
  // bar's "Ln 5, Col 12"; the ghost text is part of the line's DOM, so the lines'
  // text cannot tell).
  const position = () => [...document.querySelectorAll('.statusbar-item')]
    .map((item) => item.textContent.trim()).find((text) => /^Ln \d+, Col \d+/.test(text));
  const before = await page.evaluate(position);
  await page.keyboard.press('Tab');
  await page.waitForFunction((shown) => !document.querySelector('.ghost-text-decoration')
    && [...document.querySelectorAll('.statusbar-item')]
      .map((item) => item.textContent.trim())
      .find((text) => /^Ln \d+, Col \d+/.test(text)) !== shown, { timeout: 20000 }, before)
    .catch(async (error) => {
      if (env.SLM_LS_SCREENSHOT) {
        await page.screenshot({ path: `${env.SLM_LS_SCREENSHOT}.after-tab.png` });
      }
      throw error;
    });
  step(`accepted: ${before} -> ${await page.evaluate(position)}`);
  await saveAndWait(page, env.SLM_LS_PATH);
  step('saved');
});
