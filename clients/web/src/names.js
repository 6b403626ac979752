// Display names and reports, pure: the same checks as firestore.rules
// (validDisplayName, reportReasons) so the user gets a real message before a refused write.

export const NAME_MIN = 2;
export const NAME_MAX = 30;
export const FALLBACK_NAME = "Phoenix creator";

// Letters, combining marks, digits, single inner spaces and . _ ' -; starts with a letter or
// a digit. No control, zero-width or bidi-override characters, no stray spaces. The rules
// count UTF-16 code units, as String.length does.
const NAME = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}._'-]*( [\p{L}\p{M}\p{N}._'-]+)*$/u;
// Characters that render as nothing (Unicode Default_Ignorable_Code_Point): the rules'
// invisibleChars(), the same ranges as INVISIBLE_RANGES in functions/domain/profiles.py
// (tests/domain/test_profiles.py compares them).
export const INVISIBLE =
  /[\u{00AD}\u{034F}\u{061C}\u{115F}-\u{1160}\u{17B4}-\u{17B5}\u{180B}-\u{180F}\u{200B}-\u{200F}\u{202A}-\u{202E}\u{2060}-\u{206F}\u{3164}\u{FE00}-\u{FE0F}\u{FEFF}\u{FFA0}\u{FFF0}-\u{FFF8}\u{1BCA0}-\u{1BCA3}\u{1D173}-\u{1D17A}\u{E0000}-\u{E0FFF}]/u;

export function nameProblem(name) {
  if (typeof name !== "string" || name.length < NAME_MIN) return `At least ${NAME_MIN} characters.`;
  if (name.length > NAME_MAX) return `At most ${NAME_MAX} characters.`;
  if (name !== name.trim() || name.includes("  ")) return "No spaces at the start or end, and single spaces only.";
  if (INVISIBLE.test(name)) return "This name has characters that don't show (blank or invisible characters).";
  if (!NAME.test(name)) return "Use letters, digits, spaces and . _ ' - only, starting with a letter or a digit.";
  return null;
}

export const REPORT_REASONS = Object.freeze({
  spam: "Spam",
  sexual: "Sexual content",
  violence: "Violence",
  hate: "Hate",
  harassment: "Harassment",
  copyright: "Copyright",
  other: "Something else",
});

// Who may report (firestore.rules accountable()): an account with a verified email, not a guest.
export const REPORT_NEEDS_VERIFIED_EMAIL =
  "Only an account with a verified email can report a video (guests cannot): sign in with one.";

export function canReport(user) {
  return Boolean(user && !user.isAnonymous && user.emailVerified);
}

// The rules read email_verified from the ID token, which keeps the value it had when it was
// minted (up to an hour): a user who has just verified their email (user.reload() says so)
// is refused until the token is refreshed. So a refused report is written once more after
// one forced refresh (getIdToken(true)) before the refusal is shown; any other error, or a
// second refusal, is the caller's to show. `write` and `refreshToken` return promises.
export async function reportRetryingWithFreshToken(write, refreshToken, isDenied) {
  try {
    return await write();
  } catch (err) {
    if (!isDenied(err)) throw err;
    await refreshToken();
    return write();
  }
}

// What the owner reads on a creation an operator or the reports took off the feed.
export function moderationLine(creation) {
  const mark = creation && creation.moderation;
  if (!mark) return null;
  if (mark.state === "taken_down")
    return `Taken down by a moderator: ${mark.reason || "no reason given"}. It cannot be published or played.`;
  if (mark.state === "under_review") return "Hidden from the feed after reports, pending a moderator's review.";
  return null;
}

// The card's badge: its status, unless moderation took it off the feed (a green PUBLISHED
// beside "Hidden from the feed" would contradict the line below it).
export function statusBadge(creation, labels) {
  const state = creation && creation.moderation && creation.moderation.state;
  if (state === "taken_down") return { text: "Taken down", className: "badge-moderated" };
  if (state === "under_review" && creation.status === "published") return { text: "Hidden", className: "badge-moderated" };
  return { text: labels[creation.status] || creation.status, className: `badge-${creation.status}` };
}

export function canPublishCreation(creation) {
  return creation.status === "draft" && !(creation.moderation && creation.moderation.state === "taken_down");
}

export function canUnpublish(status) {
  return status === "published";
}
