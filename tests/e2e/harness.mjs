// What every browser scenario in this folder shares: its environment, the protocol with its
// pytest driver (tests/e2e/driver.py), Debian's Chromium through playwright-core (no browser
// download), and the loop that runs named steps.
//
//   env  APP_URL, ARTIFACTS, CHROMIUM (default /usr/bin/chromium), STEP_TIMEOUT_MS
//   out  "@@step <name>"        a step starts
//        "@@uid <uid>"          the signed-up user's uid: pytest grants tokens, then answers
//   in   "granted"              (the answer)
//        "@@hide <cid>"         pytest has more users report it until it is hidden
//   in   "hidden"               (the answer)
//        "@@id <cid>"           a creation id pytest checks afterwards
//        "@@ok"                 every step passed
//        "@@fail <step>: <why>" a step failed (a screenshot failure-…png is saved); exit 1
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { chromium } from "playwright-core";

export const APP_URL = process.env.APP_URL;
export const ARTIFACTS = process.env.ARTIFACTS;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
export const STEP_TIMEOUT = Number(process.env.STEP_TIMEOUT_MS || 60000);
export const RUN = Math.random().toString(36).slice(2, 10);

if (!APP_URL || !ARTIFACTS) {
  console.log("@@fail setup: APP_URL and ARTIFACTS must be set");
  process.exit(2);
}
await mkdir(ARTIFACTS, { recursive: true });

const stdinLines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
export async function ask(line) {
  console.log(line);
  const { value, done } = await stdinLines.next();
  if (done) throw new Error(`no answer from the test to "${line}"`);
  return value.trim();
}

export class StepFailure extends Error {}
export function expect(condition, message) {
  if (!condition) throw new StepFailure(message);
}

export const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  // What this machine needs (see the environment notes): no sandbox as root, no GPU, and no
  // background connections to Google (the network is closed).
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
  ],
});
export const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
export const page = await context.newPage();
page.setDefaultTimeout(STEP_TIMEOUT);
export const pageErrors = [];
const consoleLines = [];
page.on("pageerror", (err) => pageErrors.push(String(err && err.stack ? err.stack : err)));
page.on("console", (msg) => consoleLines.push(`[${msg.type()}] ${msg.text()}`));

export const tid = (id) => page.getByTestId(id);
export const card = (cid) => page.locator(`[data-testid=creation-card][data-id="${cid}"]`);
export const shot = (name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

// What a creation's card shows: its status, and its progress bar's value while in flight.
const CARD_STATE = (id) => {
  const li = document.querySelector(`[data-testid=creation-card][data-id="${id}"]`);
  const bar = li?.querySelector("progress[data-testid=creation-progress]");
  return li ? `${li.dataset.status}${bar ? `+${bar.getAttribute("value") ?? "?"}` : ""}` : "(no card)";
};
const FINAL = ["failed"]; // a failed creation never changes again (a draft may still be published)

// Waits for a creation's card to show one of `statuses`. The server's work takes longer on a
// busy machine, so this waits on progress: it fails after `silence` ms in which the card did
// not change at all (status or progress), or at once when it failed and that was not asked for.
export async function cardReaches(cid, statuses, silence = STEP_TIMEOUT) {
  let state = await page.evaluate(CARD_STATE, cid);
  for (;;) {
    const status = state.split("+")[0];
    if (statuses.includes(status)) return;
    if (FINAL.includes(status)) break;
    try {
      await page.waitForFunction(`(${CARD_STATE})(${JSON.stringify(cid)}) !== ${JSON.stringify(state)}`, null,
        { timeout: silence });
    } catch {
      break;
    }
    state = await page.evaluate(CARD_STATE, cid);
  }
  const why = await card(cid).getByTestId("creation-error").textContent({ timeout: 1000 }).catch(() => "");
  throw new StepFailure(`creation ${cid} should reach ${statuses.join("/")}, is ${state}${why ? `: ${why}` : ""}`);
}

// Whether a <video> is playable: the browser has its metadata (readyState >= 1, a duration),
// or says why not (video.error). Looked at afresh each time, because a card re-renders as its
// poster arrives; a video with a poster loads nothing until it is opened (preload=none), so it
// is opened. Fails only after `timeout` ms with neither; a busy machine only makes it wait.
export async function videoPlayable(locator, what, timeout = STEP_TIMEOUT) {
  const look = () => locator.evaluate((video) => {
    if (video.preload === "none") {
      video.preload = "metadata";
      video.load();
    }
    return {
      readyState: video.readyState, duration: video.duration, width: video.videoWidth, height: video.videoHeight,
      error: video.error ? `${video.error.code} ${video.error.message}` : null, src: video.currentSrc,
    };
  });
  const deadline = Date.now() + timeout;
  let seen = await look();
  while (!(seen.readyState >= 1 && seen.duration > 0) && !seen.error && Date.now() < deadline) {
    await page.waitForTimeout(200);
    seen = await look();
  }
  expect(seen.readyState >= 1 && seen.duration > 0, `${what} is not playable: ${JSON.stringify(seen)}`);
  // The first frame too if it comes soon, so that screenshots show the picture, not a spinner.
  for (let i = 0; i < 15 && seen.readyState < 2; i++) {
    await page.waitForTimeout(200);
    seen = await look();
  }
  return seen;
}

export async function text(locator) {
  return ((await locator.textContent()) || "").trim();
}

export async function balanceIs(n, timeout = STEP_TIMEOUT) {
  try {
    await page.waitForFunction(
      (want) => document.querySelector("[data-testid=balance]")?.textContent.trim() === String(want),
      n, { timeout },
    );
  } catch {
    throw new StepFailure(`balance should be ${n}, shows "${await text(tid("balance"))}"`);
  }
}

// Runs the steps in order, stops at the first failure (with a screenshot), saves the page's
// console, and ends the process with the verdict. `name` prefixes the saved files ("" for none).
export async function runSteps(steps, name = "") {
  const prefix = name ? `${name}-` : "";
  let failed = null;
  for (const [step, run] of steps) {
    console.log(`@@step ${step}`);
    const started = Date.now();
    try {
      await run();
      console.log(`   ok (${Date.now() - started} ms)`);
    } catch (err) {
      const why = err instanceof StepFailure ? err.message : String(err && err.stack ? err.stack : err);
      failed = `${step}: ${why}`;
      const file = `failure-${prefix}${step.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}`;
      await shot(file).catch(() => {});
      console.log(`   screenshot ${file}.png`);
      break;
    }
  }
  await writeFile(join(ARTIFACTS, `${prefix}console.log`), consoleLines.join("\n") + "\n");
  await browser.close();
  if (failed) {
    console.log(`@@fail ${failed.replace(/\n/g, "\n      ")}`);
    process.exit(1);
  }
  console.log("@@ok");
  process.exit(0);
}
