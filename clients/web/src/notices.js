// The in-app notice when a video becomes ready while the page is open: the web counterpart of
// the push notification the mobile app gets (browser push needs Google's push service, which
// the local stack does not have). Pure: the drafts view feeds it each snapshot.

// Ids of the creations that were in flight in the previous snapshot and are drafts now. The
// first snapshot (previous === null) never announces: those finished before the page looked.
export function newlyReady(previous, creations) {
  if (previous === null) return [];
  return creations
    .filter((c) => c.status === "draft" && (previous.get(c.id) === "pending" || previous.get(c.id) === "processing"))
    .map((c) => c.id);
}

export function statusesOf(creations) {
  return new Map(creations.map((c) => [c.id, c.status]));
}
