from tests.flows.conftest import _quick_veo, _stack, admin_db, new_user, r2, veo  # noqa: F401  (same fixtures as flows)
