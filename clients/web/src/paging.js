// How far a live list may grow. firestore.rules refuses, as a whole, a list query whose limit
// is over its cap (pagedBy in the rules; docs/client-contract.md, "Query limits and paging"):
// "Show more" raises a listener's limit one page at a time and stops at the cap.
export const MAX_LIMIT = Object.freeze({ creations: 100, feed: 50, ledger: 100 });

// The limit after one more "Show more" press: one step further, never past the cap.
export function nextLimit(current, step, max) {
  return Math.min(current + step, max);
}

// Whether "Show more" can bring anything: the page came back full and the cap is not reached.
export function canShowMore(shown, limit, max) {
  return shown >= limit && limit < max;
}
