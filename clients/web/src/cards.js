// The one card renderer: the drafts list and the feed show a creation the same way (prompt,
// badge, facts and time, the video), and keep their lists in step with Firestore the same way.

import { h, when } from "./dom.js";

// card({ titleId, prompt, promptTestid, badge: {text, className, testid} | null,
//        facts: ["16:9", "4 s", …], time, focusable, body: [nodes] })
export function card({ titleId, prompt, promptTestid, badge, facts, time, focusable = false, body = [] }) {
  return h("article", { "aria-labelledby": titleId, tabindex: focusable ? "-1" : null },
    h("div", { className: "card-head" },
      h("h3", { id: titleId, className: "prompt", testid: promptTestid }, prompt),
      badge ? h("span", { className: `badge ${badge.className}`, testid: badge.testid }, badge.text) : null),
    h("p", { className: "meta" }, `${facts.join(" · ")} · `, when(time)),
    body,
  );
}

// With a poster the list shows the poster and loads nothing of the video until the
// user opens (plays) it; without one (not made yet, or the video could not be decoded) the
// browser shows the video's first frame from its metadata.
export function video({ src, aspectRatio, prompt, testid, poster }) {
  return h("video", {
    className: `video ${aspectRatio === "9:16" ? "portrait" : "landscape"}`,
    controls: true, preload: poster ? "none" : "metadata", playsinline: true, src,
    poster: poster || null, "data-poster": poster ? "yes" : "no",
    testid, "aria-label": `Video: ${prompt}`,
  });
}

// Keeps `list` (a <ul>) showing `items` in order. Cards are kept by id and only rebuilt when
// keyOf(item) changes, so a playing video is not reset by an update of another card.
//   testid: the <li>'s data-testid; render(item) -> the card; refresh(li, item): updates that
//   need no rebuild (called for every item); status(item): mirrored in the <li>'s data-status.
export function syncCards(list, items, { testid, keyOf, render, refresh, status }) {
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const wanted = items.map((item) => {
    const key = keyOf(item);
    let li = existing.get(item.id);
    if (!li) li = h("li", { className: "card", testid, "data-id": item.id });
    if (li.dataset.key !== key) {
      const hadFocus = li.contains(document.activeElement);
      li.dataset.key = key;
      if (status) li.dataset.status = status(item);
      li.replaceChildren(render(item));
      if (hadFocus) li.querySelector("article").focus();
    }
    refresh?.(li, item);
    existing.delete(item.id);
    return li;
  });
  for (const gone of existing.values()) gone.remove();
  // Reorder only when needed (moving a node that holds a playing video would pause it).
  const current = [...list.children];
  if (current.length !== wanted.length || current.some((li, i) => li !== wanted[i])) {
    wanted.forEach((li, i) => {
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
  }
}
