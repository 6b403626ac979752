// The in-app "your video is ready" notice: only a creation seen in flight that is now a draft.
import assert from "node:assert/strict";
import { test } from "node:test";

import { newlyReady, statusesOf } from "../src/notices.js";

test("a creation seen in flight and now a draft is announced once", () => {
  const before = statusesOf([{ id: "a", status: "processing" }, { id: "b", status: "pending" }]);
  const now = [{ id: "a", status: "draft" }, { id: "b", status: "failed" }];
  assert.deepEqual(newlyReady(before, now), ["a"]);
  assert.deepEqual(newlyReady(statusesOf(now), now), []);
});

test("the first snapshot and drafts already known are never announced", () => {
  assert.deepEqual(newlyReady(null, [{ id: "a", status: "draft" }]), []);
  assert.deepEqual(newlyReady(statusesOf([{ id: "a", status: "published" }]), [{ id: "a", status: "draft" }]), []);
});
