'use strict';
// Drives VS Code (code-server) in headless Chromium: opens a file, waits for the
// slm-ls status-bar item to say the model is ready, puts the cursor inside a function,
// runs "slm-ls: Explain This" and waits for the "slm-ls: Explanation" panel; prints
// the panel's text ("explanation: ..."). While the model works, a notification with a
// Cancel button shows the progress ("notification: ..."); with SLM_LS_CANCEL=1 the
// script clicks Cancel and checks that no panel opens ("cancelled: no panel").
// Environment: SLM_LS_URL, SLM_LS_FILE, SLM_LS_LINE (1-based), SLM_LS_SCREENSHOT
// (optional), SLM_LS_CHROMIUM, SLM_LS_CANCEL (optional).
const {
  WAIT, step, command, statusText, openWorkbench, openAt, drive,
} = require('./common');

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

/** The text of the slm-ls progress notification, once it shows a Cancel button. */
async function progressNotification(page) {
  const toast = await page.waitForFunction(() => {
    for (const item of document.querySelectorAll('.notification-toast')) {
      const buttons = [...item.querySelectorAll('.monaco-button')].map((b) => b.textContent.trim());
      if (item.textContent.includes('slm-ls') && buttons.includes('Cancel')) {
        return item.textContent.trim();
      }
    }
    return false;
  }, { timeout: 60000 });
  return toast.jsonValue();
}

async function clickCancel(page) {
  await page.evaluate(() => {
    for (const item of document.querySelectorAll('.notification-toast')) {
      for (const button of item.querySelectorAll('.monaco-button')) {
        if (item.textContent.includes('slm-ls') && button.textContent.trim() === 'Cancel') {
          button.click();
          return;
        }
      }
    }
  });
}

async function panelOpen(page) {
  return page.evaluate(() => [...document.querySelectorAll('.tab')].some(
    (tab) => tab.textContent.includes('slm-ls: Explanation')));
}

drive(env, async (browser) => {
  const page = await openWorkbench(browser, env.SLM_LS_URL);
  step('server ready');
  await openAt(page, env.SLM_LS_FILE, env.SLM_LS_LINE);
  step('cursor placed');
  await command(page, 'slm-ls: Explain This');
  step(`notification: ${JSON.stringify(await progressNotification(page))}`);
  if (env.SLM_LS_CANCEL) {
    await clickCancel(page);
    step('cancel clicked');
    await new Promise((resolve) => setTimeout(resolve, 15000));
    if (await panelOpen(page)) {
      throw new Error('the explanation opened after Cancel');
    }
    step(`status after: ${JSON.stringify(await statusText(page))}`);
    step('cancelled: no panel');
    return;
  }
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
});
