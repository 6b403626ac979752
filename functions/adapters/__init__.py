"""Adapters: the only code that talks to Firestore, Veo, GCS, R2 and Cloud Tasks.

Heavy SDKs are imported inside the functions that use them so a cold start pays only for
what the invoked trigger needs.
"""
