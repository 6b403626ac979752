// The prompt form: its cost, why it is blocked, the request write, and one live listener per
// creation asked for in this session that announces each change of its status.

import { EMULATORS } from "../config.js";
import * as api from "../contract.js";
import { $ } from "../dom.js";
import { deniedMessage, refundLine } from "../messages.js";
import {
  NEGATIVE_PROMPT_MAX_CHARS, PROMPT_MAX_CHARS, counter, isBlank, isOffered, needsMoreTokens, negativePromptProblem,
  offeredDurations, parseSeed, promptProblem, submitBlocker, tokenCost,
} from "../pricing.js";
import { announce, isDenied, shorten, state } from "../session.js";

function formValues() {
  const form = $("request-form");
  return {
    prompt: form.prompt.value,
    aspectRatio: form.aspectRatio.value,
    duration: Number.parseInt(form.duration.value, 10),
    quality: form.quality.value,
    resolution: form.resolution.value,
    audio: form.audio.checked,
    negativePrompt: form.negativePrompt.value,
    seed: form.seed.value,
  };
}

// What is written: a blank negative prompt and an empty seed are left out (the rules refuse "").
function requestValues(values) {
  const negativePrompt = isBlank(values.negativePrompt) ? undefined : values.negativePrompt;
  return { ...values, negativePrompt, seed: parseSeed(values.seed).seed };
}

// Each field's own problem, shown next to that field (never only by the submit button).
function fieldProblems(values) {
  const tooLong = values.prompt.length > PROMPT_MAX_CHARS
    ? `The prompt is ${values.prompt.length - PROMPT_MAX_CHARS} characters too long (at most ${PROMPT_MAX_CHARS}).`
    : null;
  return {
    prompt: tooLong,
    negativePrompt: negativePromptProblem(values.negativePrompt),
    seed: parseSeed(values.seed).problem,
  };
}

// field -> [its input's id, its error's id]
const FIELDS = {
  prompt: ["prompt", "prompt-error"],
  negativePrompt: ["negativePrompt", "negative-error"],
  seed: ["seed", "seed-error"],
};

function showFieldProblems(problems) {
  for (const [name, [inputId, errorId]] of Object.entries(FIELDS)) {
    $(errorId).textContent = problems[name] || "";
    if (problems[name]) $(inputId).setAttribute("aria-invalid", "true");
    else $(inputId).removeAttribute("aria-invalid");
  }
}

function showCounter(id, value, max) {
  const { level, text } = counter(value, max);
  $(id).textContent = text;
  $(id).dataset.level = level;
}

// 1080p is made at 8 s only: the other durations cannot be chosen, and a duration that is no
// longer on sale moves to one that is (the longest), instead of a price of "—".
function keepDurationOnSale(values) {
  const offered = offeredDurations(values);
  for (const input of $("request-form").querySelectorAll("input[name=duration]")) {
    input.disabled = !offered.includes(Number(input.value));
  }
  if (offered.length && !offered.includes(values.duration)) {
    const longest = offered[offered.length - 1];
    $("request-form").querySelector(`input[name=duration][value="${longest}"]`).checked = true;
    return { ...values, duration: longest };
  }
  return values;
}

// Locally (the emulators) the way to get tokens is one command: show it with the account's key.
function fundHint() {
  if (!EMULATORS || !state.user || !needsMoreTokens(state.balance)) return "";
  return `functions/venv/bin/python -m ops --emulator grant ${state.user.email || state.user.uid} 200`;
}

export function updateRequestForm() {
  const values = keepDurationOnSale(formValues());
  // The price before submit, from the table the server charges by (price-table.js).
  $("cost").textContent = isOffered(values.duration, values) ? String(tokenCost(values.duration, values)) : "—";
  showCounter("prompt-count", values.prompt, PROMPT_MAX_CHARS);
  showCounter("negative-count", values.negativePrompt, NEGATIVE_PROMPT_MAX_CHARS);
  const problems = fieldProblems(values);
  showFieldProblems(problems);
  const fieldProblem = problems.prompt || problems.negativePrompt || problems.seed;
  const blocker = submitBlocker({ balance: state.balance, ...values })
    || (fieldProblem ? "Correct the field marked in red above." : null);
  $("submit-reason").textContent = blocker || "";
  const hint = fundHint();
  $("fund-hint").hidden = !hint;
  $("fund-command").textContent = hint;
  $("submit").disabled = Boolean(blocker) || state.sending;
  $("request-form").dataset.blocked = blocker ? "true" : "false";
}

export function setupRequestForm() {
  const form = $("request-form");
  form.addEventListener("input", () => {
    $("request-error").textContent = "";
    updateRequestForm();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    // A second submit while the first is on its way (a double click, a script calling
    // requestSubmit() twice) would write a second creation with a new id.
    if (state.sending) return;
    const values = formValues();
    const problems = fieldProblems(values);
    const badOption = problems.negativePrompt ? "negativePrompt" : problems.seed ? "seed" : null;
    if (badOption) {
      $("more-options").open = true;
      form[badOption].focus();
      return;
    }
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
      await api.requestCreation(id, state.user.uid, requestValues(values));
      announce(`Request sent. ${tokenCost(values.duration, values)} tokens will be taken when generation starts.`);
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

// One live listener per creation in flight: asked for in this session, or found pending or
// processing after a reload (`status` is then what it already is: not announced again). It
// announces each change of status (for screen readers and for anyone looking at another tab),
// then detaches when finished.
export function track(id, prompt, status = null) {
  if (state.tracked.has(id)) return;
  const entry = { prompt, status, unsubscribe: null };
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
