'use strict';
// Drives VS Code (code-server) in headless Chromium: opens $SLM_LS_FILE, renames the
// parameter `factor` to `ratio` in its first line, then presses Alt+N (the extension's
// "Apply Next Edit" while one is shown) until the next use is renamed too, and saves.
// Environment: SLM_LS_URL, SLM_LS_FILE, SLM_LS_PATH, SLM_LS_CHROMIUM.
const { step, launch, openWorkbench, openAt, saveAndWait } = require('./common');

const env = process.env;

async function lines(page) {
  return page.$eval('.monaco-editor .view-lines', (node) => node.innerText);
}

async function main() {
  const browser = await launch(env);
  try {
    const page = await openWorkbench(browser, env.SLM_LS_URL);
    step('server ready');
    await openAt(page, env.SLM_LS_FILE, '1:19'); // before `factor` in the signature
    for (let i = 0; i < 'factor'.length; i += 1) {
      await page.keyboard.press('Delete');
    }
    await page.keyboard.type('ratio');
    step(`renamed: ${JSON.stringify((await lines(page)).split('\n')[0])}`);
    let applied = false;
    for (let i = 0; i < 60 && !applied; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await page.keyboard.down('Alt');
      await page.keyboard.press('KeyN');
      await page.keyboard.up('Alt');
      await new Promise((resolve) => setTimeout(resolve, 300));
      applied = (await lines(page)).split('\n')[1].includes('ratio');
    }
    if (!applied) {
      throw new Error(`no next edit applied: ${JSON.stringify(await lines(page))}`);
    }
    step(`applied: ${JSON.stringify((await lines(page)).split('\n')[1])}`);
    await saveAndWait(page, env.SLM_LS_PATH);
    step('saved');
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(`FAIL ${error.stack || error}`);
  process.exit(1);
});
