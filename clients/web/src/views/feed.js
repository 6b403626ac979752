// The feed: every user's published videos, newest first, drawn with the same card as "My videos".

import { card, syncCards, video } from "../cards.js";
import { PAGE_SIZE } from "../config.js";
import * as api from "../contract.js";
import { $ } from "../dom.js";
import { deniedMessage } from "../messages.js";
import { MAX_LIMIT, canShowMore, nextLimit } from "../paging.js";
import { listen, state } from "../session.js";

export function watchFeed() {
  listen(
    "feed",
    api.watchFeed(
      state.feedLimit,
      (items) => {
        $("feed-error").textContent = "";
        syncCards($("feed"), items, {
          testid: "feed-item",
          keyOf: (item) => JSON.stringify([item.mediaUrl, item.prompt]),
          render: feedCard,
        });
        $("feed-empty").hidden = items.length > 0;
        $("feed-more").hidden = !canShowMore(items.length, state.feedLimit, MAX_LIMIT.feed);
      },
      (err) => ($("feed-error").textContent = `The feed cannot be loaded: ${deniedMessage("read", err)}`),
    ),
  );
}

export function setupFeedMore() {
  $("feed-more").addEventListener("click", () => {
    state.feedLimit = nextLimit(state.feedLimit, PAGE_SIZE, MAX_LIMIT.feed);
    watchFeed();
  });
}

function feedCard(item) {
  const mine = state.user && item.userId === state.user.uid;
  return card({
    titleId: `feed-${item.id}-title`,
    prompt: item.prompt,
    promptTestid: "feed-prompt",
    badge: mine ? { className: "badge-published", text: "Yours" } : null,
    facts: [item.aspectRatio, `${item.duration} s`],
    time: item.publishedAt,
    body: item.mediaUrl
      ? [video({ src: item.mediaUrl, aspectRatio: item.aspectRatio, prompt: item.prompt, testid: "feed-video" })]
      : [],
  });
}
