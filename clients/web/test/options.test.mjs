// The request options and their prices in the web client: `node --test test/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  isOffered, negativePromptProblem, optionFacts, parseSeed, submitBlocker, tokenCost,
} from "../src/pricing.js";
import { PRICES } from "../src/price-table.js";

test("no option named: today's price, the same as naming the defaults", () => {
  assert.deepEqual([4, 6, 8].map((d) => tokenCost(d)), [40, 60, 80]);
  assert.equal(tokenCost(6, { quality: "fast", resolution: "720p", audio: true }), 60);
});

test("each combination costs what the generated table says", () => {
  assert.equal(tokenCost(8, { quality: "standard", resolution: "1080p", audio: false }), 128);
  assert.equal(tokenCost(4, { quality: "standard" }), 108);
  assert.equal(tokenCost(4, { audio: false }), 28);
  for (const [key, tokens] of Object.entries(PRICES)) {
    const [quality, resolution, sound, seconds] = key.split("/");
    assert.equal(tokenCost(Number(seconds), { quality, resolution, audio: sound === "audio" }), tokens);
  }
});

test("1080p is sold only at 8 s, and the form says so", () => {
  assert.equal(isOffered(4, { resolution: "1080p" }), false);
  assert.throws(() => tokenCost(4, { resolution: "1080p" }), RangeError);
  assert.match(submitBlocker({ balance: 1000, duration: 4, prompt: "x", resolution: "1080p" }), /only available for 8 s/);
});

test("a balance enough for fast but not for standard blocks standard, with the reason", () => {
  assert.equal(submitBlocker({ balance: 80, duration: 8, prompt: "x", quality: "fast" }), null);
  assert.match(submitBlocker({ balance: 80, duration: 8, prompt: "x", quality: "standard" }),
    /costs 216 tokens and you have 80\. Choose cheaper options/);
  assert.match(submitBlocker({ balance: 120, duration: 8, prompt: "x", quality: "standard" }),
    /Choose a shorter duration/);
});

test("negative prompt: optional, at most 500; seed: a whole number 0…2^32−1 or nothing", () => {
  assert.equal(negativePromptProblem(""), null);
  assert.equal(negativePromptProblem("x".repeat(500)), null);
  assert.ok(negativePromptProblem("x".repeat(501)));
  assert.deepEqual(parseSeed(""), { seed: null, problem: null });
  assert.deepEqual(parseSeed(" 42 "), { seed: 42, problem: null });
  assert.equal(parseSeed("4294967295").seed, 4294967295);
  for (const bad of ["-1", "4294967296", "1.5", "abc"]) assert.ok(parseSeed(bad).problem, bad);
});

test("a card names quality, resolution and sound, defaults filled in", () => {
  assert.deepEqual(optionFacts({}), ["Fast", "720p", "with sound"]);
  assert.deepEqual(optionFacts({ quality: "standard", resolution: "1080p", audio: false }), ["Standard", "1080p", "silent"]);
});
