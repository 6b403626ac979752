// The UI. Every Firebase call goes through ./contract.js; this file only renders.

import * as api from "./contract.js";
import { PAGE_SIZE } from "./config.js";
import { MAX_LIMIT, canShowMore, nextLimit } from "./paging.js";
import {
  authMessage,
  canDelete,
  canPublish,
  deniedMessage,
  errorLine,
  ledgerLabel,
  refundLine,
  signedAmount,
  STATUS_LABELS,
} from "./messages.js";
import { promptProblem, submitBlocker, tokenCost } from "./pricing.js";

const $ = (id) => document.getElementById(id);

// ---- small DOM helper -------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") el.className = value;
    else if (key === "testid") el.dataset.testid = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

function when(ts) {
  const date = ts && typeof ts.toDate === "function" ? ts.toDate() : null;
  return date ? h("time", { datetime: date.toISOString() }, timeFormat.format(date)) : "just now";
}

// ---- app state ---------------------------------------------------------------------------

const state = {
  user: null,
  balance: null, // tokens, null while unknown
  creationsLimit: PAGE_SIZE,
  feedLimit: PAGE_SIZE,
  ledgerLimit: PAGE_SIZE * 2,
  listeners: {}, // name -> unsubscribe
  tracked: new Map(), // creation id -> {prompt, status, unsubscribe}: single-creation listeners
  denied: new Map(), // creation id -> why its last publish/delete was refused (kept across re-renders)
  sending: false,
};

let statusTimer = null;
function announce(message) {
  const el = $("status");
  el.textContent = message;
  el.classList.toggle("visible", Boolean(message));
  clearTimeout(statusTimer);
  if (message) statusTimer = setTimeout(() => announce(""), 8000);
}

function listen(name, unsubscribe) {
  stop(name);
  state.listeners[name] = unsubscribe;
}

function stop(name) {
  if (state.listeners[name]) state.listeners[name]();
  delete state.listeners[name];
}

function stopAll() {
  state.denied.clear();
  for (const name of Object.keys(state.listeners)) stop(name);
  for (const tracked of state.tracked.values()) tracked.unsubscribe?.();
  state.tracked.clear();
}

// ---- auth ----------------------------------------------------------------------------------

function setupAuth() {
  const form = $("signin-form");
  const errorEl = $("auth-error");
  const busy = (on) => form.querySelectorAll("button").forEach((b) => (b.disabled = on));

  async function run(action) {
    errorEl.textContent = "";
    busy(true);
    try {
      await action();
    } catch (err) {
      errorEl.textContent = authMessage(err);
    } finally {
      busy(false);
      $("sign-in-anonymous").disabled = false;
    }
  }

  function credentials() {
    if (!form.reportValidity()) return null;
    return [form.email.value.trim(), form.password.value];
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const c = credentials();
    if (c) run(() => api.signInWithPassword(...c));
  });
  $("sign-up").addEventListener("click", () => {
    const c = credentials();
    if (c) run(() => api.signUpWithPassword(...c));
  });
  $("sign-in-anonymous").addEventListener("click", () => {
    $("sign-in-anonymous").disabled = true;
    run(() => api.signInAsGuest());
  });
  $("sign-out").addEventListener("click", () => api.signOutUser());

  api.watchAuth((user) => {
    stopAll();
    state.user = user;
    state.balance = null;
    $("creations").replaceChildren();
    $("feed").replaceChildren();
    $("ledger-rows").replaceChildren();
    if (user) showSignedIn(user);
    else showSignedOut();
  });
}

function showSignedOut() {
  $("account").hidden = true;
  $("app-view").hidden = true;
  $("signin-view").hidden = false;
  $("signin-form").password.value = "";
  document.title = "Sign in — Phoenix";
}

function showSignedIn(user) {
  const fromSignIn = $("signin-view").contains(document.activeElement);
  $("signin-view").hidden = true;
  $("auth-error").textContent = "";
  $("account").hidden = false;
  $("app-view").hidden = false;
  $("user-label").textContent = user.isAnonymous ? "Guest (anonymous)" : user.email;
  $("user-uid").textContent = user.uid;
  setBalance(null);
  state.creationsLimit = PAGE_SIZE;
  state.feedLimit = PAGE_SIZE;
  state.ledgerLimit = PAGE_SIZE * 2;

  listen("balance", api.watchBalance(user.uid, ({ tokens }) => setBalance(tokens), (err) => {
    announce(`Your balance cannot be loaded: ${deniedMessage("read", err)}`);
  }));
  watchCreations();
  watchFeed();
  watchLedger();
  selectTab(tabFromHash() || "create", { focus: false });
  if (fromSignIn) $("main").focus(); // focus was on a control that is now hidden
}

function setBalance(tokens) {
  state.balance = tokens;
  const text = tokens === null ? "…" : String(tokens);
  $("balance").textContent = text;
  $("ledger-balance").textContent = text;
  updateRequestForm();
}

// ---- tabs (WAI-ARIA tabs pattern: arrows, Home/End move between tabs) ------------------

const TABS = ["create", "feed", "ledger"];

function tabFromHash() {
  const name = location.hash.replace("#", "");
  return TABS.includes(name) ? name : null;
}

function selectTab(name, { focus = true } = {}) {
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  const titles = { create: "My videos", feed: "Feed", ledger: "Tokens" };
  document.title = `${titles[name]} — Phoenix`;
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}

function setupTabs() {
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

// ---- request form ---------------------------------------------------------------------------

function formValues() {
  const form = $("request-form");
  return {
    prompt: form.prompt.value,
    aspectRatio: form.aspectRatio.value,
    duration: Number.parseInt(form.duration.value, 10),
  };
}

function updateRequestForm() {
  const { duration, prompt } = formValues();
  $("cost").textContent = String(tokenCost(duration));
  const blocker = submitBlocker({ balance: state.balance, duration, prompt });
  $("submit-reason").textContent = blocker || "";
  $("submit").disabled = Boolean(blocker) || state.sending;
  $("request-form").dataset.blocked = blocker ? "true" : "false";
}

function setupRequestForm() {
  const form = $("request-form");
  form.addEventListener("input", () => {
    $("request-error").textContent = "";
    updateRequestForm();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues();
    const problem = promptProblem(values.prompt) || submitBlocker({ balance: state.balance, ...values });
    if (problem) {
      $("request-error").textContent = problem;
      form.prompt.focus();
      return;
    }
    const id = api.newCreationId();
    track(id, values.prompt); // attached before the write: the rules allow it
    state.sending = true;
    updateRequestForm();
    try {
      await api.requestCreation(id, state.user.uid, values);
      announce(`Request sent. ${tokenCost(values.duration)} tokens will be taken when generation starts.`);
      form.prompt.value = "";
    } catch (err) {
      if (isDenied(err) && (await api.creationExists(id).catch(() => false))) {
        // The first attempt landed and a resend was refused: the request is there.
        form.prompt.value = "";
      } else {
        untrack(id);
        $("request-error").textContent = deniedMessage("request", err);
      }
    } finally {
      state.sending = false;
      updateRequestForm();
    }
  });
}

// One live listener per creation this session asked for: it announces each change of status
// (for screen readers and for anyone looking at another tab), then detaches when finished.
function track(id, prompt) {
  const entry = { prompt, status: null, unsubscribe: null };
  state.tracked.set(id, entry);
  entry.unsubscribe = api.watchCreation(
    id,
    (creation) => {
      if (!creation || creation.status === entry.status) return;
      entry.status = creation.status;
      const name = `“${shorten(prompt, 40)}”`;
      if (creation.status === "processing") announce(`${name}: generating…`);
      if (creation.status === "draft") announce(`${name} is ready to watch.`);
      if (creation.status === "failed") {
        // The card shows the whole message; the announcement stays short.
        announce(`${name} failed. ${refundLine(creation)}.`);
      }
      if (creation.status === "draft" || creation.status === "failed") untrack(id);
    },
    () => untrack(id),
  );
}

function untrack(id) {
  const entry = state.tracked.get(id);
  if (!entry) return;
  entry.unsubscribe?.();
  state.tracked.delete(id);
}

function shorten(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// ---- my videos (drafts list) -------------------------------------------------------------

function watchCreations() {
  const uid = state.user.uid;
  listen(
    "creations",
    api.watchCreations(
      uid,
      state.creationsLimit,
      (creations) => {
        $("creations-error").textContent = "";
        renderCreations(creations);
        $("creations-more").hidden = !canShowMore(creations.length, state.creationsLimit, MAX_LIMIT.creations);
      },
      (err) => ($("creations-error").textContent = `Your videos cannot be loaded: ${deniedMessage("read", err)}`),
    ),
  );
}

// Cards are kept by id and only rebuilt when what they show changes, so a playing video is not
// reset by a progress update of another card.
function renderCreations(creations) {
  const list = $("creations");
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const wanted = creations.map((c) => {
    const key = cardKey(c);
    let li = existing.get(c.id);
    if (!li) {
      li = h("li", { className: "card", testid: "creation-card", "data-id": c.id });
    }
    if (li.dataset.key !== key) {
      const hadFocus = li.contains(document.activeElement);
      li.dataset.key = key;
      li.dataset.status = c.status;
      li.replaceChildren(creationCard(c));
      if (hadFocus) li.querySelector("article").focus();
    }
    const progress = li.querySelector("progress[data-kind=processing]");
    if (progress) {
      progress.value = Number(c.progress) || 0;
      li.querySelector(".progress-value").textContent = `${Number(c.progress) || 0}%`;
    }
    existing.delete(c.id);
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
  $("creations-empty").hidden = creations.length > 0;
}

function cardKey(c) {
  return JSON.stringify([c.status, c.mediaUrl, c.error, c.refunded, c.tokenCost, c.pendingWrite]);
}

function creationCard(c) {
  const titleId = `creation-${c.id}-title`;
  const deniedId = `creation-${c.id}-denied`;
  const cost = typeof c.tokenCost === "number" ? c.tokenCost : safeCost(c.duration);
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
    body.push(h("video", {
      className: `video ${c.aspectRatio === "9:16" ? "portrait" : "landscape"}`,
      controls: true, preload: "metadata", playsinline: true, src: c.mediaUrl,
      testid: "creation-video", "aria-label": `Video: ${c.prompt}`,
    }));
  }
  if (c.status === "failed") {
    body.push(
      h("p", { className: "error-message", testid: "creation-error" }, errorLine(c)),
      h("p", { className: c.refunded ? "refund" : "help", testid: "creation-refund" }, refundLine(c)),
    );
  }

  const actions = [];
  if (canPublish(c.status)) {
    actions.push(h("button", {
      type: "button", testid: "publish", "aria-describedby": titleId,
      onclick: (event) => act(event.currentTarget, "publish", c),
    }, "Publish"));
  }
  if (canDelete(c.status)) {
    actions.push(h("button", {
      type: "button", className: "danger", testid: "delete", "aria-describedby": titleId,
      onclick: (event) => act(event.currentTarget, "delete", c),
    }, "Delete"));
  }

  return h("article", { "aria-labelledby": titleId, tabindex: "-1" },
    h("div", { className: "card-head" },
      h("h3", { id: titleId, className: "prompt", testid: "creation-prompt" }, c.prompt),
      h("span", { className: `badge badge-${c.status}`, testid: "creation-status" },
        STATUS_LABELS[c.status] || c.status)),
    h("p", { className: "meta" },
      `${c.aspectRatio} · ${c.duration} s · ${cost} tokens · `, when(c.createdAt)),
    body,
    actions.length ? h("div", { className: "actions" }, actions) : null,
    h("p", { id: deniedId, className: "error", role: "alert", testid: "creation-denied" },
      state.denied.get(c.id) || ""),
  );
}

function isDenied(err) {
  return Boolean(err) && err.code === "permission-denied";
}

// After a refused write: does the creation exist? (true when that cannot be told)
async function existsOrUnknown(id) {
  try {
    return await api.creationExists(id);
  } catch {
    return true;
  }
}

function safeCost(duration) {
  try {
    return tokenCost(duration);
  } catch {
    return "?";
  }
}

async function act(button, action, creation) {
  const card = button.closest("article");
  const denied = card.querySelector("[data-testid=creation-denied]");
  denied.textContent = "";
  state.denied.delete(creation.id);
  if (action === "delete" && !window.confirm(`Delete “${shorten(creation.prompt, 60)}”? This cannot be undone.`)) {
    return;
  }
  card.querySelectorAll(".actions button").forEach((b) => (b.disabled = true));
  try {
    if (action === "publish") {
      await api.publishCreation(creation.id);
      announce(`Published “${shorten(creation.prompt, 40)}” to the feed.`);
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

// ---- feed ------------------------------------------------------------------------------------

function watchFeed() {
  listen(
    "feed",
    api.watchFeed(
      state.feedLimit,
      (items) => {
        $("feed-error").textContent = "";
        renderFeed(items);
        $("feed-more").hidden = !canShowMore(items.length, state.feedLimit, MAX_LIMIT.feed);
      },
      (err) => ($("feed-error").textContent = `The feed cannot be loaded: ${deniedMessage("read", err)}`),
    ),
  );
}

function renderFeed(items) {
  const list = $("feed");
  const existing = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const wanted = items.map((item) => {
    const key = JSON.stringify([item.mediaUrl, item.prompt]);
    let li = existing.get(item.id);
    if (!li || li.dataset.key !== key) {
      li = h("li", { className: "card", testid: "feed-item", "data-id": item.id, "data-key": key },
        feedCard(item));
    }
    existing.delete(item.id);
    return li;
  });
  for (const gone of existing.values()) gone.remove();
  const current = [...list.children];
  if (current.length !== wanted.length || current.some((li, i) => li !== wanted[i])) {
    wanted.forEach((li, i) => {
      if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null);
    });
  }
  $("feed-empty").hidden = items.length > 0;
}

function feedCard(item) {
  const titleId = `feed-${item.id}-title`;
  const mine = state.user && item.userId === state.user.uid;
  return h("article", { "aria-labelledby": titleId },
    h("div", { className: "card-head" },
      h("h3", { id: titleId, className: "prompt", testid: "feed-prompt" }, item.prompt),
      mine ? h("span", { className: "badge badge-published" }, "Yours") : null),
    h("p", { className: "meta" }, `${item.aspectRatio} · ${item.duration} s · `, when(item.publishedAt)),
    item.mediaUrl
      ? h("video", {
        className: `video ${item.aspectRatio === "9:16" ? "portrait" : "landscape"}`,
        controls: true, preload: "metadata", playsinline: true, src: item.mediaUrl,
        testid: "feed-video", "aria-label": `Video: ${item.prompt}`,
      })
      : null,
  );
}

// ---- ledger ------------------------------------------------------------------------------------

function watchLedger() {
  listen(
    "ledger",
    api.watchLedger(
      state.user.uid,
      state.ledgerLimit,
      (entries) => {
        $("ledger-error").textContent = "";
        $("ledger-rows").replaceChildren(...entries.map(ledgerRow));
        $("ledger-empty").hidden = entries.length > 0;
        $("ledger-more").hidden = !canShowMore(entries.length, state.ledgerLimit, MAX_LIMIT.ledger);
      },
      (err) => ($("ledger-error").textContent = `The ledger cannot be loaded: ${deniedMessage("read", err)}`),
    ),
  );
}

function ledgerRow(entry) {
  const what = entry.creationId
    ? h("span", {}, entry.type === "refund" ? `${entry.reason} · ` : "", h("code", {}, entry.creationId))
    : entry.reason || "";
  return h("tr", { testid: "ledger-row", "data-type": entry.type, "data-id": entry.id },
    h("td", {}, when(entry.createdAt)),
    h("td", {}, h("span", { className: `badge badge-${entry.type}` }, ledgerLabel(entry.type))),
    h("td", { className: `num amount-${entry.type}`, testid: "ledger-amount" }, signedAmount(entry)),
    h("td", { className: "num", testid: "ledger-balance-after" }, String(entry.balanceAfter ?? "")),
    h("td", { className: "for" }, what),
  );
}

// ---- "show more" buttons ---------------------------------------------------------------------

function setupMore() {
  $("creations-more").addEventListener("click", () => {
    state.creationsLimit = nextLimit(state.creationsLimit, PAGE_SIZE, MAX_LIMIT.creations);
    watchCreations();
  });
  $("feed-more").addEventListener("click", () => {
    state.feedLimit = nextLimit(state.feedLimit, PAGE_SIZE, MAX_LIMIT.feed);
    watchFeed();
  });
  $("ledger-more").addEventListener("click", () => {
    state.ledgerLimit = nextLimit(state.ledgerLimit, PAGE_SIZE * 2, MAX_LIMIT.ledger);
    watchLedger();
  });
}

setupTabs();
setupRequestForm();
setupMore();
setupAuth();
updateRequestForm();
