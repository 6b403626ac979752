// The feed: every user's published videos, newest first, drawn with the same card as "My videos".
// The newest page is live; "Show more" fetches older pages once each, after the last item
// shown (a cursor: the rules cap every query at 50, so the feed is never one growing query).
// Each card shows the author's display name (never a uid), the poster until the video is
// opened, and Report for other people's videos.

import { card, syncCards, video } from "../cards.js";
import { PAGE_SIZE } from "../config.js";
import * as api from "../contract.js";
import { $, h } from "../dom.js";
import { deniedMessage } from "../messages.js";
import {
  FALLBACK_NAME,
  REPORT_NEEDS_VERIFIED_EMAIL,
  REPORT_REASONS,
  canReport,
  reportRetryingWithFreshToken,
} from "../names.js";
import { optionFacts } from "../pricing.js";
import { isDenied, listen, state } from "../session.js";

let live = [];
let older = [];

export function watchFeed() {
  live = [];
  older = [];
  listen(
    "feed",
    api.watchFeed(
      PAGE_SIZE,
      (items) => {
        $("feed-error").textContent = "";
        live = items;
        if (older.length === 0) $("feed-more").hidden = items.length < PAGE_SIZE;
        render();
      },
      (err) => ($("feed-error").textContent = `The feed cannot be loaded: ${deniedMessage("read", err)}`),
    ),
  );
}

function render() {
  const seen = new Set(live.map((item) => item.id));
  const items = [...live, ...older.filter((item) => !seen.has(item.id))];
  syncCards($("feed"), items, {
    testid: "feed-item",
    keyOf: (item) => JSON.stringify([item.mediaUrl, item.posterUrl, item.prompt, item.displayName, mine(item)]),
    render: feedCard,
  });
  $("feed-empty").hidden = items.length > 0;
}

export function setupFeedMore() {
  $("feed-more").addEventListener("click", async () => {
    const last = older[older.length - 1] || live[live.length - 1];
    if (!last) return;
    $("feed-more").disabled = true;
    try {
      const page = await api.feedPageAfter(last, PAGE_SIZE);
      older = [...older, ...page];
      $("feed-more").hidden = page.length < PAGE_SIZE;
      render();
    } catch (err) {
      $("feed-error").textContent = `Older videos cannot be loaded: ${deniedMessage("read", err)}`;
    } finally {
      $("feed-more").disabled = false;
    }
  });
}

// Feed entries carry no uid: the user's own are the ids of their creations.
function mine(item) {
  return state.myCreations.has(item.id);
}

export function refreshFeed() {
  render();
}

function feedCard(item) {
  const titleId = `feed-${item.id}-title`;
  const body = [h("p", { className: "byline", testid: "feed-name" }, `by ${item.displayName || FALLBACK_NAME}`)];
  if (item.mediaUrl) {
    body.push(video({
      src: item.mediaUrl, poster: item.posterUrl, aspectRatio: item.aspectRatio, prompt: item.prompt,
      testid: "feed-video",
    }));
  }
  if (!mine(item)) body.push(reportControls(item, titleId));
  return card({
    titleId,
    prompt: item.prompt,
    promptTestid: "feed-prompt",
    badge: mine(item) ? { className: "badge-published", text: "Yours" } : null,
    facts: [item.aspectRatio, `${item.duration} s`, ...optionFacts(item)],
    time: item.publishedAt,
    body,
  });
}

function reportControls(item, titleId) {
  const selectId = `feed-${item.id}-reason`;
  const message = h("p", { className: "help", role: "status", testid: "report-message" });
  const select = h("select", { id: selectId, testid: "report-reason" },
    Object.entries(REPORT_REASONS).map(([value, label]) => h("option", { value }, label)));
  const button = h("button", {
    type: "button", className: "secondary", testid: "report", "aria-describedby": titleId,
    onclick: async () => {
      // The rules take reports only from accounts that can be held to account: a verified
      // email, not a guest (docs/client-contract.md, Reports). Said before any write.
      if (!canReport(state.user)) {
        message.textContent = REPORT_NEEDS_VERIFIED_EMAIL;
        return;
      }
      button.disabled = select.disabled = true;
      try {
        // An email verified since the ID token was minted: refreshed once, then told.
        await reportRetryingWithFreshToken(
          () => api.reportEntry(item.id, state.user.uid, select.value), api.refreshIdToken, isDenied);
        message.textContent = "Reported. Thank you: a moderator will look at it.";
      } catch (err) {
        message.className = "error-message"; // a refusal reads as one, not as grey help
        message.textContent = isDenied(err)
          ? "You have already reported this video (or it is no longer in the feed)."
          : deniedMessage("report", err);
      }
    },
  }, "Report");
  return h("details", { className: "report" },
    h("summary", { testid: "report-open" }, "Report this video"),
    h("label", { for: selectId }, "Reason "), select, " ", button, message);
}
