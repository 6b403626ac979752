// Sign in, sign up, continue as guest, sign out; which view shows follows the auth state.

import * as api from "../contract.js";
import { $ } from "../dom.js";
import { authMessage } from "../messages.js";
import { state, stopAll } from "../session.js";

// onSignedIn(user) starts what a signed-in user sees; everything of the previous user is
// detached and cleared before either callback runs.
export function setupAuth({ onSignedIn }) {
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
    if (user) showSignedIn(user, onSignedIn);
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

function showSignedIn(user, onSignedIn) {
  const fromSignIn = $("signin-view").contains(document.activeElement);
  $("signin-view").hidden = true;
  $("auth-error").textContent = "";
  $("account").hidden = false;
  $("app-view").hidden = false;
  $("user-label").textContent = user.isAnonymous ? "Guest (anonymous)" : user.email;
  $("user-uid").textContent = user.uid;
  onSignedIn(user);
  if (fromSignIn) $("main").focus(); // focus was on a control that is now hidden
}
