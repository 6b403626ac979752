// The browser scenario of tests/e2e/test_web_photo.py: a person starting a video
// from a photo in clients/web — a portrait photo is refused for a 16:9 video with the reason,
// the chosen photo is previewed, the price is the table's, the upload shows its progress, and
// the request becomes a draft. Driven by pytest (tests/e2e/driver.py) with harness.mjs.
import {
  APP_URL, RUN, STEP_TIMEOUT, ask, balanceIs, card, cardReaches, expect, page, pageErrors, runSteps, shot, text, tid,
} from "./harness.mjs";

const LANDSCAPE = process.env.PHOTO_LANDSCAPE;
const PORTRAIT = process.env.PHOTO_PORTRAIT;
// The table's price of a default 4 s video (domain/pricing.py, passed by the pytest side).
const PRICE = Number(process.env.PHOTO_PRICE);
const prompt = `the red and blue flag waves (e2e photo ${RUN})`;

const steps = [
  ["sign up and get 100 tokens", async () => {
    await page.goto(APP_URL);
    await tid("email").fill(`e2e-photo-${RUN}@example.test`);
    await tid("password").fill("e2e-secret-1");
    await tid("sign-up").click();
    await tid("app-view").waitFor();
    await balanceIs(0);
    const answer = await ask(`@@uid ${await text(tid("user-uid"))}`);
    expect(answer === "granted", `the test answered "${answer}"`);
    await balanceIs(100);
  }],

  ["a portrait photo for a 16:9 video is refused with the reason", async () => {
    await tid("prompt").fill(prompt);
    await tid("photo").setInputFiles(PORTRAIT);
    await tid("photo-preview-box").waitFor();
    await page.waitForFunction(() => document.querySelector("[data-testid=submit]").disabled, null,
      { timeout: STEP_TIMEOUT });
    const reason = await text(tid("submit-reason"));
    expect(reason.includes("16:9"), `reason shown: "${reason}"`);
  }],

  ["a landscape photo is previewed, at the table's price", async () => {
    await tid("photo").setInputFiles(LANDSCAPE);
    await page.waitForFunction(() => {
      const img = document.querySelector("[data-testid=photo-preview]");
      return img && img.complete && img.naturalWidth === 1280 && img.naturalHeight === 720;
    }, null, { timeout: STEP_TIMEOUT });
    await page.waitForFunction(() => !document.querySelector("[data-testid=submit]").disabled, null,
      { timeout: STEP_TIMEOUT });
    expect((await text(tid("cost"))) === String(PRICE), `cost shown: ${await text(tid("cost"))}, not ${PRICE}`);
    await shot("photo-01-preview");
  }],

  ["generate: the upload shows its progress, then the draft arrives", async () => {
    // Record the progress bar's values as the upload moves it.
    await page.evaluate(() => {
      window.__progress = [];
      const bar = document.querySelector("[data-testid=photo-progress]");
      new MutationObserver(() => window.__progress.push([bar.hidden, bar.value]))
        .observe(bar, { attributes: true });
      const original = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
      Object.defineProperty(bar, "value", {
        get() { return original.get.call(this); },
        set(v) { original.set.call(this, v); window.__progress.push([this.hidden, v]); },
      });
    });
    await tid("submit").click();
    const newCard = page.locator("[data-testid=creation-card]", { hasText: prompt }).first();
    await newCard.waitFor();
    const cid = await newCard.getAttribute("data-id");
    console.log(`@@id ${cid}`);
    const progress = await page.evaluate(() => window.__progress);
    expect(progress.some(([hidden, v]) => !hidden && v === 1), `the bar never showed a finished upload: ${JSON.stringify(progress)}`);
    await cardReaches(cid, ["draft"]);
    expect(await card(cid).getByTestId("creation-video").count() === 1, "the draft has no video");
    await balanceIs(100 - PRICE);
    await shot("photo-02-draft");
  }],

  ["no uncaught page errors", async () => {
    expect(pageErrors.length === 0, `uncaught errors in the page:\n${pageErrors.join("\n")}`);
  }],
];

await runSteps(steps, "photo");
