// The browser scenario of tests/e2e/test_web_options.py: a person choosing Veo's
// options in clients/web — the price follows each choice before submit, a balance enough for
// fast but not for standard blocks standard with the reason, 1080p offers 8 s only, and a
// fast 1080p silent video with a negative prompt and a seed becomes a 1920x1080 draft.
// Driven by pytest (tests/e2e/driver.py) with the protocol of harness.mjs.
import {
  APP_URL, RUN, STEP_TIMEOUT, StepFailure, ask, balanceIs, card, cardReaches, expect, page, pageErrors, runSteps, shot, text,
  tid, videoPlayable,
} from "./harness.mjs";
import { PRICES } from "../../clients/web/src/price-table.js";

// Prices from the client's generated table: never a number here.
const price = (quality, resolution, audio, seconds) =>
  PRICES[`${quality}/${resolution}/${audio ? "audio" : "silent"}/${seconds}`];
// What tests/e2e/test_web_options.py grants: a default 8 s video, so standard is out of reach.
const GRANT = price("fast", "720p", true, 8);
const chosen = price("fast", "1080p", false, 8); // the video this scenario makes

async function waitText(locator, want, what) {
  try {
    await page.waitForFunction(([el, w]) => el && el.textContent.trim() === w,
      [await locator.elementHandle(), want], { timeout: STEP_TIMEOUT });
  } catch {
    throw new StepFailure(`${what} should show "${want}", shows "${await text(locator)}"`);
  }
}

const prompt = `a kite over a windy beach (e2e options ${RUN})`;
let cid;

const steps = [
  ["sign up and get the tokens of a default 8 s video", async () => {
    await page.goto(APP_URL);
    await tid("email").fill(`e2e-options-${RUN}@example.test`);
    await tid("password").fill("e2e-secret-1");
    await tid("sign-up").click();
    await tid("app-view").waitFor();
    await balanceIs(0); // the live balance is attached before the grant, as scenario.mjs does
    const answer = await ask(`@@uid ${await text(tid("user-uid"))}`);
    expect(answer === "granted", `the test answered "${answer}"`);
    await balanceIs(GRANT);
  }],

  ["the price follows each option before submit", async () => {
    await tid("prompt").fill(prompt);
    await tid("duration-8").check();
    await waitText(tid("cost"), String(GRANT), "the cost of a default 8 s video");
    await tid("audio").uncheck();
    await waitText(tid("cost"), String(price("fast", "720p", false, 8)), "the cost without sound");
    await tid("audio").check();
    await tid("resolution-1080p").check();
    await waitText(tid("cost"), String(price("fast", "1080p", true, 8)), "the cost at 1080p");
    await tid("resolution-720p").check();
  }],

  ["enough for fast, not for standard: standard is blocked with the reason", async () => {
    await tid("quality-standard").check();
    const standard = price("standard", "720p", true, 8);
    await waitText(tid("cost"), String(standard), "the cost of standard 8 s");
    expect(await tid("submit").isDisabled(), `submit should be disabled: ${standard} > ${GRANT} tokens`);
    const reason = await text(tid("submit-reason"));
    expect(reason.includes(`${standard} tokens`) && reason.includes(String(GRANT)), `reason shown: "${reason}"`);
    await shot("options-01-standard-blocked");
    await tid("quality-fast").check();
    expect(await tid("submit").isEnabled(), `fast should be allowed: ${await text(tid("submit-reason"))}`);
  }],

  ["1080p below 8 s is not on sale: those durations cannot be chosen", async () => {
    await tid("duration-4").check();
    await tid("resolution-1080p").check();
    expect(await tid("duration-4").isDisabled() && await tid("duration-6").isDisabled(),
      "4 s and 6 s can still be chosen at 1080p");
    expect(await tid("duration-8").isChecked(), "choosing 1080p did not move the duration to 8 s");
    expect(await text(tid("cost")) !== "—", "the cost shows — instead of a price");
  }],

  ["fast 1080p silent with a negative prompt and a seed: a 1920x1080 draft at its price", async () => {
    await tid("duration-8").check();
    await tid("audio").uncheck();
    await page.locator("[data-testid=more-options] summary").click();
    await tid("negative-prompt").fill("people, text");
    await tid("seed").fill("2026");
    await waitText(tid("cost"), String(chosen), "the cost of fast 1080p silent 8 s");
    await tid("submit").click();
    const newCard = page.locator("[data-testid=creation-card]", { hasText: prompt }).first();
    await newCard.waitFor();
    cid = await newCard.getAttribute("data-id");
    console.log(`@@id ${cid}`);
    await cardReaches(cid, ["draft"]);
    const video = await videoPlayable(card(cid).getByTestId("creation-video"), "the draft's video");
    expect(video.width === 1920 && video.height === 1080, `the draft plays at ${video.width}x${video.height}, not 1920x1080`);
    const facts = await text(card(cid));
    expect(facts.includes("1080p") && facts.includes("silent") && facts.includes(`${chosen} tokens`),
      `the card does not say 1080p, silent, ${chosen} tokens: "${facts}"`);
    await balanceIs(GRANT - chosen);
    await shot("options-02-draft");
  }],

  ["no uncaught page errors", async () => {
    expect(pageErrors.length === 0, `uncaught errors in the page:\n${pageErrors.join("\n")}`);
  }],
];

await runSteps(steps, "options");
