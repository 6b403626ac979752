// Unit tests of the pure parts of the client (no Firebase, no browser): `node --test test/`.
// Run by tests/e2e/test_client_logic.py as part of the Python suite.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  canDelete, canPublish, deniedMessage, errorLine, refundLine, signedAmount,
} from "../src/messages.js";
import { PRICES } from "../src/price-table.js";
import { isBlank, promptProblem, submitBlocker, tokenCost } from "../src/pricing.js";

// A request naming no option, from the generated table: tests never write a price as a number.
const price = (seconds) => PRICES[`fast/720p/audio/${seconds}`];

test("price: the default request's, from the generated table; durations 4/6/8 only", () => {
  assert.deepEqual([4, 6, 8].map(tokenCost), [price(4), price(6), price(8)]);
  assert.throws(() => tokenCost(5), RangeError);
  assert.throws(() => tokenCost(4.5), RangeError);
});

test("the form refuses what the balance cannot cover, with the reason", () => {
  assert.match(submitBlocker({ balance: null, duration: 4, prompt: "x" }), /Loading/);
  assert.match(submitBlocker({ balance: 0, duration: 4, prompt: "x" }),
    new RegExp(`costs ${price(4)} tokens and you have 0\\. You need more tokens`));
  assert.match(submitBlocker({ balance: price(4), duration: 8, prompt: "x" }),
    new RegExp(`costs ${price(8)} tokens and you have ${price(4)}\\. Choose a shorter duration`));
  assert.equal(submitBlocker({ balance: price(4), duration: 4, prompt: "x" }), null);
  assert.equal(submitBlocker({ balance: price(8), duration: 8, prompt: "" }), null); // blank is checked on submit
});

test("prompt: not blank by the server's whitespace list, at most 2000 UTF-16 units", () => {
  assert.ok(promptProblem(""));
  assert.ok(promptProblem(" \t\n"));
  assert.ok(promptProblem("\u001c\u0085\u00a0\u3000")); // server whitespace that trim() keeps (1c, 85)
  assert.equal(isBlank("\ufeff"), false); // trim() strips U+FEFF, the server does not
  assert.equal(promptProblem("a boat"), null);
  assert.equal(promptProblem("x".repeat(2000)), null);
  assert.ok(promptProblem("x".repeat(2001)));
  assert.ok(promptProblem("😀".repeat(1001))); // 2002 UTF-16 code units
});

test("actions offered are the ones the rules allow", () => {
  const statuses = ["pending", "processing", "draft", "failed", "published"];
  assert.deepEqual(statuses.filter(canPublish), ["draft"]);
  assert.deepEqual(statuses.filter(canDelete), ["draft", "failed", "published"]);
});

test("a failed card says whether tokens came back", () => {
  const failed = { status: "failed", error: { code: "content_policy", message: "No." } };
  assert.equal(refundLine({ ...failed, refunded: true, tokenCost: 60 }), "60 tokens refunded");
  assert.equal(refundLine({ ...failed, refunded: true }), "Tokens refunded");
  assert.equal(refundLine({ ...failed, refunded: false }), "No tokens were taken");
  assert.equal(refundLine({ status: "draft" }), null);
  assert.equal(errorLine(failed), "No.");
  assert.match(errorLine({ status: "failed" }), /could not be generated/);
});

test("a refused action is explained", () => {
  const denied = { code: "permission-denied" };
  assert.match(deniedMessage("publish", denied), /only your own drafts/);
  assert.match(deniedMessage("delete", denied), /only when it is finished/);
  assert.match(deniedMessage("request", denied), /balance covers the cost/);
  assert.match(deniedMessage("delete", { code: "unavailable" }), /cannot be reached/);
  assert.match(deniedMessage("delete", { code: "internal", message: "boom" }), /internal/);
});

test("ledger amounts carry their sign", () => {
  assert.equal(signedAmount({ type: "grant", amount: 200 }), "+200");
  assert.equal(signedAmount({ type: "debit", amount: 40 }), "−40");
  assert.equal(signedAmount({ type: "refund", amount: 40 }), "+40");
});
