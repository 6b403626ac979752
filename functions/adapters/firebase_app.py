"""One firebase_admin app for our adapters, with credentials that also work in the emulator."""

from __future__ import annotations

import os

from adapters.shared_clients import one_per_config

# Named, because firebase-functions may already have initialised the default app with
# Application Default Credentials, which the emulator does not have.
APP_NAME = "phoenix"


@one_per_config
def app():
    import firebase_admin

    try:
        return firebase_admin.get_app(APP_NAME)
    except ValueError:
        pass
    if os.environ.get("FUNCTIONS_EMULATOR") == "true" or os.environ.get("FIRESTORE_EMULATOR_HOST"):
        # The emulators accept anyone; the SDK still insists on a credential object.
        return firebase_admin.initialize_app(_emulator_credential(), name=APP_NAME)
    return firebase_admin.initialize_app(name=APP_NAME)


@one_per_config
def firestore_client():
    from firebase_admin import firestore

    return firestore.client(app())


def _emulator_credential():
    from firebase_admin import credentials
    from google.auth.credentials import AnonymousCredentials

    class EmulatorCredential(credentials.Base):
        def get_credential(self):
            return AnonymousCredentials()

    return EmulatorCredential()
