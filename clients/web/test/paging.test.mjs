// "Show more" never asks for more than firestore.rules allows one list query to return.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { PAGE_SIZE } from "../src/config.js";
import { MAX_LIMIT, canShowMore, nextLimit } from "../src/paging.js";

test("pressing Show more forever stops at each list's cap", () => {
  for (const [list, step] of [["creations", PAGE_SIZE], ["feed", PAGE_SIZE], ["ledger", PAGE_SIZE * 2]]) {
    let limit = list === "ledger" ? PAGE_SIZE * 2 : PAGE_SIZE;
    const seen = [limit];
    for (let press = 0; press < 20; press++) {
      limit = nextLimit(limit, step, MAX_LIMIT[list]);
      seen.push(limit);
    }
    assert.ok(seen.every((n) => n <= MAX_LIMIT[list]), `${list}: ${seen}`);
    assert.equal(limit, MAX_LIMIT[list]);
  }
});

test("Show more is offered only for a full page below the cap", () => {
  assert.equal(canShowMore(20, 20, 50), true);
  assert.equal(canShowMore(12, 20, 50), false); // the list is shorter than a page: all shown
  assert.equal(canShowMore(50, 50, 50), false); // at the cap: the rules refuse a larger limit
});

test("the caps are the rules' (pagedBy in firestore.rules)", () => {
  const rules = readFileSync(new URL("../../../firestore.rules", import.meta.url), "utf8");
  const cap = (match) => Number(rules.match(new RegExp(`match /${match} \\{[^}]*?pagedBy\\((\\d+)\\)`, "s"))[1]);
  assert.deepEqual(MAX_LIMIT, { creations: cap("creations/\\{creationId\\}"), feed: cap("feed/\\{creationId\\}"),
    ledger: cap("transactions/\\{txId\\}") });
});
