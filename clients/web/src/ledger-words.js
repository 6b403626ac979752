// A ledger entry in words (the Tokens tab's "For" column): the same words as
// functions/domain/ledger_words.py (tests/domain/test_ledger_words.py compares them). Pure.

export const REFUND_REASONS = {
  content_policy: "blocked by the content policy",
  generation_failed: "the video could not be generated",
  timeout: "the video took too long to generate",
  insufficient_tokens: "not enough tokens",
  too_many_in_flight: "too many videos in progress",
  invalid_request: "the request was not valid",
  policy_cooldown: "paused after prompts the content filter refused",
  rate_limited: "too many requests in a short time",
  invalid_name: "the name could not be used",
  name_taken: "the name is taken",
  deleted: "deleted while it was being made",
};
export const EXCERPT_CHARS = 60;
export const DELETED_VIDEO = "(since deleted)";

export function excerpt(prompt, limit = EXCERPT_CHARS) {
  if (typeof prompt !== "string") return null;
  const flat = prompt.split(/\s+/).filter(Boolean).join(" ");
  if (flat.length <= limit) return flat;
  const cut = flat.slice(0, limit - 1);
  const space = cut.lastIndexOf(" ");
  return `${(space > Math.floor(limit / 2) ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export function refundReason(reason) {
  return Object.hasOwn(REFUND_REASONS, reason || "") ? REFUND_REASONS[reason] : "tokens given back";
}

// prompt: the creation's prompt, null when it no longer exists.
export function describe(type, reason, prompt) {
  const video = prompt === null || prompt === undefined ? DELETED_VIDEO : `“${excerpt(prompt)}”`;
  if (type === "grant") return reason ? `Grant — ${reason}` : "Grant";
  if (type === "debit") return `Video ${video}`;
  if (type === "refund") return `Refund — ${refundReason(reason)} · ${video}`;
  return String(type);
}
