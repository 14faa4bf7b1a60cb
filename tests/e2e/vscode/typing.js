'use strict';
// Drives VS Code (code-server) in headless Chromium: opens a file nobody has opened
// yet, puts the cursor at the end of a line, starts a new line and types
// $SLM_LS_TYPE one character every 250 ms, as a person would, without asking for a
// suggestion: VS Code's automatic inline-completion requests only. Prints
// "first ghost text after N characters, T s: ..." when ghost text appears, and the
// server's view of each request (slmls/stats is not reachable here: the status
// bar and the ghost text are what the person sees). Environment: SLM_LS_URL,
// SLM_LS_FILE, SLM_LS_LINE (1-based), SLM_LS_TYPE, SLM_LS_CHROMIUM.
const {
  step, openWorkbench, openAt, ghostText: ghost, drive,
} = require('./common');

const env = process.env;
const PATIENCE_MS = 45000;

drive(env, async (browser) => {
  const page = await openWorkbench(browser, env.SLM_LS_URL);
  await openAt(page, env.SLM_LS_FILE, env.SLM_LS_LINE);
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  step('typing');
  const started = Date.now();
  const text = env.SLM_LS_TYPE;
  let typed = 0;
  while (Date.now() - started < PATIENCE_MS) {
    const shown = await ghost(page);
    if (shown.trim()) {
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      step(`first ghost text after ${typed} characters, ${seconds} s: ${JSON.stringify(shown)}`);
      return;
    }
    if (typed < text.length) {
      await page.keyboard.type(text[typed]);
      typed += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`no ghost text within ${PATIENCE_MS / 1000} s after typing ${JSON.stringify(text.slice(0, typed))}`);
});
