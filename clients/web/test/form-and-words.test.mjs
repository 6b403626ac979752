// The request form's counters, durations and funding hint, the hidden badge, and the ledger's
// words: pure parts, with Node's test runner (tests/e2e/test_client_logic.py runs them).
import assert from "node:assert/strict";
import { test } from "node:test";

import { describe, excerpt, REFUND_REASONS } from "../src/ledger-words.js";
import { statusBadge } from "../src/names.js";
import { PRICES } from "../src/price-table.js";
import {
  NEGATIVE_PROMPT_MAX_CHARS, PROMPT_MAX_CHARS, counter, needsMoreTokens, offeredDurations,
} from "../src/pricing.js";

test("the counter counts, warns in the last tenth and says how far over the limit", () => {
  assert.deepEqual(counter("", PROMPT_MAX_CHARS), { level: "ok", text: `0 / ${PROMPT_MAX_CHARS}` });
  assert.equal(counter("x".repeat(PROMPT_MAX_CHARS * 0.9 - 1), PROMPT_MAX_CHARS).level, "ok");
  const near = counter("x".repeat(PROMPT_MAX_CHARS - 5), PROMPT_MAX_CHARS);
  assert.equal(near.level, "near");
  assert.match(near.text, /5 left/);
  assert.equal(counter("x".repeat(PROMPT_MAX_CHARS), PROMPT_MAX_CHARS).level, "near");
  const over = counter("x".repeat(NEGATIVE_PROMPT_MAX_CHARS + 3), NEGATIVE_PROMPT_MAX_CHARS);
  assert.equal(over.level, "over");
  assert.match(over.text, /3 over the limit/);
  // UTF-16 code units, as the rules count: an emoji is 2.
  assert.equal(counter("🎬", 10).text, "2 / 10");
});

test("1080p offers only the durations on sale; 720p all of them", () => {
  const all = offeredDurations({ resolution: "720p" });
  const hd = offeredDurations({ resolution: "1080p" });
  assert.ok(all.length === 3);
  assert.ok(hd.length >= 1 && hd.length < all.length);
  for (const d of hd) assert.ok(all.includes(d));
});

test("the funding hint shows only when no video on sale fits the balance", () => {
  const cheapest = Math.min(...Object.values(PRICES));
  assert.equal(needsMoreTokens(0), true);
  assert.equal(needsMoreTokens(cheapest - 1), true);
  assert.equal(needsMoreTokens(cheapest), false);
  assert.equal(needsMoreTokens(null), false); // still loading: no hint yet
});

test("a hidden or taken-down entry never shows a published badge", () => {
  const labels = { published: "Published", draft: "Draft" };
  assert.deepEqual(statusBadge({ status: "published" }, labels), { text: "Published", className: "badge-published" });
  const hidden = statusBadge({ status: "published", moderation: { state: "under_review" } }, labels);
  assert.equal(hidden.text, "Hidden");
  assert.notEqual(hidden.className, "badge-published");
  assert.equal(statusBadge({ status: "draft", moderation: { state: "taken_down" } }, labels).text, "Taken down");
});

test("ledger entries read as words, never as ids or codes", () => {
  assert.equal(describe("grant", "demo seed", null), "Grant — demo seed");
  assert.equal(describe("debit", "generation", "a paper boat"), "Video “a paper boat”");
  const refund = describe("refund", "content_policy", "a gore scene");
  assert.equal(refund, "Refund — blocked by the content policy · “a gore scene”");
  for (const code of Object.keys(REFUND_REASONS).filter((c) => c.includes("_"))) { // "deleted" is a word
    assert.ok(!describe("refund", code, "p").includes(code), code);
  }
  assert.match(describe("debit", "generation", null), /deleted/);
  const long = excerpt("word ".repeat(40));
  assert.ok(long.endsWith("…") && long.length <= 60, long);
});
