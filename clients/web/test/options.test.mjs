// The request options and their prices in the web client: `node --test test/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  isOffered, negativePromptProblem, optionFacts, parseSeed, submitBlocker, tokenCost,
} from "../src/pricing.js";
import { PRICES } from "../src/price-table.js";

// The generated table's price of a combination: tests never write a price as a number.
const price = (quality, resolution, audio, seconds) => PRICES[`${quality}/${resolution}/${audio ? "audio" : "silent"}/${seconds}`];

test("no option named: the defaults' price, the same as naming them", () => {
  assert.deepEqual([4, 6, 8].map((d) => tokenCost(d)), [4, 6, 8].map((d) => price("fast", "720p", true, d)));
  assert.equal(tokenCost(6, { quality: "fast", resolution: "720p", audio: true }), tokenCost(6));
});

test("each combination costs what the generated table says", () => {
  // an option left out is priced at its default
  assert.equal(tokenCost(4, { quality: "standard" }), price("standard", "720p", true, 4));
  assert.equal(tokenCost(4, { audio: false }), price("fast", "720p", false, 4));
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
  const fast8 = price("fast", "720p", true, 8);
  const standard8 = price("standard", "720p", true, 8);
  assert.ok(standard8 > fast8 && price("standard", "720p", true, 4) > fast8);
  assert.equal(submitBlocker({ balance: fast8, duration: 8, prompt: "x", quality: "fast" }), null);
  assert.match(submitBlocker({ balance: fast8, duration: 8, prompt: "x", quality: "standard" }),
    new RegExp(`costs ${standard8} tokens and you have ${fast8}\\. Choose cheaper options`));
  assert.match(submitBlocker({ balance: price("standard", "720p", true, 4), duration: 8, prompt: "x", quality: "standard" }),
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
