// What the views share while someone is signed in: the app state, the live listeners (so
// signing out detaches every one of them) and the status line.

import { PAGE_SIZE } from "./config.js";
import { $ } from "./dom.js";

export const state = {
  user: null,
  balance: null, // tokens, null while unknown
  creationsLimit: PAGE_SIZE,
  feedLimit: PAGE_SIZE,
  ledgerLimit: PAGE_SIZE * 2,
  listeners: {}, // name -> unsubscribe
  tracked: new Map(), // creation id -> {prompt, status, unsubscribe}: single-creation listeners
  denied: new Map(), // creation id -> why its last publish/delete was refused (kept across re-renders)
  myCreations: new Set(), // ids of the user's creations: feed entries carry no uid
  prompts: new Map(), // creation id -> its prompt, or null once known to be deleted (the ledger's words)
  sending: false,
};

let statusTimer = null;
export function announce(message) {
  const el = $("status");
  el.textContent = message;
  el.classList.toggle("visible", Boolean(message));
  clearTimeout(statusTimer);
  if (message) statusTimer = setTimeout(() => announce(""), 8000);
}

export function listen(name, unsubscribe) {
  stop(name);
  state.listeners[name] = unsubscribe;
}

function stop(name) {
  if (state.listeners[name]) state.listeners[name]();
  delete state.listeners[name];
}

export function stopAll() {
  state.denied.clear();
  state.myCreations.clear();
  state.prompts.clear();
  announce(""); // a message about the previous user must not outlive their session
  for (const name of Object.keys(state.listeners)) stop(name);
  for (const tracked of state.tracked.values()) tracked.unsubscribe?.();
  state.tracked.clear();
}

export function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function isDenied(err) {
  return Boolean(err) && err.code === "permission-denied";
}
