// The balance (top bar and Tokens tab) and the ledger: grants, debits, refunds, newest first.

import { PAGE_SIZE } from "../config.js";
import * as api from "../contract.js";
import { $, h, when } from "../dom.js";
import { describe } from "../ledger-words.js";
import { deniedMessage, ledgerLabel, signedAmount } from "../messages.js";
import { MAX_LIMIT, canShowMore, nextLimit } from "../paging.js";
import { announce, listen, state } from "../session.js";

// onChange(tokens): what else depends on the balance (the request form's blocker).
export function watchBalance(onChange) {
  const show = (tokens) => {
    setBalance(tokens);
    onChange(tokens);
  };
  show(null);
  listen("balance", api.watchBalance(state.user.uid, ({ tokens }) => show(tokens), (err) => {
    announce(`Your balance cannot be loaded: ${deniedMessage("read", err)}`);
  }));
}

function setBalance(tokens) {
  state.balance = tokens;
  const text = tokens === null ? "…" : String(tokens);
  $("balance").textContent = text;
  $("ledger-balance").textContent = text;
}

export function watchLedger() {
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

export function setupLedgerMore() {
  $("ledger-more").addEventListener("click", () => {
    state.ledgerLimit = nextLimit(state.ledgerLimit, PAGE_SIZE * 2, MAX_LIMIT.ledger);
    watchLedger();
  });
}

// The "For" column in words: the grant's reason, or the video (its prompt) and why tokens
// came back. A prompt not in the list of videos is read once; a deleted one says so.
function ledgerRow(entry) {
  const forCell = h("td", { className: "for", testid: "ledger-for" }, forText(entry));
  if (entry.creationId && !state.prompts.has(entry.creationId)) {
    const uid = state.user.uid;
    api.creationPrompt(entry.creationId).then(
      (prompt) => {
        if (state.user?.uid !== uid) return; // signed out meanwhile
        state.prompts.set(entry.creationId, prompt);
        forCell.textContent = forText(entry);
      },
      () => {}, // unreadable: the row keeps its neutral words
    );
  }
  return h("tr", { testid: "ledger-row", "data-type": entry.type, "data-id": entry.id },
    h("td", {}, when(entry.createdAt)),
    h("td", {}, h("span", { className: `badge badge-${entry.type}` }, ledgerLabel(entry.type))),
    h("td", { className: `num amount-${entry.type}`, testid: "ledger-amount" }, signedAmount(entry)),
    h("td", { className: "num", testid: "ledger-balance-after" }, String(entry.balanceAfter ?? "")),
    forCell,
  );
}

function forText(entry) {
  if (!entry.creationId) return describe(entry.type, entry.reason, null);
  if (!state.prompts.has(entry.creationId)) return describe(entry.type, entry.reason, "…");
  return describe(entry.type, entry.reason, state.prompts.get(entry.creationId));
}
