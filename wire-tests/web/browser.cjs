// Drives Debian's chromium (headless, through playwright-core) on the users page of
// `h2grpc serve`: creates a user with the page's form and reads the list the page shows as
// ListUsers streams it in. Prints {"users": [...], "status": "..."} as JSON; keeps a screenshot.
//
//   NODE_PATH=target/npm/node_modules node wire-tests/web/browser.cjs URL SCREENSHOT NAME EMAIL
const { chromium } = require("playwright-core");

async function main() {
  const [url, screenshot, name, email] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--headless=new"],
  });
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(String(error)));
    await page.goto(url);
    await page.fill("#name", name);
    await page.fill("#email", email);
    await page.fill("#age", "41");
    await page.click("#add");
    await page.waitForSelector(`li.user:has-text("${name}")`, { timeout: 20000 });
    const users = await page.$$eval("li.user", (items) => items.map((item) => item.textContent));
    const status = await page.textContent("#status");
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(JSON.stringify({ users, status, errors }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(String(error && error.stack || error));
  process.exit(1);
});
