// The three tabs (WAI-ARIA tabs pattern: arrows, Home/End move between tabs), kept in the URL hash.

import { $ } from "../dom.js";
import { state } from "../session.js";

const TABS = ["create", "feed", "ledger"];
const TITLES = { create: "My videos", feed: "Feed", ledger: "Tokens" };

export function tabFromHash() {
  const name = location.hash.replace("#", "");
  return TABS.includes(name) ? name : null;
}

export function selectTab(name, { focus = true } = {}) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  document.title = `${TITLES[name]} — Phoenix`;
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}

export function setupTabs() {
  for (const tab of TABS) {
    $(`tab-${tab}`).addEventListener("click", () => selectTab(tab));
  }
  $("app-view").querySelector("[role=tablist]").addEventListener("keydown", (event) => {
    const current = TABS.findIndex((t) => $(`tab-${t}`).getAttribute("aria-selected") === "true");
    const moves = { ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: TABS.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    selectTab(TABS[(moves[event.key] + TABS.length) % TABS.length]);
  });
  window.addEventListener("hashchange", () => {
    const name = tabFromHash();
    if (name && state.user) selectTab(name, { focus: false });
  });
}
