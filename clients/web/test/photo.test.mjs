// Start from a photo in the web client: `node --test test/`.
import assert from "node:assert/strict";
import { test } from "node:test";

import { fileProblem, newUploadId, shapeProblem, uploadPath } from "../src/photo.js";

test("only JPEG, PNG and WebP up to 10 MiB may be uploaded", () => {
  assert.equal(fileProblem({ type: "image/jpeg", size: 10 * 1024 * 1024 }), null);
  assert.equal(fileProblem({ type: "image/webp", size: 1 }), null);
  assert.match(fileProblem({ type: "image/gif", size: 1 }), /JPEG, PNG or WebP/);
  assert.match(fileProblem({ type: "image/png", size: 10 * 1024 * 1024 + 1 }), /10 MB/);
});

test("a landscape photo fits 16:9, a portrait one 9:16, and neither the other", () => {
  assert.equal(shapeProblem(1280, 720, "16:9"), null);
  assert.equal(shapeProblem(720, 1280, "9:16"), null);
  assert.match(shapeProblem(720, 1280, "16:9"), /16:9/);
  assert.match(shapeProblem(1000, 1000, "9:16"), /9:16/);
  assert.match(shapeProblem(320, 180, "16:9"), /too small/);
});

test("upload ids are random and of the allowed alphabet", () => {
  const a = newUploadId();
  assert.notEqual(a, newUploadId());
  assert.equal(uploadPath("u1", a), `uploads/u1/${a}`);
  assert.throws(() => uploadPath("u1", "../x"));
});
