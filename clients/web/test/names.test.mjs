import assert from "node:assert/strict";
import { test } from "node:test";

import { canPublishCreation, canReport, moderationLine, nameProblem, reportRetryingWithFreshToken } from "../src/names.js";

test("names the rules accept pass the client check", () => {
  for (const name of ["Al", "Ana María", "zoé_99", "O'Neil", "Jean-Luc P.", "日本", "x".repeat(30)]) {
    assert.equal(nameProblem(name), null, name);
  }
});

test("names the rules refuse are explained before the write", () => {
  for (const name of ["a", "x".repeat(31), " Al", "Al ", "Al  B", ".Al", "Al\u200bB", "Al\u202eB", "Al\nB", "Al<b>"]) {
    assert.ok(nameProblem(name), JSON.stringify(name));
  }
});

test("names that render blank or carry invisible characters are refused before the write", () => {
  for (const name of ["\u3164\u3164", "Mara Lind\u034f", "Mara\ufe0f Lind", "\u115f\u1160ab", "Ma\u00adra"]) {
    assert.match(nameProblem(name) || "", /don't show/, JSON.stringify(name));
  }
});

test("only an account with a verified email may report", () => {
  assert.equal(canReport({ isAnonymous: true, emailVerified: false }), false);
  assert.equal(canReport({ isAnonymous: false, emailVerified: false }), false);
  assert.equal(canReport({ isAnonymous: false, emailVerified: true }), true);
});

test("a taken-down draft cannot be published and says why", () => {
  const c = { status: "draft", moderation: { state: "taken_down", reason: "Copyright claim" } };
  assert.equal(canPublishCreation(c), false);
  assert.match(moderationLine(c), /Copyright claim/);
  assert.equal(canPublishCreation({ status: "draft" }), true);
  assert.equal(moderationLine({ status: "draft" }), null);
});

test("a refused report is written once more after one forced token refresh, and then reported", async () => {
  const denied = Object.assign(new Error("denied"), { code: "permission-denied" });
  const isDenied = (err) => err?.code === "permission-denied";
  const calls = [];
  // The token still says "not verified" until refreshed: the second write goes through.
  let verified = false;
  const write = async () => {
    calls.push("write");
    if (!verified) throw denied;
    return "ok";
  };
  const refresh = async () => {
    calls.push("refresh");
    verified = true;
  };
  assert.equal(await reportRetryingWithFreshToken(write, refresh, isDenied), "ok");
  assert.deepEqual(calls, ["write", "refresh", "write"]);

  // Refused again after the refresh (already reported, or not verified at all): the caller is told.
  calls.length = 0;
  const always = async () => {
    calls.push("write");
    throw denied;
  };
  await assert.rejects(reportRetryingWithFreshToken(always, async () => calls.push("refresh"), isDenied), denied);
  assert.deepEqual(calls, ["write", "refresh", "write"]);

  // Any other error is not retried and no token is refreshed.
  calls.length = 0;
  const offline = Object.assign(new Error("offline"), { code: "unavailable" });
  const failing = async () => {
    calls.push("write");
    throw offline;
  };
  await assert.rejects(reportRetryingWithFreshToken(failing, async () => calls.push("refresh"), isDenied), offline);
  assert.deepEqual(calls, ["write"]);
});
