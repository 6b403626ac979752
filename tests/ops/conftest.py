from tests.flows.conftest import _stack, admin_db, new_user, r2, veo  # noqa: F401  (same fixtures as flows)
