// The user's public display name (profiles/{uid}): what the feed shows on their
// videos instead of their uid. Checked here as the rules check it, so a refusal is explained.

import * as api from "../contract.js";
import { $ } from "../dom.js";
import { deniedMessage } from "../messages.js";
import { FALLBACK_NAME, nameProblem } from "../names.js";
import { announce, state } from "../session.js";

export async function loadDisplayName() {
  $("name-message").textContent = "";
  $("display-name").value = "";
  try {
    const name = await api.getDisplayName(state.user.uid);
    $("display-name").value = name || "";
    $("display-name").placeholder = FALLBACK_NAME;
  } catch (err) {
    $("name-message").textContent = `Your name cannot be loaded: ${deniedMessage("read", err)}`;
  }
}

export function setupDisplayName() {
  $("name-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = $("display-name").value;
    const problem = nameProblem(name);
    if (problem) {
      $("name-message").textContent = problem;
      return;
    }
    $("save-name").disabled = true;
    try {
      await api.setDisplayName(state.user.uid, name);
      $("name-message").textContent = "Saved. Your published videos show it within seconds.";
      announce(`Your name is now “${name}”.`);
    } catch (err) {
      $("name-message").textContent = deniedMessage("name", err);
    } finally {
      $("save-name").disabled = false;
    }
  });
}
