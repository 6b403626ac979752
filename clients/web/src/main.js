// The UI's wiring: every Firebase call goes through ./contract.js and each part of the page
// is a view in ./views/ (cards of the drafts list and the feed come from ./cards.js).

import { PAGE_SIZE } from "./config.js";
import { state } from "./session.js";
import { setupAuth } from "./views/auth.js";
import { setupCreationsMore, watchCreations } from "./views/drafts.js";
import { setupFeedMore, watchFeed } from "./views/feed.js";
import { loadDisplayName, setupDisplayName, watchNameVerdict } from "./views/profile.js";
import { setupLedgerMore, watchBalance, watchLedger } from "./views/ledger.js";
import { setupRequestForm, updateRequestForm } from "./views/request-form.js";
import { selectTab, setupTabs, tabFromHash } from "./views/tabs.js";

function onSignedIn() {
  state.creationsLimit = PAGE_SIZE;
  state.feedLimit = PAGE_SIZE;
  state.ledgerLimit = PAGE_SIZE * 2;
  watchBalance(updateRequestForm);
  watchCreations();
  watchFeed();
  watchLedger();
  loadDisplayName();
  watchNameVerdict();
  selectTab(tabFromHash() || "create", { focus: false });
}

setupTabs();
setupRequestForm();
setupCreationsMore();
setupFeedMore();
setupLedgerMore();
setupDisplayName();
setupAuth({ onSignedIn });
updateRequestForm();
