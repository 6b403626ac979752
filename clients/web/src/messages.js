// What the user reads for each state, error and refused action. Pure: no Firebase here.

export const STATUS_LABELS = {
  pending: "Waiting to start",
  processing: "Generating",
  draft: "Draft",
  failed: "Failed",
  published: "Published",
};

// Each client move the rules allow, and when (firestore.rules, match /creations/{id}).
export function canPublish(status) {
  return status === "draft";
}

export function canDelete(status) {
  return status === "draft" || status === "failed" || status === "published";
}

// The refund line of a failed card: the server sets `refunded` (true when tokens had been
// taken and were given back) and `tokenCost` (what was taken) on a failed creation.
export function refundLine(creation) {
  if (creation.status !== "failed") return null;
  if (creation.refunded) {
    return typeof creation.tokenCost === "number"
      ? `${creation.tokenCost} tokens refunded`
      : "Tokens refunded";
  }
  return "No tokens were taken";
}

export function errorLine(creation) {
  if (creation.status !== "failed") return null;
  const err = creation.error || {};
  return err.message || "The video could not be generated.";
}

// A refused write, explained. `action` is "request", "publish" or "delete".
export function deniedMessage(action, error) {
  const code = (error && error.code) || "";
  if (code === "permission-denied" || code === "firestore/permission-denied") {
    switch (action) {
      case "publish":
        return "Not allowed: only your own drafts can be published, once. It may already be published or deleted.";
      case "delete":
        return "Not allowed: a video can be deleted only when it is finished (draft, failed or published), and only by its owner.";
      case "unpublish":
        return "Not allowed: only your own published videos can be unpublished. It may already be a draft or deleted.";
      case "name":
        return "Not allowed: the name was refused. Use 2 to 30 letters, digits, single spaces and . _ ' -.";
      case "request":
        return "Not allowed: the request was refused. Check that your balance covers the cost and that the prompt is valid.";
      default:
        return "Not allowed by the server's rules.";
    }
  }
  if (code === "storage/unauthorized") {
    return "The photo upload was refused: use a JPEG, PNG or WebP of at most 10 MB.";
  }
  if (code === "unavailable" || code === "deadline-exceeded") {
    return "The server cannot be reached. Check your connection and try again.";
  }
  if (code === "not-found") return "This video no longer exists.";
  return `Something went wrong (${code || (error && error.message) || "unknown error"}).`;
}

export function authMessage(error) {
  const code = (error && error.code) || "";
  const known = {
    "auth/invalid-credential": "Wrong email or password.",
    "auth/wrong-password": "Wrong email or password.",
    "auth/user-not-found": "No account with this email. Create one instead.",
    "auth/invalid-email": "That email address is not valid.",
    "auth/email-already-in-use": "An account with this email already exists. Sign in instead.",
    "auth/weak-password": "Choose a password of at least 6 characters.",
    "auth/missing-password": "Enter a password.",
    "auth/too-many-requests": "Too many attempts. Wait a moment and try again.",
    "auth/network-request-failed": "The sign-in server cannot be reached.",
    "auth/operation-not-allowed": "This way of signing in is turned off.",
  };
  return known[code] || `Sign-in failed (${code || (error && error.message) || "unknown error"}).`;
}

export function ledgerLabel(type) {
  return { grant: "Grant", debit: "Debit", refund: "Refund" }[type] || type;
}

// Signed amount as the ledger shows it: debits take tokens away.
export function signedAmount(entry) {
  const n = Number(entry.amount) || 0;
  return entry.type === "debit" ? `−${n}` : `+${n}`;
}
