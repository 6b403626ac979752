"""The photo limits are stated in three places besides functions/domain/uploads.py: the web
client's checks (clients/web/src/photo.js), storage.rules (what a client may upload) and the
client contract doc. Each is held to the domain here."""

from __future__ import annotations

import math
import re
from pathlib import Path

from domain import uploads

ROOT = Path(__file__).resolve().parent.parent
PHOTO_JS = (ROOT / "clients" / "web" / "src" / "photo.js").read_text()
CONTRACT = (ROOT / "docs" / "client-contract.md").read_text()


def js_const(name: str) -> str:
    match = re.search(rf"export const {name} = (.*?);\n", PHOTO_JS, re.DOTALL)
    assert match, f"no {name} in photo.js"
    return match.group(1)


def test_the_web_clients_photo_limits_are_the_domains():
    assert re.findall(r'"([^"]+)"', js_const("UPLOAD_CONTENT_TYPES")) == list(uploads.UPLOAD_CONTENT_TYPES)
    assert math.prod(int(f) for f in js_const("MAX_UPLOAD_BYTES").split("*")) == uploads.MAX_UPLOAD_BYTES
    assert int(js_const("MIN_SHORT_SIDE")) == uploads.MIN_SHORT_SIDE
    assert int(js_const("MAX_LONG_SIDE")) == uploads.MAX_LONG_SIDE
    bounds = dict(re.findall(r'"(\d+:\d+)": \[([\d.]+, [\d.]+)\]', js_const("ASPECT_BOUNDS")))
    assert {k: tuple(float(x) for x in v.split(", ")) for k, v in bounds.items()} == uploads.ASPECT_BOUNDS
    assert js_const("UPLOAD_ID_PATTERN") == f"/^{uploads.UPLOAD_ID_PATTERN.pattern}$/"


def test_the_contract_doc_states_the_domains_photo_limits():
    section = CONTRACT.split("## Start from a photo", 1)[1].split("\n## ", 1)[0]
    assert f"under {uploads.MIN_SHORT_SIDE} px" in section
    assert f"over {uploads.MAX_LONG_SIDE} px" in section
    assert f"over {uploads.MAX_PIXELS // 1_000_000} megapixels" in section
    assert f"{uploads.MAX_UPLOAD_BYTES} bytes" in section
    for aspect, (low, high) in uploads.ASPECT_BOUNDS.items():
        assert f"for `{aspect}`, width/height between {low} and {high}" in section
    for content_type in uploads.UPLOAD_CONTENT_TYPES:
        assert f"`{content_type}`" in section
    assert f"within {uploads.UNUSED_UPLOAD_TTL.total_seconds() / 3600:.0f} hours" in section


def test_storage_rules_state_the_domains_upload_limits():
    rules = (ROOT / "storage.rules").read_text()
    block = rules.split("match /uploads/{uid}/{uploadId} {", 1)[1].split("\n    }\n", 1)[0]
    create = block.split("allow create:", 1)[1].split(";", 1)[0]
    assert f"request.resource.size <= {uploads.MAX_UPLOAD_BYTES}" in create
    types = ", ".join(f"'{t}'" for t in uploads.UPLOAD_CONTENT_TYPES)
    assert re.findall(r"contentType in \[(.*?)\]", create) == [types]
    assert f"uploadId.matches('{uploads.UPLOAD_ID_PATTERN.pattern}')" in create
    assert "request.auth.uid == uid" in create
    # Create and get only: no update (overwrite), delete or list for any client.
    assert re.findall(r"allow (\w[\w, ]*):", block) == ["create", "get"]
