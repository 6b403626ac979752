// The price list and the request options, as functions/domain/pricing.py and firestore.rules
// define them. The prices come from ./price-table.js, generated from the server's one table by
// `python -m ops prices --write` (a test fails if it drifts). Pure: no Firebase here.

import { DEFAULT_OPTIONS, PRICES, QUALITIES, RESOLUTIONS } from "./price-table.js";

export { DEFAULT_OPTIONS, QUALITIES, RESOLUTIONS };
export const DURATIONS_SECONDS = [4, 6, 8];
export const ASPECT_RATIOS = ["16:9", "9:16"];
export const PROMPT_MAX_CHARS = 2000;
export const NEGATIVE_PROMPT_MAX_CHARS = 500;
export const SEED_MAX = 2 ** 32 - 1;

function withDefaults(options = {}) {
  return {
    quality: options.quality ?? DEFAULT_OPTIONS.quality,
    resolution: options.resolution ?? DEFAULT_OPTIONS.resolution,
    audio: options.audio ?? DEFAULT_OPTIONS.audio,
  };
}

function priceKey(durationSeconds, options) {
  const { quality, resolution, audio } = withDefaults(options);
  return `${quality}/${resolution}/${audio ? "audio" : "silent"}/${durationSeconds}`;
}

// Whether this combination is on sale (the model makes it: 1080p only at 8 s).
export function isOffered(durationSeconds, options) {
  return Object.hasOwn(PRICES, priceKey(durationSeconds, options));
}

// Tokens this request costs; options left out are the defaults (same price as naming them).
export function tokenCost(durationSeconds, options) {
  const key = priceKey(durationSeconds, options);
  if (!Object.hasOwn(PRICES, key)) {
    throw new RangeError(`not on sale: ${key}`);
  }
  return PRICES[key];
}

// Why the request form cannot be sent right now, or null when it can. The rules refuse a
// request the balance cannot cover, or a combination not on sale, so the form refuses it first.
//   balance: the user's tokens, or null while unknown (still loading)
export function submitBlocker({ balance, duration, prompt, quality, resolution, audio }) {
  const options = { quality, resolution, audio };
  if (!isOffered(duration, options)) {
    const { resolution: res } = withDefaults(options);
    const ok = DURATIONS_SECONDS.filter((d) => isOffered(d, options));
    return `${res} is only available for ${ok.join(" or ")} s videos.`;
  }
  if (balance === null || balance === undefined) return "Loading your token balance…";
  const cost = tokenCost(duration, options);
  if (balance < cost) {
    const shorter = DURATIONS_SECONDS.some((d) => isOffered(d, options) && tokenCost(d, options) <= balance);
    const cheapest = Math.min(...Object.values(PRICES));
    return `This video costs ${cost} tokens and you have ${balance}. ` +
      (shorter ? "Choose a shorter duration." : balance >= cheapest ? "Choose cheaper options." : "You need more tokens.");
  }
  if (typeof prompt === "string" && prompt.length > PROMPT_MAX_CHARS) {
    return `The prompt must be at most ${PROMPT_MAX_CHARS} characters.`;
  }
  return null;
}

// What the server strips as whitespace (Python's str.isspace(), repeated in firestore.rules):
// U+0009–U+000D, U+001C–U+001F, U+0020, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028,
// U+2029, U+202F, U+205F, U+3000. JavaScript's trim() differs (it strips U+FEFF, keeps
// U+001C–U+001F and U+0085), so it is not used here.
const SERVER_WHITESPACE = /^[\u0009-\u000d\u001c-\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]*$/;

export function isBlank(prompt) {
  return SERVER_WHITESPACE.test(prompt);
}

// The server (and the rules) require at least one character that is not whitespace, and at
// most 2000 UTF-16 code units (what the rules engine counts; JavaScript's .length).
export function promptProblem(prompt) {
  if (typeof prompt !== "string" || isBlank(prompt)) return "Describe the video you want.";
  if (prompt.length > PROMPT_MAX_CHARS) return `The prompt must be at most ${PROMPT_MAX_CHARS} characters.`;
  return null;
}

// The negative prompt: optional (blank means none: the field is then left out of the request,
// since the rules refuse an empty or whitespace-only one), at most 500 UTF-16 code units.
export function negativePromptProblem(text) {
  if (typeof text !== "string" || isBlank(text)) return null;
  if (text.length > NEGATIVE_PROMPT_MAX_CHARS) {
    return `The negative prompt must be at most ${NEGATIVE_PROMPT_MAX_CHARS} characters.`;
  }
  return null;
}

// The seed as the user typed it: "" (none) -> null; else an integer 0…2^32−1, or a problem.
export function parseSeed(text) {
  const raw = String(text ?? "").trim();
  if (raw === "") return { seed: null, problem: null };
  if (!/^\d+$/.test(raw) || Number(raw) > SEED_MAX) {
    return { seed: null, problem: `The seed must be a whole number from 0 to ${SEED_MAX}.` };
  }
  return { seed: Number(raw), problem: null };
}

// What a creation or feed entry is, for its card: quality, resolution, sound (defaults filled in).
export function optionFacts(item) {
  const { quality, resolution, audio } = withDefaults(item || {});
  return [quality === "standard" ? "Standard" : "Fast", resolution, audio ? "with sound" : "silent"];
}

// True when no video on sale fits the balance (the form then says "You need more tokens.").
export function needsMoreTokens(balance) {
  return typeof balance === "number" && balance < Math.min(...Object.values(PRICES));
}

// The live counter under a text field: never cut silently, warn before the limit.
//   level: "ok", "near" (the last 10%), or "over" (the form refuses it)
export const NEAR_LIMIT_SHARE = 0.9;
export function counter(text, max) {
  const n = typeof text === "string" ? text.length : 0;
  if (n > max) return { level: "over", text: `${n} / ${max}: ${n - max} over the limit` };
  if (n >= Math.ceil(max * NEAR_LIMIT_SHARE)) return { level: "near", text: `${n} / ${max}: ${max - n} left` };
  return { level: "ok", text: `${n} / ${max}` };
}

// The durations on sale with these options (1080p: 8 s only), so the form can disable the rest.
export function offeredDurations(options) {
  return DURATIONS_SECONDS.filter((d) => isOffered(d, options));
}
