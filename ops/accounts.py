"""Which account an operator means: a uid, or the email of an existing Firebase Auth user.

A balance is only ever keyed by a uid. An email is resolved through Auth to its uid; a key
that is neither an Auth user nor an existing balance is refused, so a typo never creates a
balance nobody can spend.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Account:
    uid: str
    label: str  # what the operator reads: "demo@phoenix.test (uid …)" or the uid


class UnknownAccount(Exception):
    """The key names no Auth user and no balance; the message says what to pass instead."""


def _auth():
    from firebase_admin import auth

    from adapters.firebase_app import app

    return auth, app()


def resolve(key: str) -> Account:
    key = key.strip()
    if not key:
        raise UnknownAccount("no user given: pass a uid or the email of an account")
    auth, app = _auth()
    if "@" in key:
        try:
            user = auth.get_user_by_email(key, app=app)
        except auth.UserNotFoundError:
            raise UnknownAccount(
                f"no account with email {key!r}: the person signs up in the app first, then run this again"
            ) from None
        return Account(user.uid, f"{key} (uid {user.uid})")
    try:
        user = auth.get_user(key, app=app)
    except auth.UserNotFoundError:
        user = None
    except ValueError:  # not a well-formed uid
        user = None
    if user is not None:
        return Account(user.uid, f"{user.email} (uid {user.uid})" if user.email else user.uid)
    from adapters import store

    if store.user_ref(key).get().exists:  # a balance whose Auth account is gone: still the uid
        return Account(key, key)
    raise UnknownAccount(
        f"unknown user {key!r}: no Auth account has this uid and it has no balance. "
        "Pass the uid the app shows (Tokens tab / top bar) or the account's email."
    )
