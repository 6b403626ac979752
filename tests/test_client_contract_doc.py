"""docs/client-contract.md and firestore.rules cannot drift from the domain.

Pure: reads three files and the domain constants; no emulator. What the rules *do* is proven
by tests/rules/ against the rules engine; this proves they say the same numbers and names as
functions/domain/ and that the document for app developers says what both say.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.contract import (
    CLIENT_FIELDS,
    CREATION_ID_MAX_CHARS,
    INPUT_FIELDS,
    OPTION_FIELDS,
    PROMPT_MAX_CHARS,
    SERVER_FIELDS,
)
from domain.errors import BEFORE_DEBIT, MESSAGES, ErrorCode
from domain.ledger import EntryType
from domain.pricing import ASPECT_RATIOS, DURATIONS_SECONDS, TOKENS_PER_SECOND
from domain.states import FINISHED, SERVER_TRANSITIONS, TRANSITIONS, Status

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "client-contract.md").read_text()
RULES = (ROOT / "firestore.rules").read_text()
INTERNAL_FIELDS = {
    "operationName",
    "mediaKey",
    "startClaim",
    "startClaimedAt",
}  # on the document, not for clients to use


# ---- reading the document -------------------------------------------------------------------


def section(heading: str) -> str:
    """The text under a markdown heading (any level), up to the next heading."""
    match = re.search(rf"^#+ {re.escape(heading)}\s*$", DOC, re.MULTILINE)
    assert match, f"no heading {heading!r} in docs/client-contract.md"
    rest = DOC[match.end() :]
    following = re.search(r"^#+ ", rest, re.MULTILINE)
    return rest[: following.start()] if following else rest


def table(heading: str) -> list[list[str]]:
    """The rows (cells stripped) of the first table under `heading`, without its header."""
    lines = [line.strip() for line in section(heading).splitlines()]
    rows = [line for line in lines if line.startswith("|")]
    assert len(rows) >= 3, f"no table under {heading!r}"
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows[2:]]


def field_table(heading: str) -> dict[str, list[str]]:
    rows = table(heading)
    names = [re.fullmatch(r"`([^`]+)`", row[0]) for row in rows]
    assert all(names), f"first column under {heading!r} must be `field`"
    fields = {m.group(1): row[1:] for m, row in zip(names, rows, strict=False)}
    assert len(fields) == len(rows), f"a field is listed twice under {heading!r}"
    return fields


CREATION = "`creations/{creationId}`"


# ---- creations ------------------------------------------------------------------------------


def test_the_creation_table_lists_exactly_the_client_and_server_fields():
    assert set(field_table(CREATION)) == CLIENT_FIELDS | OPTION_FIELDS | INPUT_FIELDS | SERVER_FIELDS


def test_every_client_field_is_documented_as_written_by_the_client_on_create():
    documented = field_table(CREATION)
    for name in CLIENT_FIELDS | OPTION_FIELDS | INPUT_FIELDS:
        assert "client (create" in documented[name][1], name
    for name in OPTION_FIELDS | INPUT_FIELDS:
        assert "optional" in documented[name][1], name


def test_fields_only_the_server_writes_are_documented_as_server_written():
    documented = field_table(CREATION)
    for name in SERVER_FIELDS - CLIENT_FIELDS - set(publish_keys_in_rules()):
        assert documented[name][1] == "server", name


def test_the_fields_a_publish_changes_are_documented_as_client_written_on_publish():
    documented = field_table(CREATION)
    for name in publish_keys_in_rules():
        assert "publish" in documented[name][1], name


def test_internal_fields_are_documented_as_internal_and_nothing_else_is():
    marked = {name for name, (_, _, meaning) in field_table(CREATION).items() if meaning.startswith("internal")}
    assert marked == INTERNAL_FIELDS and INTERNAL_FIELDS <= SERVER_FIELDS


def test_duration_is_documented_as_an_integer():
    assert field_table(CREATION)["duration"][0] == "integer"


# ---- other collections ------------------------------------------------------------------------


def test_the_user_table_lists_the_fields_the_server_writes():
    from adapters import store

    assert set(field_table("`users/{uid}`")) == {"tokens", "inFlight"}
    assert '"tokens"' in Path(store.__file__).read_text() and '"inFlight"' in Path(store.__file__).read_text()


def test_the_ledger_table_lists_the_fields_of_a_ledger_entry():
    from adapters import store

    grant = store._ledger_doc(EntryType.GRANT, 1, 1, None, "test")
    debit = store._ledger_doc(EntryType.DEBIT, 1, 1, "c1", "generation", incarnation="2026-11-28T00:00:00Z")
    # complete_draft adds the delivery mark to a debit once its video exists.
    fields = set(grant) | set(debit) | {store.DELIVERED_FIELD}
    documented = field_table("`users/{uid}/transactions/{entryId}`")
    assert set(documented) == fields
    assert all(f"`{kind.value}`" in documented["type"][2] for kind in EntryType)


def test_the_feed_table_lists_the_fields_of_a_feed_entry():
    from domain import media

    entry = media.feed_entry({}, "https://media.example/x.mp4", poster_url="https://media.example/x.jpg")
    assert set(field_table("`feed/{creationId}`")) == set(entry)


# ---- states and errors -------------------------------------------------------------------------


def test_the_state_diagram_has_exactly_the_domains_transitions():
    block = re.search(r"```mermaid\n(stateDiagram-v2\n.*?)```", DOC, re.DOTALL)
    assert block, "no mermaid stateDiagram-v2 block"
    arrows = set(re.findall(r"^\s*(\[\*\]|\w+) --> (\w+)", block.group(1), re.MULTILINE))
    expected = {(s.value, t.value) for s, targets in TRANSITIONS.items() for t in targets}
    assert arrows == expected | {("[*]", Status.PENDING.value)}
    assert {s.value for s in Status} <= {state for arrow in arrows for state in arrow}


def test_the_error_table_has_every_code_with_its_exact_message():
    rows = table("Errors")
    codes = {re.fullmatch(r"`(\w+)`", row[0]).group(1): row for row in rows}
    assert set(codes) == {code.value for code in ErrorCode}
    for code in ErrorCode:
        assert codes[code.value][1] == MESSAGES[code]


@pytest.mark.parametrize("code", list(ErrorCode))
def test_the_error_table_says_whether_tokens_come_back(code):
    tokens = {re.fullmatch(r"`(\w+)`", row[0]).group(1): row[2] for row in table("Errors")}[code.value]
    if code in BEFORE_DEBIT:
        assert tokens == "never charged"
    elif code == ErrorCode.CONTENT_POLICY:  # our pre-check (before the debit) or Veo's filter (after)
        assert "never charged" in tokens and "refunded" in tokens
    else:
        assert tokens == "refunded"


# ---- the rules say what the domain says ---------------------------------------------------------


def rules_function(name: str) -> str:
    match = re.search(rf"function {name}\((\w*)\) \{{(.*?)\n    \}}", RULES, re.DOTALL)
    assert match, f"no function {name} in firestore.rules"
    return match.group(2)


def string_list(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


def test_the_rules_allow_exactly_the_client_fields_on_create():
    body = rules_function("validRequest")
    has_only = re.search(r"keys\(\)\.hasOnly\(\[(.*?)\]\)", body, re.DOTALL).group(1)
    has_all = re.search(r"keys\(\)\.hasAll\(\[(.*?)\]\)", body).group(1)
    assert set(string_list(has_all)) == CLIENT_FIELDS
    assert set(string_list(has_only)) == CLIENT_FIELDS | OPTION_FIELDS | INPUT_FIELDS


def test_the_rules_price_is_the_generated_table():
    # What the table holds is tests/domain/test_price_table_drift.py's; here: the create rule
    # charges from it.
    assert rules_function("tokenCost").strip() == "return priceTable()[priceKey(data)];"
    assert "balance() >= tokenCost(request.resource.data)" in create_rule()


def test_the_documented_prices_are_the_domains():
    from ops.prices import offered_prices, price_key

    documented_rates, documented_totals = {}, {}
    for quality, resolution, audio, rate, *totals in table("Price"):
        key = (quality.strip("`"), resolution.strip("`"), {"yes": True, "no": False}[audio])
        documented_rates[key] = int(rate)
        for seconds, total in zip(DURATIONS_SECONDS, totals, strict=True):
            if total != "—":
                documented_totals[price_key(*key, seconds)] = int(total)
    assert documented_rates == TOKENS_PER_SECOND
    assert documented_totals == offered_prices()


def test_the_documented_options_are_the_domains():
    from domain import pricing

    rows = {re.fullmatch(r"`(\w+)`", row[0]).group(1): row for row in table("Options")}
    assert set(rows) == OPTION_FIELDS
    assert rows["quality"][2] == f'`"{pricing.DEFAULT_QUALITY}"`'
    assert rows["resolution"][2] == f'`"{pricing.DEFAULT_RESOLUTION}"`'
    assert rows["audio"][2] == f"`{str(pricing.DEFAULT_AUDIO).lower()}`"
    assert all(f'`"{q}"`' in rows["quality"][1] for q in pricing.QUALITIES)
    assert all(f'`"{r}"`' in rows["resolution"][1] for r in pricing.RESOLUTIONS)


def test_the_rules_request_limits_are_the_domains():
    body = rules_function("validRequest")
    assert string_list(re.search(r"aspectRatio in \[(.*?)\]", body).group(1)) == list(ASPECT_RATIOS)
    durations = re.search(r"duration in \[(.*?)\]", body).group(1)
    assert [int(d) for d in durations.split(",")] == list(DURATIONS_SECONDS)
    assert re.search(r"status == '(\w+)'", body).group(1) == Status.PENDING
    assert f"prompt.size() <= {PROMPT_MAX_CHARS}" in rules_function("validPrompt")


ID_PATTERN = f"[A-Za-z0-9_-]{{1,{CREATION_ID_MAX_CHARS}}}"


def test_the_rules_id_alphabet_is_the_documented_one_and_the_servers():
    from domain.contract import CREATION_ID_PATTERN

    assert CREATION_ID_PATTERN.pattern == ID_PATTERN
    assert f"creationId.matches('{ID_PATTERN}')" in rules_function("validId")
    assert f"`{ID_PATTERN}`" in section("What the rules check on a request")
    assert f"`{ID_PATTERN}`" in section("Creation ids")


def test_the_ledger_entries_that_spend_an_id_are_the_domains_ids():
    from domain.ledger import debit_id, refund_id

    body = rules_function("neverCharged")
    prefixes = re.findall(r"\$\('(\w+)' \+ creationId\)", body)
    assert prefixes == [debit_id(""), refund_id("")]
    assert f"`{debit_id('{creationId}')}`" in section("What the rules check on a request")


def create_rule() -> str:
    return re.search(r"allow create: if (.*?);", RULES, re.DOTALL).group(1)


def test_the_create_rule_reads_documents_only_after_every_check_that_reads_none():
    conditions = [c.strip() for c in create_rule().split("&&")]
    reading = [i for i, c in enumerate(conditions) if c.startswith(("neverCharged", "balance"))]
    free = [i for i, c in enumerate(conditions) if c.startswith(("signedIn", "validId", "validRequest"))]
    assert len(reading) == 2 and len(free) == 3 and max(free) < min(reading)


def list_caps_in_rules() -> dict[str, int]:
    """{match path: the pagedBy(N) of its list rule}."""
    caps = {}
    for match in re.finditer(r"match (/[^ ]+) \{", RULES):
        body = RULES[match.end() :]
        rule = re.search(r"allow list: if (.*?);", body, re.DOTALL)
        nested = re.search(r"\bmatch /", body)
        if rule and (not nested or rule.start() < nested.start()):
            caps[match.group(1)] = int(re.search(r"pagedBy\((\d+)\)", rule.group(1)).group(1))
    return caps


def test_every_list_rule_caps_the_limit_and_the_doc_gives_the_same_caps():
    assert list_caps_in_rules() == {
        "/creations/{creationId}": 100,
        "/transactions/{txId}": 100,
        "/feed/{creationId}": 50,
        "/devices/{deviceId}": 50,
    }
    documented = {re.fullmatch(r"`([^`]+)`", row[0]).group(1): int(row[2]) for row in table("Query limits and paging")}
    assert documented == {"creations": 100, "users/{uid}/transactions": 100, "feed": 50, "users/{uid}/devices": 50}
    assert "allow read" not in RULES  # every read is a get or a list, so no list escapes a cap


def test_the_delete_table_says_what_happens_at_every_status():
    rows = {re.sub(r"[`\s]", "", row[0]): row for row in table("Deleting a creation")}
    statuses = {s for key in rows for s in key.split(",")}
    assert statuses == {s.value for s in Status}
    for key, row in rows.items():
        client_may = "the owner" in row[1]
        assert client_may == all(Status(s) in FINISHED for s in key.split(",")), key


def publish_keys_in_rules() -> list[str]:
    match = re.search(r"affectedKeys\(\)\.hasOnly\(\[(.*?)\]\)", RULES)
    assert match, "the update rule must limit affectedKeys()"
    return string_list(match.group(1))


def test_the_rules_client_updates_are_the_domains_client_transitions():
    # Publish and, since unpublishing exists, unpublish: one `allow update` of creations each.
    client_moves = {
        (s, t) for s, targets in TRANSITIONS.items() for t in targets if t not in SERVER_TRANSITIONS.get(s, frozenset())
    }
    creations = RULES[RULES.index("match /creations/{creationId}") : RULES.index("match /users/{userId}")]
    moves = set()
    for update in re.findall(r"allow update: if (.*?);", creations, re.DOTALL):
        source = re.search(r"resource\.data\.status == '(\w+)'", update).group(1)
        target = re.search(r"request\.resource\.data\.status == '(\w+)'", update).group(1)
        moves.add((Status(source), Status(target)))
    assert client_moves == moves
    assert set(publish_keys_in_rules()) == {"status", "publishedAt"}


def test_the_rules_delete_only_finished_creations():
    delete = re.search(r"allow delete: if (.*?);", RULES, re.DOTALL).group(1)
    statuses = string_list(re.search(r"status in \[(.*?)\]", delete).group(1))
    assert set(statuses) == {s.value for s in FINISHED}


def test_the_documented_limits_are_the_domains():
    rules_section = section("What the rules check on a request")
    assert f"1–{PROMPT_MAX_CHARS} characters" in rules_section
    assert f"1 to {CREATION_ID_MAX_CHARS} characters" in rules_section
    assert (
        ", ".join(
            sorted(CLIENT_FIELDS, key=["userId", "prompt", "aspectRatio", "duration", "status", "createdAt"].index)
        )
        in rules_section
    )


def test_the_documented_reused_id_message_is_the_servers():
    from domain.ledger import REUSED_ID_DETAIL

    assert REUSED_ID_DETAIL in section("Creation ids")


# ---- reports and display names say the same in rules, server and doc --------------


def test_the_report_reasons_are_the_same_in_the_rules_the_server_and_the_doc():
    from domain.moderation import REPORT_REASONS

    rules = re.search(r"function reportReasons\(\) \{\s*return \[(.*?)\];", RULES, re.DOTALL)
    assert rules and string_list(rules.group(1)) == list(REPORT_REASONS)
    documented = field_table("`feed/{creationId}/reports/{uid}`")["reason"][2]
    assert re.findall(r"`(\w+)`", documented) == list(REPORT_REASONS)


def test_the_display_name_bounds_are_the_same_in_the_rules_the_server_and_the_doc():
    from domain.profiles import MAX_LENGTH, MIN_LENGTH

    rule = re.search(r"function validDisplayName\(name\) \{(.*?)\}", RULES, re.DOTALL).group(1)
    assert f"name.size() >= {MIN_LENGTH}" in rule and f"name.size() <= {MAX_LENGTH}" in rule
    assert field_table("`profiles/{uid}`")["displayName"][2].startswith(f"{MIN_LENGTH}–{MAX_LENGTH} characters")


# ---- push notifications ---------------------------------------------------------------------


def test_the_device_table_and_rules_match_the_domain():
    from domain.notifications import DEVICE_ID_PATTERN, MAX_DEVICES, PLATFORMS, TOKEN_MAX_CHARS

    documented = field_table("`users/{uid}/devices/{deviceId}`")
    assert set(documented) == {"token", "platform", "locale", "updatedAt"}
    quoted = [f"`{p}`" for p in PLATFORMS]
    assert documented["platform"][2] == ", ".join(quoted[:-1]) + " or " + quoted[-1]
    assert f"1–{TOKEN_MAX_CHARS} characters" in documented["token"][2]
    assert f"`{DEVICE_ID_PATTERN.pattern}`" in section("`users/{uid}/devices/{deviceId}`")
    assert f"{MAX_DEVICES} most recently updated devices" in section("`users/{uid}/devices/{deviceId}`")
    assert f"data.platform in {list(PLATFORMS)}" in RULES
    assert f"data.token.size() <= {TOKEN_MAX_CHARS}" in RULES
    assert f"deviceId.matches('{DEVICE_ID_PATTERN.pattern}')" in RULES


def test_the_profile_table_documents_the_notification_switches():
    assert set(field_table("`profiles/{uid}`")) == {"displayName", "notify", "updatedAt"}
    assert "`{ready: bool, failed: bool}`" in field_table("`profiles/{uid}`")["notify"][2]
    assert "notify.keys().hasOnly(['ready', 'failed'])" in RULES


def test_the_errors_doc_lists_every_codes_push_notification_text():
    from domain.notifications import TEXTS

    errors_doc = (ROOT / "docs" / "errors.md").read_text()
    for code in ErrorCode:
        assert f"| `{code.value}` | {TEXTS['en'].failed[code]} |" in errors_doc, code
