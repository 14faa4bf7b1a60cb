'use strict';
// Drives VS Code (code-server) in headless Chromium: opens a file, waits for the
// slm-ls status-bar item to say the model is ready, puts the cursor inside a function,
// runs "slm-ls: Explain This" and waits for the "slm-ls: Explanation" panel; prints
// the panel's text ("explanation: ..."). Environment: SLM_LS_URL, SLM_LS_FILE,
// SLM_LS_LINE (1-based), SLM_LS_SCREENSHOT (optional), SLM_LS_CHROMIUM.
const { WAIT, step, launch, command, statusText, openWorkbench, openAt } = require('./common');

const env = process.env;

async function panelText(page) {
  for (const frame of page.frames()) {
    const text = await frame.evaluate(() => (document.body ? document.body.innerText : ''))
      .catch(() => '');
    if (text.includes('(slm-ls)')) {
      return text;
    }
  }
  return null;
}

async function main() {
  const browser = await launch(env);
  try {
    const page = await openWorkbench(browser, env.SLM_LS_URL);
    step('server ready');
    await openAt(page, env.SLM_LS_FILE, env.SLM_LS_LINE);
    step('cursor placed');
    await command(page, 'slm-ls: Explain This');
    await page.waitForFunction(() => [...document.querySelectorAll('.tab')].some(
      (tab) => tab.textContent.includes('slm-ls: Explanation')), WAIT);
    step('panel open');
    let text = null;
    for (let i = 0; i < 60 && !text; i += 1) {
      text = await panelText(page);
      if (!text) {
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    if (env.SLM_LS_SCREENSHOT) {
      await page.screenshot({ path: env.SLM_LS_SCREENSHOT });
    }
    if (!text) {
      throw new Error('the panel shows no explanation');
    }
    const status = await statusText(page);
    step(`status after: ${JSON.stringify(status)}`);
    step(`explanation: ${JSON.stringify(text)}`);
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(`FAIL ${error.stack || error}`);
  process.exit(1);
});
