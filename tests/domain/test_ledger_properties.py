"""Random event sequences (duplicated, reordered, racing) against the domain's ledger plans.

The model applies each plan exactly as the Firestore adapter's transactions do (read,
plan, write all or nothing); whatever the order, the ledger invariants must hold.
"""
from __future__ import annotations

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain import ledger
from domain.errors import ErrorCode, failure
from domain.ledger import Account, CreationFacts, DebitOutcome, LedgerEntry
from domain.pricing import DURATIONS_SECONDS, token_cost
from domain.states import IN_FLIGHT, Status, server_may_move

USERS = ("alice", "bob")
CREATIONS = tuple(f"c{i}" for i in range(8))
MAX_IN_FLIGHT = 2
FAILURE_CODES = (ErrorCode.CONTENT_POLICY, ErrorCode.GENERATION_FAILED, ErrorCode.TIMEOUT)


class PipelineModel(RuleBasedStateMachine):
    @initialize(grants=st.tuples(st.integers(0, 200), st.integers(0, 200)))
    def grant(self, grants):
        self.accounts = {u: Account(g) for u, g in zip(USERS, grants)}
        self.entries: dict[tuple[str, str], LedgerEntry] = {
            (u, "grant_0"): LedgerEntry(u, "grant_0", "grant", g, None)
            for u, g in zip(USERS, grants) if g}
        self.creations: dict[str, dict] = {}

    def _entry(self, user, entry_id):
        return self.entries.get((user, entry_id))

    @rule(cid=st.sampled_from(CREATIONS), user=st.sampled_from(USERS),
          duration=st.sampled_from(DURATIONS_SECONDS))
    def client_creates(self, cid, user, duration):
        # A client-chosen id: a second create of the same id is denied by the rules.
        self.creations.setdefault(cid, {"user": user, "status": Status.PENDING, "refunded": False,
                                        "cost": token_cost(duration)})

    @rule(cid=st.sampled_from(CREATIONS))
    def create_event_delivered(self, cid):
        creation = self.creations.get(cid)
        if creation is None:
            return
        user = creation["user"]
        plan = ledger.plan_debit(creation["status"], self._entry(user, ledger.debit_id(cid)) is not None,
                                 self.accounts[user], creation["cost"], MAX_IN_FLIGHT)
        if plan.outcome == DebitOutcome.REFUSED:
            creation["status"] = Status.FAILED
        elif plan.outcome == DebitOutcome.DEBITED:
            self.accounts[user] = plan.account_after
            eid = ledger.debit_id(cid)
            self.entries[(user, eid)] = LedgerEntry(user, eid, "debit", creation["cost"], cid)

    @rule(cid=st.sampled_from(CREATIONS))
    def veo_started(self, cid):
        creation = self.creations.get(cid)
        if creation and self._entry(creation["user"], ledger.debit_id(cid)) \
                and server_may_move(creation["status"], Status.PROCESSING):
            creation["status"] = Status.PROCESSING

    @rule(cid=st.sampled_from(CREATIONS))
    def finalize_succeeds(self, cid):
        creation = self.creations.get(cid)
        if creation is None:
            return
        if ledger.plan_draft(creation["status"]):
            self.accounts[creation["user"]] = ledger.release_in_flight(self.accounts[creation["user"]])
            creation["status"] = Status.DRAFT

    @rule(cid=st.sampled_from(CREATIONS), code=st.sampled_from(FAILURE_CODES))
    def fails_from_finalize_or_sweep(self, cid, code):
        creation = self.creations.get(cid)
        if creation is None:
            return
        user = creation["user"]
        debit = self._entry(user, ledger.debit_id(cid))
        plan = ledger.plan_failure(creation["status"], self.accounts[user],
                                   debit.amount if debit else None,
                                   self._entry(user, ledger.refund_id(cid)) is not None)
        if not plan.changed:
            return
        if plan.refund_amount:
            self.accounts[user] = plan.account_after
            eid = ledger.refund_id(cid)
            self.entries[(user, eid)] = LedgerEntry(user, eid, "refund", plan.refund_amount, cid)
        creation["status"] = Status.FAILED
        creation["refunded"] = plan.refunded
        creation["error"] = failure(code)

    @rule(cid=st.sampled_from(CREATIONS))
    def owner_publishes(self, cid):
        creation = self.creations.get(cid)
        if creation and creation["status"] == Status.DRAFT:
            creation["status"] = Status.PUBLISHED

    @invariant()
    def ledger_check_passes(self):
        report = ledger.check_ledger(
            {u: a.tokens for u, a in self.accounts.items()},
            {u: a.in_flight for u, a in self.accounts.items()},
            list(self.entries.values()),
            [CreationFacts(cid, c["user"], c["status"], c["refunded"]) for cid, c in self.creations.items()],
        )
        assert report.ok, report.problems

    @invariant()
    def balances_never_negative_and_limit_respected(self):
        for user, account in self.accounts.items():
            assert account.tokens >= 0
            in_flight = sum(1 for cid, c in self.creations.items()
                            if c["user"] == user and c["status"] in IN_FLIGHT
                            and self._entry(user, ledger.debit_id(cid)))
            assert in_flight == account.in_flight <= MAX_IN_FLIGHT

    @invariant()
    def at_most_one_debit_and_one_refund_per_creation(self):
        # Keys are (user, deterministic id): a second write of the same id would overwrite,
        # so check that refunds only ever follow a debit of the same amount.
        for (user, eid), entry in self.entries.items():
            if entry.type == "refund":
                debit = self._entry(user, ledger.debit_id(entry.creation_id))
                assert debit is not None and debit.amount == entry.amount


PipelineModel.TestCase.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
test_ledger_plans_keep_every_invariant_under_random_events = PipelineModel.TestCase
