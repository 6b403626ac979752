// "My videos": the user's creations, live, with progress, the video, the failure and refund,
// and Publish / Delete (a refused action is explained on its card).

import { card, syncCards, video } from "../cards.js";
import * as api from "../contract.js";
import { MAX_LIMIT, canShowMore, nextLimit } from "../paging.js";
import { PAGE_SIZE } from "../config.js";
import { $, h } from "../dom.js";
import { STATUS_LABELS, canDelete, canPublish, deniedMessage, errorLine, refundLine } from "../messages.js";
import { optionFacts, tokenCost } from "../pricing.js";
import { announce, isDenied, listen, shorten, state } from "../session.js";
import { canPublishCreation, canUnpublish, moderationLine, statusBadge } from "../names.js";
import { refreshFeed } from "./feed.js";
import { track } from "./request-form.js";
import { newlyReady, statusesOf } from "../notices.js";

// Statuses of the last snapshot, for the "your video is ready" notice (null: none seen yet).
let lastStatuses = null;

export function watchCreations() {
  listen(
    "creations",
    api.watchCreations(
      state.user.uid,
      state.creationsLimit,
      (creations) => {
        $("creations-error").textContent = "";
        for (const id of newlyReady(lastStatuses, creations)) {
          const ready = creations.find((c) => c.id === id);
          announce(`Your video is ready: “${shorten(ready.prompt, 40)}”.`);
        }
        lastStatuses = statusesOf(creations);
        state.myCreations = new Set(creations.map((c) => c.id));
        // Creations still in flight after a reload (or from another device) are announced
        // when they finish, as the ones asked for in this page are.
        for (const c of creations) {
          state.prompts.set(c.id, c.prompt);
          if ((c.status === "pending" || c.status === "processing") && !c.pendingWrite) track(c.id, c.prompt, c.status);
        }
        refreshFeed();
        syncCards($("creations"), creations, {
          testid: "creation-card",
          keyOf: (c) => JSON.stringify([
            c.status, c.mediaUrl, c.error, c.refunded, c.tokenCost, c.pendingWrite, c.posterUrl, c.moderation?.state,
          ]),
          status: (c) => c.status,
          render: creationCard,
          refresh: showProgress,
        });
        $("creations-empty").hidden = creations.length > 0;
        $("creations-more").hidden = !canShowMore(creations.length, state.creationsLimit, MAX_LIMIT.creations);
      },
      (err) => ($("creations-error").textContent = `Your videos cannot be loaded: ${deniedMessage("read", err)}`),
    ),
  );
}

export function setupCreationsMore() {
  $("creations-more").addEventListener("click", () => {
    state.creationsLimit = nextLimit(state.creationsLimit, PAGE_SIZE, MAX_LIMIT.creations);
    watchCreations();
  });
}

// Progress moves without rebuilding the card (it is not part of the card's key).
function showProgress(li, c) {
  const progress = li.querySelector("progress[data-kind=processing]");
  if (progress) {
    progress.value = Number(c.progress) || 0;
    li.querySelector(".progress-value").textContent = `${Number(c.progress) || 0}%`;
  }
}

function creationCard(c) {
  const titleId = `creation-${c.id}-title`;
  const deniedId = `creation-${c.id}-denied`;
  const cost = typeof c.tokenCost === "number" ? c.tokenCost : safeCost(c.duration, c);
  const body = [];

  if (c.status === "pending" || c.status === "processing") {
    const pct = Number(c.progress) || 0;
    const label = c.status === "pending" ? "Waiting to start" : "Generating";
    body.push(
      h("div", { className: "progress" },
        h("label", { for: `creation-${c.id}-progress` }, label, " ",
          c.status === "processing" ? h("span", { className: "progress-value" }, `${pct}%`) : null),
        c.status === "pending"
          ? h("progress", { id: `creation-${c.id}-progress`, testid: "creation-progress", "data-kind": "pending" })
          : h("progress", {
            id: `creation-${c.id}-progress`, testid: "creation-progress", "data-kind": "processing",
            max: "100", value: String(pct),
          })),
      h("p", { className: "help" }, "It can be deleted once it is finished."),
    );
  }
  if ((c.status === "draft" || c.status === "published") && c.mediaUrl) {
    body.push(video({
      src: c.mediaUrl, poster: c.posterUrl, aspectRatio: c.aspectRatio, prompt: c.prompt, testid: "creation-video",
    }));
  }
  const moderation = moderationLine(c);
  if (moderation) body.push(h("p", { className: "error-message", testid: "creation-moderation" }, moderation));
  if (c.status === "failed") {
    body.push(
      h("p", { className: "error-message", testid: "creation-error" }, errorLine(c)),
      h("p", { className: c.refunded ? "refund" : "help", testid: "creation-refund" }, refundLine(c)),
    );
  }

  const actions = [];
  if (canPublish(c.status) && canPublishCreation(c)) {
    actions.push(h("button", {
      type: "button", testid: "publish", "aria-describedby": titleId,
      onclick: (event) => act(event.currentTarget, "publish", c),
    }, "Publish"));
  }
  if (canUnpublish(c.status)) {
    actions.push(h("button", {
      type: "button", className: "secondary", testid: "unpublish", "aria-describedby": titleId,
      onclick: (event) => act(event.currentTarget, "unpublish", c),
    }, "Unpublish"));
  }
  if (canDelete(c.status)) {
    actions.push(h("button", {
      type: "button", className: "danger", testid: "delete", "aria-describedby": titleId,
      onclick: (event) => act(event.currentTarget, "delete", c),
    }, "Delete"));
  }
  if (actions.length) body.push(h("div", { className: "actions" }, actions));
  body.push(h("p", { id: deniedId, className: "error", role: "alert", testid: "creation-denied" },
    state.denied.get(c.id) || ""));

  return card({
    titleId,
    prompt: c.prompt,
    promptTestid: "creation-prompt",
    badge: { ...statusBadge(c, STATUS_LABELS), testid: "creation-status" },
    facts: [c.aspectRatio, `${c.duration} s`, ...optionFacts(c), `${cost} tokens`],
    time: c.createdAt,
    focusable: true,
    body,
  });
}

function safeCost(duration, options) {
  try {
    return tokenCost(duration, options);
  } catch {
    return "?";
  }
}

// After a refused write: does the creation exist? (true when that cannot be told)
async function existsOrUnknown(id) {
  try {
    return await api.creationExists(id);
  } catch {
    return true;
  }
}

async function act(button, action, creation) {
  const article = button.closest("article");
  const denied = article.querySelector("[data-testid=creation-denied]");
  denied.textContent = "";
  state.denied.delete(creation.id);
  if (action === "delete" && !window.confirm(`Delete “${shorten(creation.prompt, 60)}”? This cannot be undone.`)) {
    return;
  }
  article.querySelectorAll(".actions button").forEach((b) => (b.disabled = true));
  try {
    if (action === "publish") {
      await api.publishCreation(creation.id);
      announce(`Published “${shorten(creation.prompt, 40)}” to the feed.`);
    } else if (action === "unpublish") {
      await api.unpublishCreation(creation.id);
      announce(`Unpublished “${shorten(creation.prompt, 40)}”: it is a draft again.`);
    } else {
      await api.deleteCreation(creation.id);
      announce(`Deleted “${shorten(creation.prompt, 40)}”.`);
    }
  } catch (err) {
    if (action === "delete" && isDenied(err) && !(await existsOrUnknown(creation.id))) {
      announce(`Deleted “${shorten(creation.prompt, 40)}”.`); // already gone: done
      return;
    }
    // The card may have been rebuilt meanwhile: find the current one.
    const li = document.querySelector(`[data-testid=creation-card][data-id="${creation.id}"]`);
    const target = li ? li.querySelector("[data-testid=creation-denied]") : null;
    const message = deniedMessage(action, err);
    state.denied.set(creation.id, message);
    if (target) {
      target.textContent = message;
      li.querySelectorAll(".actions button").forEach((b) => (b.disabled = false));
    } else {
      announce(message);
    }
  }
}
