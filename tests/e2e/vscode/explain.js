'use strict';
// Drives VS Code (code-server) in headless Chromium: opens a file, waits for the
// slm-ls status-bar item to say the model is ready, puts the cursor inside a function,
// runs "slm-ls: Explain This" and waits for the "slm-ls: Explanation" panel; prints
// the panel's text ("explanation: ..."). Environment: SLM_LS_URL, SLM_LS_FILE,
// SLM_LS_LINE (1-based), SLM_LS_SCREENSHOT (optional), SLM_LS_CHROMIUM.
const puppeteer = require('puppeteer-core');

const env = process.env;
const WAIT = { timeout: 240000 };

function step(message) {
  console.log(`[${new Date().toISOString()}] ${message}`);
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
  const browser = await puppeteer.launch({
    executablePath: env.SLM_LS_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    protocolTimeout: 600000,
    defaultViewport: { width: 1100, height: 620 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    page.setDefaultTimeout(WAIT.timeout);
    await page.goto(env.SLM_LS_URL, { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('.monaco-workbench .part.statusbar');
    await page.waitForFunction(() => [...document.querySelectorAll('.statusbar-item')].some(
      (item) => /^slm-ls: (?!starting|loading)/.test(item.textContent.trim())), WAIT);
    step('server ready');
    await command(page, 'Go to File');
    await page.keyboard.type(env.SLM_LS_FILE);
    await page.waitForSelector('.quick-input-list .monaco-list-row');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.monaco-editor .view-lines');
    await page.click('.monaco-editor .view-lines');
    await command(page, 'Go to Line/Column');
    await page.keyboard.type(env.SLM_LS_LINE);
    await page.keyboard.press('Enter');
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
    const status = await page.$$eval('.statusbar-item', (items) =>
      items.map((item) => item.textContent.trim()).filter((t) => t.startsWith('slm-ls')));
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
