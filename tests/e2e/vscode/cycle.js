'use strict';
// Drives VS Code (code-server) in headless Chromium (issue 17): the cursor at the end of
// a line, "slm-ls: Trigger Suggestion" shows ghost text; Alt+] (VS Code's "show next
// inline suggestion") shows a different one; Ctrl+Right (VS Code's "accept next word")
// takes a word of it; the rest stays shown; "slm-ls: Show Statistics" shows the
// server's counts. Prints each step; the Python test (tests/e2e/test_vscode.py) checks
// them and the saved file. Environment: SLM_LS_URL, SLM_LS_FILE, SLM_LS_PATH,
// SLM_LS_LINE (1-based), SLM_LS_CHROMIUM.
const {
  WAIT, GHOST, step, command, openWorkbench, openAt, saveAndWait, ghostText, drive,
} = require('./common');

const env = process.env;

async function waitForGhost(page, unlike) {
  await page.waitForFunction((selector, old) => {
    const text = [...document.querySelectorAll(selector)].map((node) => node.textContent).join('\n');
    return text.trim() !== '' && text !== old;
  }, WAIT, GHOST, unlike);
  return ghostText(page);
}

/** Run "slm-ls: Show Statistics" and read the notification it shows (one whose text
 * differs from `previous`, the last one read). */
async function statistics(page, previous) {
  await command(page, 'slm-ls: Show Statistics');
  const read = (old) => [...document.querySelectorAll('.notification-list-item-message')]
    .map((node) => node.textContent).find((text) => text.includes('suggestions shown') && text !== old);
  await page.waitForFunction(read, WAIT, previous);
  return page.evaluate(read, previous);
}

async function chord(page, modifier, key) {
  await page.keyboard.down(modifier);
  await page.keyboard.press(key);
  await page.keyboard.up(modifier);
}

drive(env, async (browser) => {
  const page = await openWorkbench(browser, env.SLM_LS_URL);
  await openAt(page, env.SLM_LS_FILE, env.SLM_LS_LINE);
  await page.keyboard.press('End');
  await new Promise((resolve) => setTimeout(resolve, 1500)); // any request the cursor caused
  const before = await statistics(page, '');
  step(`statistics before: ${before}`);
  await page.keyboard.press('Escape');
  await command(page, 'slm-ls: Trigger Suggestion');
  const first = await waitForGhost(page, '');
  step(`first: ${JSON.stringify(first)}`);
  await chord(page, 'Alt', 'BracketRight');
  const second = await waitForGhost(page, first);
  step(`second: ${JSON.stringify(second)}`);
  await chord(page, 'Control', 'ArrowRight');
  const rest = await waitForGhost(page, second);
  step(`rest: ${JSON.stringify(rest)}`);
  await new Promise((resolve) => setTimeout(resolve, 1500)); // any request it caused
  step(`statistics after: ${await statistics(page, before)}`);
  await page.keyboard.press('Escape');
  await saveAndWait(page, env.SLM_LS_PATH);
  step('saved');
});
