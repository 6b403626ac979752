from __future__ import annotations

import uuid

import pytest

from devstack.stack import VEO_URL
from standins.veo_server import VeoControl
from tests.support.firestore_rest import UserClient, sign_up

# The stack's Veo stand-in takes 3 s per video (what `make dev` shows a person). A flow waits
# on states, never on time, so a shorter generation proves the same for less: 1 s still leaves
# the creation processing until its video is rendered and copied. A test that needs a longer
# window in flight sets its own (veo.config), or makes Veo hang.
FLOW_VEO_DELAY_SECONDS = 1


@pytest.fixture(autouse=True)
def _stack(stack):
    return stack


@pytest.fixture
def veo(stack):  # the stack first: a session's first test may ask for Veo before anything started it
    control = VeoControl(VEO_URL)
    control.reset()
    control.config(delaySeconds=FLOW_VEO_DELAY_SECONDS)
    yield control
    control.reset()


@pytest.fixture(autouse=True)
def _quick_veo(veo):
    """Every flow, whether it names `veo` or not, meets the short generation time."""


@pytest.fixture
def r2(stack):
    from devstack.stack import R2_PROXY_URL
    from standins.fault_proxy import ProxyControl

    control = ProxyControl(R2_PROXY_URL)
    control.reset()
    yield control
    control.reset()


@pytest.fixture
def admin_db():
    from adapters.firebase_app import firestore_client

    return firestore_client()


@pytest.fixture
def new_user(admin_db):
    """Signs a fresh user up through the Auth emulator and grants them tokens as the server."""
    from adapters import store

    def make(tokens: int = 100, verified: bool = False):
        user = sign_up(f"user-{uuid.uuid4().hex[:12]}@example.test", verified=verified)
        if tokens:
            store.grant(user.uid, tokens, "test grant", grant_id="grant_initial")
        return user, UserClient(user.id_token)

    return make
