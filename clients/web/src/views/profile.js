// The user's public display name (profiles/{uid}): what the feed shows on their
// videos instead of their uid. Checked here as the rules check it, so a refusal is explained.

import * as api from "../contract.js";
import { $ } from "../dom.js";
import { deniedMessage } from "../messages.js";
import { FALLBACK_NAME, nameProblem } from "../names.js";
import { announce, state } from "../session.js";

const SAVED_SHOWN_MS = 5000;
let savedTimer = null;

// kind: "error" (red, stays until the name is edited) or "ok" (goes after a few seconds).
function say(message, kind = "error") {
  clearTimeout(savedTimer);
  $("name-message").textContent = message;
  $("name-message").dataset.kind = message ? kind : "";
  if (message) $("display-name").setAttribute("aria-invalid", String(kind === "error"));
  else $("display-name").removeAttribute("aria-invalid");
  if (message && kind === "ok") savedTimer = setTimeout(() => say(""), SAVED_SHOWN_MS);
}

export async function loadDisplayName() {
  say("");
  $("display-name").value = "";
  try {
    const name = await api.getDisplayName(state.user.uid);
    $("display-name").value = name || "";
    $("display-name").placeholder = FALLBACK_NAME;
  } catch (err) {
    say(`Your name cannot be loaded: ${deniedMessage("read", err)}`);
  }
}

let stopWatching = null;

// The server's verdict on the requested name (displayNames/{uid}): shown when it refused it.
export function watchNameVerdict() {
  if (stopWatching) stopWatching();
  stopWatching = api.watchAcceptedName(
    state.user.uid,
    (accepted) => {
      if (accepted && accepted.error) {
        $("name-message").textContent = `${accepted.error.message} The feed shows “${accepted.name || FALLBACK_NAME}”.`;
      }
    },
    // A listener that errs is dead: say so, or a refused name would never be explained.
    (err) => say(`Whether your name was accepted cannot be loaded: ${deniedMessage("read", err)}`),
  );
}

export function setupDisplayName() {
  $("display-name").addEventListener("input", () => say(""));
  $("name-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("display-name").value;
    const problem = nameProblem(name);
    if (problem) {
      say(problem);
      return;
    }
    $("save-name").disabled = true;
    try {
      await api.setDisplayName(state.user.uid, name);
      say("Saved. Your published videos show it within seconds, once accepted.", "ok");
      announce(`Your name is now “${name}”.`);
    } catch (err) {
      say(deniedMessage("name", err));
    } finally {
      $("save-name").disabled = false;
    }
  });
}

export function clearNameMessage() {
  say("");
}
