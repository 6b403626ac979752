"""Random event sequences (duplicated, reordered, racing) against the domain's ledger plans.

The model applies each plan exactly as the Firestore adapter's transactions do (read,
plan, write all or nothing); whatever the order, the ledger invariants must hold. Ids can
be deleted (the client: finished ones; an operator: at any state) and written again (a new
incarnation of the id, as the server sees an admin-written or racing document), and delete
events can come again late, after the id was re-created.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain import ledger
from domain.errors import ErrorCode, failure
from domain.ledger import Account, CreationFacts, DebitOutcome, LedgerEntry
from domain.pricing import DURATIONS_SECONDS, token_cost
from domain.states import FINISHED, IN_FLIGHT, Status, server_may_move

USERS = ("alice", "bob")
CREATIONS = tuple(f"c{i}" for i in range(6))
MAX_IN_FLIGHT = 2
FAILURE_CODES = (ErrorCode.CONTENT_POLICY, ErrorCode.GENERATION_FAILED, ErrorCode.TIMEOUT)


class PipelineModel(RuleBasedStateMachine):
    @initialize(grants=st.tuples(st.integers(0, 200), st.integers(0, 200)))
    def grant(self, grants):
        self.accounts = {u: Account(g) for u, g in zip(USERS, grants, strict=False)}
        self.granted = dict(zip(USERS, grants, strict=False))
        self.entries: dict[tuple[str, str], LedgerEntry] = {
            (u, "grant_0"): LedgerEntry(u, "grant_0", "grant", g, None)
            for u, g in zip(USERS, grants, strict=False)
            if g
        }
        self.creations: dict[str, dict] = {}
        self.next_incarnation = 0
        self.deleted: list[tuple[str, dict]] = []  # (id, the deleted document): for late events

    def _entry(self, user, entry_id):
        return self.entries.get((user, entry_id))

    def _debit_of(self, cid, creation):
        """The adapter's read: debit_{id} of the creation's user, if it is of this incarnation."""
        debit = self._entry(creation["user"], ledger.debit_id(cid))
        if debit and ledger.same_incarnation(debit.incarnation, None, creation["inc"], None):
            return debit
        return None

    def _write(self, user, entry_id, **fields):
        self.entries[(user, entry_id)] = LedgerEntry(user, entry_id, **fields)

    @rule(cid=st.sampled_from(CREATIONS), user=st.sampled_from(USERS), duration=st.sampled_from(DURATIONS_SECONDS))
    def document_written(self, cid, user, duration):
        # A new id, or one deleted before (the rules deny that for an id the user was charged
        # for; an operator's write or another user is not stopped by that rule).
        if cid in self.creations:
            return
        self.next_incarnation += 1
        self.creations[cid] = {
            "user": user,
            "status": Status.PENDING,
            "refunded": False,
            "cost": token_cost(duration),
            "inc": f"i{self.next_incarnation}",
        }

    @rule(cid=st.sampled_from(CREATIONS))
    def create_event_delivered(self, cid):
        creation = self.creations.get(cid)
        if creation is None:
            return
        user = creation["user"]
        prior = self._entry(user, ledger.debit_id(cid))
        plan = ledger.plan_debit(
            creation["status"],
            prior is not None,
            self.accounts[user],
            creation["cost"],
            MAX_IN_FLIGHT,
            debit_is_ours=self._debit_of(cid, creation) is not None,
        )
        if plan.outcome == DebitOutcome.REFUSED:
            creation["status"] = Status.FAILED
            creation["error"] = plan.failure
        elif plan.outcome == DebitOutcome.DEBITED:
            self.accounts[user] = plan.account_after
            self._write(
                user,
                ledger.debit_id(cid),
                type="debit",
                amount=creation["cost"],
                creation_id=cid,
                incarnation=creation["inc"],
            )

    @rule(cid=st.sampled_from(CREATIONS))
    def veo_started(self, cid):
        creation = self.creations.get(cid)
        if creation and self._debit_of(cid, creation) and server_may_move(creation["status"], Status.PROCESSING):
            creation["status"] = Status.PROCESSING

    @rule(cid=st.sampled_from(CREATIONS))
    def finalize_succeeds(self, cid):
        creation = self.creations.get(cid)
        if creation is None or not ledger.plan_draft(creation["status"]):
            return
        user = creation["user"]
        self.accounts[user] = ledger.release_in_flight(self.accounts[user])
        debit = self._debit_of(cid, creation)
        if debit:  # complete_draft marks the debit delivered in the same transaction
            self._write(
                user,
                debit.entry_id,
                type="debit",
                amount=debit.amount,
                creation_id=cid,
                incarnation=debit.incarnation,
                delivered=True,
            )
        creation["status"] = Status.DRAFT

    @rule(cid=st.sampled_from(CREATIONS), code=st.sampled_from(FAILURE_CODES))
    def fails_from_finalize_or_sweep(self, cid, code):
        creation = self.creations.get(cid)
        if creation is None:
            return
        user = creation["user"]
        debit = self._debit_of(cid, creation)
        plan = ledger.plan_failure(
            creation["status"],
            self.accounts[user],
            debit.amount if debit else None,
            debit is not None and self._entry(user, ledger.refund_id(cid)) is not None,
            debit is not None and debit.delivered,
        )
        if not plan.changed:
            return
        if plan.refund_amount:
            self.accounts[user] = plan.account_after
            self._write(
                user,
                ledger.refund_id(cid),
                type="refund",
                amount=plan.refund_amount,
                creation_id=cid,
                incarnation=creation["inc"],
            )
        creation["status"] = Status.FAILED
        creation["refunded"] = plan.refunded
        creation["error"] = failure(code)

    @rule(cid=st.sampled_from(CREATIONS))
    def owner_publishes(self, cid):
        creation = self.creations.get(cid)
        if creation and creation["status"] == Status.DRAFT:
            creation["status"] = Status.PUBLISHED

    @rule(cid=st.sampled_from(CREATIONS), by_operator=st.booleans())
    def deleted(self, cid, by_operator):
        creation = self.creations.get(cid)
        if creation is None or (not by_operator and creation["status"] not in FINISHED):
            return  # the rules let the owner delete finished creations only
        del self.creations[cid]
        self.deleted.append((cid, dict(creation)))
        self._delete_event(cid, creation)

    @rule(data=st.data())
    def delete_event_delivered_again(self, data):
        # Late and repeated: possibly after the id was written again by someone else.
        if self.deleted:
            cid, creation = data.draw(st.sampled_from(self.deleted))
            self._delete_event(cid, creation)

    def _delete_event(self, cid, deleted):
        """cleanupcreation's settlement (store.settle_deletion) for the deleted document."""
        if deleted["status"] not in IN_FLIGHT:
            return
        user = deleted["user"]
        debit = self._entry(user, ledger.debit_id(cid))
        if debit is None or not ledger.same_incarnation(debit.incarnation, None, deleted["inc"], None):
            return
        decision = ledger.plan_deletion_refund(
            self.accounts[user], debit.amount, self._entry(user, ledger.refund_id(cid)) is not None, debit.delivered
        )
        if decision.refund_amount:
            self.accounts[user] = decision.account_after
            self._write(
                user,
                ledger.refund_id(cid),
                type="refund",
                amount=decision.refund_amount,
                creation_id=cid,
                incarnation=debit.incarnation,
            )

    @invariant()
    def ledger_check_passes(self):
        report = ledger.check_ledger(
            {u: a.tokens for u, a in self.accounts.items()},
            {u: a.in_flight for u, a in self.accounts.items()},
            list(self.entries.values()),
            [
                CreationFacts(cid, c["user"], c["status"], c["refunded"], incarnation=c["inc"])
                for cid, c in self.creations.items()
            ],
        )
        assert report.ok, report.problems

    @invariant()
    def balance_is_grants_minus_debits_plus_refunds(self):
        for user, account in self.accounts.items():
            mine = [e for (u, _), e in self.entries.items() if u == user]
            debits = sum(e.amount for e in mine if e.type == "debit")
            refunds = sum(e.amount for e in mine if e.type == "refund")
            assert account.tokens == self.granted[user] - debits + refunds >= 0

    @invariant()
    def no_refund_of_a_delivered_video(self):
        for (user, _eid), entry in self.entries.items():
            if entry.type == "refund":
                debit = self._entry(user, ledger.debit_id(entry.creation_id))
                assert debit is not None and debit.amount == entry.amount
                assert not debit.delivered, f"{entry.creation_id}: delivered and refunded"

    @invariant()
    def in_flight_slots_match_open_debits(self):
        for user, account in self.accounts.items():
            in_flight = sum(
                1
                for cid, c in self.creations.items()
                if c["user"] == user
                and c["status"] in IN_FLIGHT
                and self._debit_of(cid, c)
                and not self._entry(user, ledger.refund_id(cid))
            )
            assert in_flight == account.in_flight <= MAX_IN_FLIGHT

    @invariant()
    def a_reused_id_is_never_charged_again(self):
        for cid, creation in self.creations.items():
            debit = self._entry(creation["user"], ledger.debit_id(cid))
            if debit is not None and debit.incarnation != creation["inc"]:
                assert creation["status"] in (Status.PENDING, Status.FAILED)
                assert not creation["refunded"]


# No clock in the verdict: on a busy machine a slow example is still a valid one.
PipelineModel.TestCase.settings = settings(
    max_examples=300, stateful_step_count=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_ledger_plans_keep_every_invariant_under_random_events = PipelineModel.TestCase
