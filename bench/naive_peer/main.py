"""The naive peer's codebase (bench only, never deployed): the common sample pattern.

One onCreate function takes the tokens and then blocks on Veo until the video is done:
start, sleep-and-poll, copy, write the draft. No admission queue, no finalize task. It
listens on `naivecreations/{id}` so the bench can offer it the same load as our pipeline
in the same run. It is laid out by bench/stack.py next to a copy of functions/ and reuses
its adapters (the same Firestore transactions, Veo client and R2 upload), so the
comparison is the architecture, not the plumbing. Declared with the longest timeout an event
function may have.
"""

from firebase_functions import firestore_fn, options

import config


@firestore_fn.on_document_created(
    document="naivecreations/{creationId}",
    region="us-central1",
    memory=options.MemoryOption.MB_512,
    cpu=1,
    timeout_sec=540,
    # tuned as a good engineer would: Cloud Run's default concurrency (80; its threads mostly
    # sleep between polls) and default max instances (100)
    max_instances=100,
    concurrency=80,
    secrets=config.R2_SECRETS,
)
def naivegeneration(event: firestore_fn.Event[firestore_fn.DocumentSnapshot | None]) -> None:
    import naive

    data = event.data.to_dict() if event.data is not None else None
    naive.handle(event.params["creationId"], data)
