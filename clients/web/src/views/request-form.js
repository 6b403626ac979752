// The prompt form: its cost, why it is blocked, the request write, and one live listener per
// creation asked for in this session that announces each change of its status.

import * as api from "../contract.js";
import { $ } from "../dom.js";
import { deniedMessage, refundLine } from "../messages.js";
import { fileProblem, shapeProblem } from "../photo.js";
import {
  isBlank, isOffered, negativePromptProblem, parseSeed, promptProblem, submitBlocker, tokenCost,
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

// The chosen photo: the File, and its size as the browser displays it (EXIF orientation
// applied, as the server measures it), known once the preview has loaded.
const photo = { file: null, url: null, width: 0, height: 0 };

function photoProblem(values) {
  if (!photo.file) return null;
  return fileProblem(photo.file) || shapeProblem(photo.width, photo.height, values.aspectRatio);
}

function optionProblem(values) {
  return negativePromptProblem(values.negativePrompt) || parseSeed(values.seed).problem || photoProblem(values);
}

function choosePhoto(file) {
  if (photo.url) URL.revokeObjectURL(photo.url);
  Object.assign(photo, { file: file || null, url: null, width: 0, height: 0 });
  const box = $("photo-preview-box");
  const img = $("photo-preview");
  box.hidden = !file;
  $("photo-progress").hidden = true;
  if (!file) {
    img.removeAttribute("src");
    $("photo").value = "";
    updateRequestForm();
    return;
  }
  photo.url = URL.createObjectURL(file);
  img.onload = () => {
    if (photo.file !== file) return;
    photo.width = img.naturalWidth;
    photo.height = img.naturalHeight;
    updateRequestForm();
  };
  img.onerror = () => {
    if (photo.file !== file) return;
    $("request-error").textContent = "This file could not be shown as a picture.";
  };
  img.src = photo.url;
  updateRequestForm();
}

export function updateRequestForm() {
  const values = formValues();
  // The price before submit, from the table the server charges by (price-table.js).
  $("cost").textContent = isOffered(values.duration, values) ? String(tokenCost(values.duration, values)) : "—";
  const blocker = submitBlocker({ balance: state.balance, ...values }) || optionProblem(values);
  $("submit-reason").textContent = blocker || "";
  $("submit").disabled = Boolean(blocker) || state.sending;
  $("request-form").dataset.blocked = blocker ? "true" : "false";
}

export function setupRequestForm() {
  const form = $("request-form");
  $("photo").addEventListener("change", (event) => choosePhoto(event.target.files?.[0]));
  $("photo-clear").addEventListener("click", () => choosePhoto(null));
  form.addEventListener("input", () => {
    $("request-error").textContent = "";
    updateRequestForm();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const values = formValues();
    const problem = promptProblem(values.prompt) || submitBlocker({ balance: state.balance, ...values })
      || optionProblem(values);
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
      let image;
      if (photo.file) {
        // The photo first (a new upload each time: the rules never allow an overwrite), with
        // its progress shown; the request names it once it is stored.
        const bar = $("photo-progress");
        bar.hidden = false;
        bar.value = 0;
        image = await api.uploadPhoto(state.user.uid, photo.file, (fraction) => { bar.value = fraction; });
        bar.value = 1;
      }
      await api.requestCreation(id, state.user.uid, { ...requestValues(values), image });
      announce(`Request sent. ${tokenCost(values.duration, values)} tokens will be taken when generation starts.`);
      form.prompt.value = "";
      if (photo.file) choosePhoto(null);
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
