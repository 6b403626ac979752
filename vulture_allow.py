"""What the dead-code check (`make lint`: vulture over the deployed and tooling code, not the
tests) must not report, each with the reason it lives. Read by vulture only, never imported.

Anything else vulture reports has no caller: delete it, or add it here with its reason.
"""

# ruff: noqa
from types import SimpleNamespace

_ = SimpleNamespace()

# Called by a library, never by our code.
_.__qualname__  # a registered function is deployed under its name (main.py names the poll shards)
_.get_credential  # firebase_admin credentials.Base (adapters/firebase_app.py)
_.log_message, _.do_GET, _.do_POST, _.finish_request  # http.server hooks (stand-ins, devstack/web.py)
_.server_version, _.protocol_version, _.daemon_threads, _.request_queue_size  # http.server class settings
_.format, _.signum, _.exc_type, _.tb, _.exc_info  # parameters a caller's signature requires
_.changes, _.read_time  # Firestore on_snapshot callback parameters (bench/load.py)
_.pix_fmt, _.flags, _.bit_rate, _.layout, _.sample_rate  # PyAV settings the encoder reads
# The Firestore API the index check's recording client stands in for (ops/indexes.py): the SDK
# calls these methods, and reads the attribute the stand-in is installed under.
_.run_query, _.run_aggregation_query, _.begin_transaction, _.commit, _.rollback, _.batch_get_documents
_._firestore_api_internal

# The single source a document and its test read (tests/test_client_contract_doc.py,
# tests/domain, tests/rules): declared with the code they describe, so they cannot drift.
_.BEFORE_DEBIT  # errors a client sees before any token moved
_.REPORT_REASONS  # = firestore.rules and docs/client-contract.md
_.FINISHED, _.can_transition  # the client's transitions, mirrored by firestore.rules
_.MIN_MARGIN  # the pricing floor docs/operations.md names
_.UPLOAD_CONTENT_TYPES, _.upload_path  # = storage.rules and clients/web/src/photo.js (tests/test_upload_limits.py)
_.IMAGE_INPUT_CHECKED_ON  # the date the image-input facts beside it were read

# Named for mypy only, inside cast("...") strings vulture cannot read.
_.VideoCodecContext
_.PRICE_SOURCES, _.SOURCE, _.CHECKED, _.confirmed  # where a price or model fact came from, and when
_.polls_for  # the poll counts docs/architecture.md quotes (tests/domain/test_admission.py)
_.finalize_queues  # the poll shards main.py must declare (tests/handlers/test_poll_shards.py)
_.token_cost  # the flat rate firestore.rules' price check mirrors (tests/rules)
_.python_query_builders  # the index check's source scan: tests/ops/test_indexes.py proves every query builder it finds was recorded

# Test harness the stand-ins ship for the suites.
_.ProxyControl, _.health  # the stand-ins' control clients (tests/flows, tests/standins)
_.storage_emulator_alone  # one Storage emulator for the stand-in and devstack tests
_.STORAGE_DEFAULT_BUCKET  # the stack's default Firebase Storage bucket, named for its readers (no code reads it yet)
_.stack_running  # tests/conftest.py reuses a stack `make dev` started
_.FcmControl, _.messages, _.unregister  # the FCM stand-in's control client (tests)

# To review (just landed from another branch, no caller yet): delete, or say why it lives.
_.require_free_ports  # devstack/preflight.py
_.PAYLOAD_LIMIT_BYTES  # domain/notifications.py
