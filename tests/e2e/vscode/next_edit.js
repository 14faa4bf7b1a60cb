'use strict';
// Drives VS Code (code-server) in headless Chromium: opens $SLM_LS_FILE at $SLM_LS_AT
// (default: before `factor` in the first line), deletes $SLM_LS_DELETE characters
// (default 6), types $SLM_LS_TYPE key by key (default `ratio`; "\n" is Enter) — VS Code
// asks for an inline completion at each key — then presses Alt+N (the extension's
// "Apply Next Edit" while one is shown) until the second line holds `ratio` (with
// $SLM_LS_LINE: until the text holds $SLM_LS_EXPECT; the test reads that line of the
// saved file), and saves.
// Environment: SLM_LS_URL, SLM_LS_FILE, SLM_LS_PATH, SLM_LS_CHROMIUM.
const {
  step, openWorkbench, openAt, saveAndWait, drive,
} = require('./common');

const env = process.env;

async function lines(page) {
  const text = await page.$eval('.monaco-editor .view-lines', (node) => node.innerText);
  return text.replace(/\u00a0/g, ' '); // Monaco renders spaces as non-breaking ones
}

drive(env, async (browser) => {
  const page = await openWorkbench(browser, env.SLM_LS_URL);
  step('server ready');
  await openAt(page, env.SLM_LS_FILE, env.SLM_LS_AT || '1:19'); // before `factor`
  for (let i = 0; i < Number(env.SLM_LS_DELETE || 6); i += 1) {
    await page.keyboard.press('Delete');
  }
  const parts = (env.SLM_LS_TYPE || 'ratio').split('\n');
  for (let i = 0; i < parts.length; i += 1) {
    if (i > 0) {
      await page.keyboard.press('Enter');
    }
    await page.keyboard.type(parts[i], { delay: 60 });
  }
  step(`typed: ${JSON.stringify(await lines(page))}`);
  const line = Number(env.SLM_LS_LINE || 1);
  const expect = env.SLM_LS_EXPECT || 'ratio';
  let applied = false;
  for (let i = 0; i < 60 && !applied; i += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await page.keyboard.down('Alt');
    await page.keyboard.press('KeyN');
    await page.keyboard.up('Alt');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const shown = await lines(page); // in the DOM's order, blank lines left out
    applied = env.SLM_LS_LINE ? shown.includes(expect) : (shown.split('\n')[line] || '').includes(expect);
  }
  if (!applied) {
    throw new Error(`no next edit applied: ${JSON.stringify(await lines(page))}`);
  }
  step(`applied: ${JSON.stringify((await lines(page)).split('\n')[line])}`);
  await saveAndWait(page, env.SLM_LS_PATH);
  step('saved');
});
