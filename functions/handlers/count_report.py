"""onCreate of feed/{id}/reports/{uid}: one more distinct reporter; at REPORTS_TO_HIDE the entry
is hidden pending an operator's review (runbook in docs/operations.md).

The rules make each user's report a single document (its id is their uid); the count is kept
in the server-only moderation/{id}, so neither reporters nor the owner can read it. Counting
is one transaction that stamps the report as counted: a re-delivered event counts nothing.
"""

from __future__ import annotations

from adapters import log
from domain import contract
from ports import Services


def handle(creation_id: str, reporter_id: str, services: Services, threshold: int) -> bool:
    """Whether this report hid the entry."""
    if not contract.is_valid_creation_id(creation_id) or not contract.is_safe_user_id(reporter_id):
        return False
    counted = services.feed.count_report(creation_id, reporter_id, max(1, threshold))
    if counted is None:
        return False
    reports, hidden = counted
    log.report_counted(creation_id, reports, hidden)
    if hidden:
        log.feed_entry_hidden(creation_id, reports)
    return hidden
