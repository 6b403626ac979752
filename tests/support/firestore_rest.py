"""A Firestore client that talks to the emulator's REST API as a signed-in end user.

The Python server SDK always authenticates as the emulator's owner and skips the rules;
this client sends the user's Auth-emulator ID token, so every call goes through
firestore.rules exactly as the mobile app's would.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

import requests

from devstack.stack import AUTH_PORT, FIRESTORE_PORT, PROJECT_ID

DOCS = f"http://127.0.0.1:{FIRESTORE_PORT}/v1/projects/{PROJECT_ID}/databases/(default)/documents"
SERVER_TIME = object()  # marker: ask for request.time, like FieldValue.serverTimestamp()


class Denied(Exception):
    pass


@dataclass
class User:
    uid: str
    email: str
    id_token: str


def sign_up(email: str, password: str = "secret-pass-1", verified: bool = False) -> User:
    """A new email/password account; `verified`: its email marked verified (as after the user
    follows the verification link), with an ID token that says so."""
    url = f"http://127.0.0.1:{AUTH_PORT}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=local"
    resp = requests.post(url, json={"email": email, "password": password, "returnSecureToken": True}, timeout=10)
    resp.raise_for_status()
    body = resp.json()
    if not verified:
        return User(uid=body["localId"], email=email, id_token=body["idToken"])
    base = f"http://127.0.0.1:{AUTH_PORT}/identitytoolkit.googleapis.com/v1"
    requests.post(
        f"{base}/projects/{PROJECT_ID}/accounts:update",
        json={"localId": body["localId"], "emailVerified": True},
        headers={"Authorization": "Bearer owner"},
        timeout=10,
    ).raise_for_status()
    resp = requests.post(
        f"{base}/accounts:signInWithPassword?key=local",
        json={"email": email, "password": password, "returnSecureToken": True},
        timeout=10,
    )
    resp.raise_for_status()
    return User(uid=body["localId"], email=email, id_token=resp.json()["idToken"])


def sign_in_anonymously() -> User:
    """A Firebase anonymous user (signInAnonymously): a uid and a token, no email."""
    url = f"http://127.0.0.1:{AUTH_PORT}/identitytoolkit.googleapis.com/v1/accounts:signUp?key=local"
    resp = requests.post(url, json={"returnSecureToken": True}, timeout=10)
    resp.raise_for_status()
    body = resp.json()
    return User(uid=body["localId"], email="", id_token=body["idToken"])


def encode(value) -> dict:
    if value is None:
        return {"nullValue": None}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"integerValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, bytes):
        return {"bytesValue": base64.b64encode(value).decode()}
    if isinstance(value, dt.datetime):
        return {"timestampValue": value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")}
    if isinstance(value, (list, tuple)):
        return {"arrayValue": {"values": [encode(v) for v in value]}}
    if isinstance(value, dict):
        return {"mapValue": {"fields": {k: encode(v) for k, v in value.items()}}}
    raise TypeError(f"cannot encode {type(value)}")


def decode(value: dict):
    ((kind, raw),) = value.items()
    if kind == "nullValue":
        return None
    if kind == "integerValue":
        return int(raw)
    if kind == "timestampValue":
        return dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    if kind == "arrayValue":
        return [decode(v) for v in raw.get("values", [])]
    if kind == "mapValue":
        return {k: decode(v) for k, v in raw.get("fields", {}).items()}
    return raw  # string, boolean, double, bytes, reference


def decode_document(doc: dict) -> dict:
    return {k: decode(v) for k, v in doc.get("fields", {}).items()}


READ_ATTEMPTS = 6


class UserClient:
    def __init__(self, id_token: str | None):
        self.session = requests.Session()
        if id_token:
            self.session.headers["Authorization"] = f"Bearer {id_token}"

    def _check(self, resp: requests.Response) -> dict:
        if resp.status_code == 403:
            raise Denied(resp.text)
        resp.raise_for_status()
        return resp.json() if resp.content else {}

    @staticmethod
    def write_op(path: str, data: dict, *, exists: bool | None, mask: list[str] | None = None) -> dict:
        """One REST Write (for commit): SERVER_TIME values become request-time transforms."""
        plain = {k: v for k, v in data.items() if v is not SERVER_TIME}
        write: dict = {
            "update": {"name": f"{DOCS.split('/v1/')[1]}/{path}", "fields": {k: encode(v) for k, v in plain.items()}}
        }
        transforms = [{"fieldPath": k, "setToServerValue": "REQUEST_TIME"} for k, v in data.items() if v is SERVER_TIME]
        if transforms:
            write["updateTransforms"] = transforms
        if mask is not None:
            write["updateMask"] = {"fieldPaths": [m for m in mask if data.get(m) is not SERVER_TIME]}
        if exists is not None:
            write["currentDocument"] = {"exists": exists}
        return write

    def _write(self, path: str, data: dict, *, exists: bool | None, mask: list[str] | None = None) -> dict:
        write = self.write_op(path, data, exists=exists, mask=mask)
        return self._check(self.session.post(f"{DOCS}:commit", json={"writes": [write]}, timeout=10))

    def create(self, path: str, data: dict) -> dict:
        return self._write(path, data, exists=False)

    def set(self, path: str, data: dict) -> dict:
        return self._write(path, data, exists=None)

    def update(self, path: str, data: dict) -> dict:
        return self._write(path, data, exists=True, mask=list(data))

    def get(self, path: str) -> dict:
        # A read is safe to repeat: on a busy machine the emulator may take longer than one
        # HTTP timeout to answer, which says nothing about the document. (Writes are not
        # retried here: a lost answer to a write is a different question.)
        for attempt in range(READ_ATTEMPTS):
            try:
                return decode_document(self._check(self.session.get(f"{DOCS}/{path}", timeout=10)))
            except (requests.ConnectionError, requests.Timeout):
                if attempt == READ_ATTEMPTS - 1:
                    raise
        raise AssertionError("unreachable")

    def delete(self, path: str) -> None:
        self._check(self.session.delete(f"{DOCS}/{path}", timeout=10))

    def query(
        self,
        collection: str,
        where: list[tuple[str, str, object]] = (),
        order_by: list[tuple[str, str]] = (),
        limit: int | None = None,
        start_after: list | None = None,
        parent: str = "",
        offset: int | None = None,
    ) -> list[tuple[str, dict]]:
        ops = {
            "==": "EQUAL",
            "<": "LESS_THAN",
            "<=": "LESS_THAN_OR_EQUAL",
            ">": "GREATER_THAN",
            ">=": "GREATER_THAN_OR_EQUAL",
            "in": "IN",
            "!=": "NOT_EQUAL",
        }
        query: dict = {"from": [{"collectionId": collection}]}
        filters = [
            {"fieldFilter": {"field": {"fieldPath": f}, "op": ops[op], "value": encode(v)}} for f, op, v in where
        ]
        if len(filters) == 1:
            query["where"] = filters[0]
        elif filters:
            query["where"] = {"compositeFilter": {"op": "AND", "filters": filters}}
        if order_by:
            query["orderBy"] = [{"field": {"fieldPath": f}, "direction": d} for f, d in order_by]
        if limit:
            query["limit"] = limit
        if offset is not None:
            query["offset"] = offset
        if start_after is not None:
            query["startAt"] = {"values": [encode(v) for v in start_after], "before": False}
        url = f"{DOCS}/{parent}:runQuery" if parent else f"{DOCS}:runQuery"
        rows = self._check(self.session.post(url, json={"structuredQuery": query}, timeout=10))
        return [
            (r["document"]["name"].rsplit("/", 1)[1], decode_document(r["document"])) for r in rows if "document" in r
        ]

    # ---- helpers added for the rules suite (tests/rules): raw writes and queries -----------

    def update_masked(self, path: str, data: dict, mask: list[str]) -> dict:
        """An update of an existing document touching exactly `mask`: a field in the mask but
        not in `data` is deleted, as FieldValue.delete() does."""
        return self._write(path, data, exists=True, mask=mask)

    def commit(self, writes: list[dict]) -> dict:
        """Raw `writes` (REST Write objects) in one atomic commit; `name` may be a path
        relative to the documents root."""
        root = DOCS.split("/v1/")[1]
        fixed = []
        for write in writes:
            write = dict(write)
            for key in ("update", "transform"):
                if key in write and not write[key].get("name", root).startswith(root):
                    write[key] = {**write[key], "name": f"{root}/{write[key]['name']}"}
            if "delete" in write and not write["delete"].startswith(root):
                write["delete"] = f"{root}/{write['delete']}"
            fixed.append(write)
        return self._check(self.session.post(f"{DOCS}:commit", json={"writes": fixed}, timeout=10))

    # ---- the app's publish and unpublish: one batch with publications/{id} ---------------------

    @property
    def uid(self) -> str:
        """The signed-in user's uid, read from the ID token's payload."""
        payload = self.session.headers["Authorization"].split(" ", 1)[1].split(".")[1]
        import json

        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["user_id"]

    def publication_op(self, creation_id: str, data: dict | None = None) -> dict:
        """The create of publications/{id} the app puts in its publish batch."""
        doc = data if data is not None else {"userId": self.uid, "createdAt": SERVER_TIME}
        return self.write_op(f"publications/{creation_id}", doc, exists=False)

    def publish_with(self, creation_id: str, change: dict, mask: list[str] | None = None) -> dict:
        """A publish batch whose creation write is `change` (an update, or a masked update)."""
        return self.commit(
            [
                self.write_op(f"creations/{creation_id}", change, exists=True, mask=mask or list(change)),
                self.publication_op(creation_id),
            ]
        )

    def publish(self, creation_id: str) -> dict:
        """What the app does to publish a draft (docs/client-contract.md): status and publishedAt
        on the creation, and publications/{id}, in one batch."""
        return self.publish_with(creation_id, {"status": "published", "publishedAt": SERVER_TIME})

    def unpublish(self, creation_id: str) -> dict:
        """The app's unpublish: back to draft, publishedAt removed, publications/{id} deleted."""
        return self.commit(
            [
                self.write_op(
                    f"creations/{creation_id}", {"status": "draft"}, exists=True, mask=["status", "publishedAt"]
                ),
                {"delete": f"publications/{creation_id}"},
            ]
        )

    def collection_group_query(self, collection: str, limit: int | None = None) -> list[tuple[str, dict]]:
        """Every `collection` at any depth (allDescendants), like db.collectionGroup(...)."""
        query: dict = {"from": [{"collectionId": collection, "allDescendants": True}]}
        if limit:
            query["limit"] = limit
        rows = self._check(self.session.post(f"{DOCS}:runQuery", json={"structuredQuery": query}, timeout=10))
        return [
            (r["document"]["name"].rsplit("/", 1)[1], decode_document(r["document"])) for r in rows if "document" in r
        ]

    def list_all(
        self, collection: str, where: list[tuple[str, str, object]] = (), parent: str = "", page: int = 100
    ) -> list[tuple[str, dict]]:
        """Every document a list may see, `page` at a time (the rules cap each query's limit:
        100 for own creations and ledger, 50 for the feed), in document-name order with a
        cursor on the name, so no two documents tie and none is skipped."""
        ops = {"==": "EQUAL"}
        query: dict = {
            "from": [{"collectionId": collection}],
            "limit": page,
            "orderBy": [{"field": {"fieldPath": "__name__"}, "direction": "ASCENDING"}],
        }
        filters = [
            {"fieldFilter": {"field": {"fieldPath": f}, "op": ops[op], "value": encode(v)}} for f, op, v in where
        ]
        if len(filters) == 1:
            query["where"] = filters[0]
        elif filters:
            query["where"] = {"compositeFilter": {"op": "AND", "filters": filters}}
        url = f"{DOCS}/{parent}:runQuery" if parent else f"{DOCS}:runQuery"
        found: list[tuple[str, dict]] = []
        while True:
            rows = [
                r["document"]
                for r in self._check(self.session.post(url, json={"structuredQuery": query}, timeout=10))
                if "document" in r
            ]
            found += [(d["name"].rsplit("/", 1)[1], decode_document(d)) for d in rows]
            if len(rows) < page:
                return found
            query["startAt"] = {"values": [{"referenceValue": rows[-1]["name"]}], "before": False}

    def count(
        self, collection: str, where: list[tuple[str, str, object]] = (), limit: int | None = None, parent: str = ""
    ) -> int:
        """A COUNT aggregation (getCountFromServer in the SDKs) over an `==`-filtered query;
        the rules judge it as a list of the query it counts."""
        query: dict = {"from": [{"collectionId": collection}]}
        filters = [
            {"fieldFilter": {"field": {"fieldPath": f}, "op": "EQUAL", "value": encode(v)}}
            for f, op, v in where
            if op == "=="
        ]
        assert len(filters) == len(where), "count() supports == filters only"
        if len(filters) == 1:
            query["where"] = filters[0]
        elif filters:
            query["where"] = {"compositeFilter": {"op": "AND", "filters": filters}}
        if limit:
            query["limit"] = limit
        body = {"structuredAggregationQuery": {"structuredQuery": query, "aggregations": [{"alias": "n", "count": {}}]}}
        url = f"{DOCS}/{parent}:runAggregationQuery" if parent else f"{DOCS}:runAggregationQuery"
        rows = self._check(self.session.post(url, json=body, timeout=10))
        return int(rows[0]["result"]["aggregateFields"]["n"]["integerValue"])


def outcome(call) -> str:
    """ "allowed" if `call` succeeds, "denied" if the rules refuse it (403); anything else
    (a 404, a 409, a connection error) propagates, so it is never mistaken for either."""
    try:
        call()
    except Denied:
        return "denied"
    return "allowed"
