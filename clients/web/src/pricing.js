// The price list and the request options, as functions/domain/pricing.py and firestore.rules
// define them (tokens = TOKENS_PER_SECOND × duration). Pure: no Firebase here.

export const TOKENS_PER_SECOND = 10;
export const DURATIONS_SECONDS = [4, 6, 8];
export const ASPECT_RATIOS = ["16:9", "9:16"];
export const PROMPT_MAX_CHARS = 2000;

export function tokenCost(durationSeconds) {
  if (!DURATIONS_SECONDS.includes(durationSeconds)) {
    throw new RangeError(`unsupported duration ${durationSeconds}`);
  }
  return durationSeconds * TOKENS_PER_SECOND;
}

// Why the request form cannot be sent right now, or null when it can. The rules refuse a
// request the balance cannot cover, so the form refuses it first.
//   balance: the user's tokens, or null while unknown (still loading)
export function submitBlocker({ balance, duration, prompt }) {
  if (balance === null || balance === undefined) return "Loading your token balance…";
  const cost = tokenCost(duration);
  if (balance < cost) {
    return `This video costs ${cost} tokens and you have ${balance}. ` +
      (balance >= tokenCost(DURATIONS_SECONDS[0])
        ? "Choose a shorter duration."
        : "You need more tokens.");
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
