"""Every setting of the backend, declared once as firebase-functions params and secrets.

Defaults are production values; `functions/.env.local` (read only by the emulator) points
the endpoints at the local stand-ins. Handlers never read the environment: they get a
`Settings` built here at invocation time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from firebase_functions.params import PROJECT_ID, IntParam, ListParam, SecretParam, StringParam

from domain.generation import RetryPolicy
from domain.metrics import Thresholds
from domain.veo_models import DEFAULT_MODEL

# A current GA id from domain/veo_models.py; `make deploy` refuses a retired or unknown one.
VEO_MODEL = StringParam(
    "VEO_MODEL", default=DEFAULT_MODEL, description="Veo model id on Vertex AI (a current GA id: domain/veo_models.py)"
)
VEO_LOCATION = StringParam("VEO_LOCATION", default="us-central1", description="Vertex AI region")
VEO_BASE_URL = StringParam("VEO_BASE_URL", default="", description="Empty for Vertex AI; a URL to use a Veo stand-in")
VEO_HTTP_TIMEOUT_SECONDS = IntParam(
    "VEO_HTTP_TIMEOUT_SECONDS",
    default=20,
    description="Longest wait for Vertex on one network step of a start or poll (connect, each read or write)",
)
VEO_EXPECTED_SECONDS = IntParam(
    "VEO_EXPECTED_SECONDS", default=90, description="Typical generation time, for the progress estimate"
)
GCS_TEMP_BUCKET = StringParam(
    "GCS_TEMP_BUCKET",
    default="",
    description="Bucket Veo writes videos to before the copy to R2; empty returns videos inline (small videos only)",
)
UPLOADS_BUCKET = StringParam(
    "UPLOADS_BUCKET",
    default="",
    description="The Cloud Storage for Firebase bucket users upload photos to (uploads/{uid}/...); "
    "empty: the project's default bucket (FIREBASE_CONFIG's storageBucket)",
)
R2_ENDPOINT = StringParam("R2_ENDPOINT", default="", description="https://<account>.r2.cloudflarestorage.com")
R2_BUCKET = StringParam("R2_BUCKET", default="phoenix-media")
R2_REGION = StringParam("R2_REGION", default="auto")
R2_PUBLIC_BASE_URL = StringParam(
    "R2_PUBLIC_BASE_URL", default="", description="Public URL of the bucket, e.g. https://media.example.com"
)
R2_CA_BUNDLE = StringParam(
    "R2_CA_BUNDLE",
    default="",
    description="PEM file of the CAs trusted for R2_ENDPOINT; empty = the system "
    "CAs (production). A relative path is relative to functions/",
)
R2_ACCESS_KEY_ID = SecretParam("R2_ACCESS_KEY_ID")
R2_SECRET_ACCESS_KEY = SecretParam("R2_SECRET_ACCESS_KEY")
MAX_IN_FLIGHT = IntParam("MAX_IN_FLIGHT", default=3, description="Creations one user may have pending or processing")
REFUSALS_PER_HOUR = IntParam(
    "REFUSALS_PER_HOUR",
    default=20,
    description="Requests of one user the server may refuse within an hour before it refuses the next ones up front"
    " for an hour (rate_limited, in the rules too)",
)
ORPHAN_AFTER_MINUTES = IntParam(
    "ORPHAN_AFTER_MINUTES", default=15, description="Age after which a creation still in flight is failed and refunded"
)
VEO_STARTS_PER_MINUTE = IntParam(
    "VEO_STARTS_PER_MINUTE",
    default=50,
    description="Veo starts per minute the project's quota allows: the rate of "
    "the startveo queue (read at deploy time) and the queue estimate",
)
QUEUE_MAX_WAIT_MINUTES = IntParam(
    "QUEUE_MAX_WAIT_MINUTES",
    default=60,
    description="How long a request may wait for Veo quota before the sweep "
    "fails and refunds it (the only failure our limits cause)",
)
VEO_MIN_SECONDS = IntParam(
    "VEO_MIN_SECONDS",
    default=30,
    description="Shortest plausible Veo generation: no poll before it, POLL_INTERVAL_MS polls after it",
)
ORPHAN_MEDIA_MINUTES = IntParam(
    "ORPHAN_MEDIA_MINUTES", default=60, description="Age after which an R2 video with no creation using it is deleted"
)
RECONCILE_WINDOW_MINUTES = IntParam(
    "RECONCILE_WINDOW_MINUTES", default=180, description="How far back each reconciliation run re-checks publishes"
)
RECONCILE_PAGE_SIZE = IntParam(
    "RECONCILE_PAGE_SIZE", default=200, description="Feed entries and publishes the reconciliation checks per run"
)
BLOCKED_TERMS = ListParam("BLOCKED_TERMS", default=[], description="Prompt words refused before anything is charged")
POLL_INTERVAL_MS = IntParam(
    "POLL_INTERVAL_MS",
    default=25_000,
    description="Safety-net polls once Veo may be done (its output event finishes a delivered video): "
    "how far apart, for the first few; failures that write no object are seen this late at most",
)
POLL_COARSE_INTERVAL_MS = IntParam(
    "POLL_COARSE_INTERVAL_MS",
    default=30_000,
    description="Wait between polls while the operation is young (before VEO_MIN_SECONDS); "
    "past Veo's typical range polls grow apart up to 4 of these",
)
PROGRESS_STEP_PCT = IntParam(
    "PROGRESS_STEP_PCT",
    default=25,
    description="Write progress only when it advanced this much: each write "
    "costs a Firestore write and a publishcreation invocation",
)
RETRY_ATTEMPTS = IntParam(
    "RETRY_ATTEMPTS", default=4, description="Tries of a call to Veo, GCS or R2 that fails transiently"
)
RETRY_BASE_DELAY_MS = IntParam(
    "RETRY_BASE_DELAY_MS", default=1000, description="First wait between tries; doubles each time"
)

VEO_USD_PER_VIDEO_SECOND = StringParam(
    "VEO_USD_PER_VIDEO_SECOND",
    default="0.15",
    description="Veo price per second for videos recorded without options (cost metrics); others use pricing.py",
)
ALERT_FAILURE_RATE_PCT = IntParam(
    "ALERT_FAILURE_RATE_PCT", default=20, description="Alert when more than this % of the last hour's creations failed"
)
ALERT_STALLED_MINUTES = IntParam(
    "ALERT_STALLED_MINUTES", default=5, description="Alert when work waits this long and nothing finishes"
)
ALERT_MAX_IN_FLIGHT = IntParam(
    "ALERT_MAX_IN_FLIGHT", default=100, description="Alert when more creations than this are pending or processing"
)
ALERT_DAILY_SPEND_USD = IntParam(
    "ALERT_DAILY_SPEND_USD", default=100, description="Alert when today's estimated Veo spend passes this"
)

# Push notifications: FCM HTTP v1 with the functions' own service account (it needs the
# cloudmessaging.messages.create permission, e.g. the "Firebase Cloud Messaging API Admin" role).
FCM_BASE_URL = StringParam(
    "FCM_BASE_URL", default="", description="Empty for https://fcm.googleapis.com; a URL to use an FCM stand-in"
)
FCM_CREDENTIALS_FILE = StringParam(
    "FCM_CREDENTIALS_FILE",
    default="",
    description="Empty: the function's own credentials (production). A service account key file "
    "(relative to functions/) whose token_uri is the stand-in's: local stacks only",
)

R2_SECRETS = [R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY]


@dataclass(frozen=True)
class Settings:
    veo_model: str
    veo_location: str
    veo_base_url: str
    veo_expected_seconds: int
    veo_http_timeout_s: float
    gcs_temp_bucket: str
    r2_endpoint: str
    r2_bucket: str
    r2_region: str
    r2_public_base_url: str
    r2_ca_bundle: str
    max_in_flight: int
    refusals_per_hour: int
    orphan_after_minutes: int
    orphan_media_minutes: int
    blocked_terms: tuple[str, ...]
    poll_interval_s: float
    poll_coarse_interval_s: float
    progress_step_pct: int
    retry: RetryPolicy
    veo_usd_per_video_second: float
    alerts: Thresholds
    reconcile_window_minutes: int = 180
    reconcile_page_size: int = 200
    veo_starts_per_minute: int = 50
    queue_max_wait_minutes: int = 60
    veo_min_seconds: float = 30.0
    project_id: str = ""  # the Vertex AI project Veo runs in: this function's own
    fcm_base_url: str = ""
    fcm_credentials_file: str = ""
    uploads_bucket: str = ""  # the photos users upload; "" when unknown


def settings() -> Settings:
    """The values in force for this invocation (params resolve only at run time)."""
    return Settings(
        veo_model=VEO_MODEL.value,
        veo_location=VEO_LOCATION.value,
        veo_base_url=VEO_BASE_URL.value,
        veo_expected_seconds=VEO_EXPECTED_SECONDS.value,
        veo_http_timeout_s=float(max(1, VEO_HTTP_TIMEOUT_SECONDS.value)),
        gcs_temp_bucket=GCS_TEMP_BUCKET.value,
        r2_endpoint=R2_ENDPOINT.value,
        r2_bucket=R2_BUCKET.value,
        r2_region=R2_REGION.value,
        r2_public_base_url=R2_PUBLIC_BASE_URL.value.rstrip("/"),
        r2_ca_bundle=_in_source(R2_CA_BUNDLE.value),
        max_in_flight=MAX_IN_FLIGHT.value,
        refusals_per_hour=REFUSALS_PER_HOUR.value,
        orphan_after_minutes=ORPHAN_AFTER_MINUTES.value,
        orphan_media_minutes=ORPHAN_MEDIA_MINUTES.value,
        blocked_terms=tuple(t.strip() for t in BLOCKED_TERMS.value if t.strip()),
        poll_interval_s=POLL_INTERVAL_MS.value / 1000,
        poll_coarse_interval_s=POLL_COARSE_INTERVAL_MS.value / 1000,
        progress_step_pct=max(1, PROGRESS_STEP_PCT.value),
        retry=RetryPolicy(
            attempts=max(1, RETRY_ATTEMPTS.value),
            base_delay_s=RETRY_BASE_DELAY_MS.value / 1000,
        ),
        veo_usd_per_video_second=float(VEO_USD_PER_VIDEO_SECOND.value),
        alerts=Thresholds(
            failure_rate=ALERT_FAILURE_RATE_PCT.value / 100,
            stalled_minutes=ALERT_STALLED_MINUTES.value,
            max_in_flight=ALERT_MAX_IN_FLIGHT.value,
            daily_spend_usd=float(ALERT_DAILY_SPEND_USD.value),
        ),
        reconcile_window_minutes=max(1, RECONCILE_WINDOW_MINUTES.value),
        reconcile_page_size=max(1, RECONCILE_PAGE_SIZE.value),
        veo_starts_per_minute=max(1, VEO_STARTS_PER_MINUTE.value),
        queue_max_wait_minutes=max(1, QUEUE_MAX_WAIT_MINUTES.value),
        veo_min_seconds=float(max(0, VEO_MIN_SECONDS.value)),
        project_id=_project_id(),
        fcm_base_url=FCM_BASE_URL.value.rstrip("/"),
        fcm_credentials_file=_in_source(FCM_CREDENTIALS_FILE.value),
        uploads_bucket=UPLOADS_BUCKET.value or default_bucket(_project_id()),
    )


def default_bucket(project_id: str) -> str:
    """The project's default Cloud Storage for Firebase bucket: FIREBASE_CONFIG's storageBucket
    (set by Cloud Functions and by the emulator), else the name Firebase gives new projects."""
    import json

    try:
        bucket = json.loads(os.environ.get("FIREBASE_CONFIG") or "{}").get("storageBucket")
    except (ValueError, AttributeError):
        bucket = None
    if isinstance(bucket, str) and bucket:
        return bucket
    return f"{project_id}.firebasestorage.app" if project_id else ""


def start_queue_rate() -> float:
    """The startveo queue's dispatches per second. Cloud Tasks takes a fraction (0.83/s for
    50/min) but a param expression in the manifest must be an integer, so the rate is
    computed when the functions are loaded: firebase-tools loads functions/.env.<project>
    (and the emulator .env.local) before it reads the manifest. Change the param, redeploy."""
    from domain.admission import dispatches_per_second

    return dispatches_per_second(VEO_STARTS_PER_MINUTE.value)


def queue_max_wait_seconds() -> int:
    """How long Cloud Tasks keeps retrying a start Veo refuses for quota (fixed at deploy)."""
    return max(1, QUEUE_MAX_WAIT_MINUTES.value) * 60


def _in_source(path: str) -> str:
    # The emulator and the tests run the functions from different working directories.
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), path) if path else ""


def _project_id() -> str:
    # GCLOUD_PROJECT, set by Cloud Functions, the emulator and the tests; read here, the one
    # place that reads the environment, through the built-in param where it resolves.
    try:
        value = PROJECT_ID.value
    except Exception:  # noqa: BLE001 — outside a functions runtime the param may not resolve
        value = ""
    return value or os.environ.get("GCLOUD_PROJECT") or os.environ.get("GOOGLE_CLOUD_PROJECT") or ""


def r2_credentials() -> tuple[str, str]:
    return R2_ACCESS_KEY_ID.value, R2_SECRET_ACCESS_KEY.value


# ---- the feed's moderation ------------------------------------------------------

REPORTS_TO_HIDE = IntParam(
    "REPORTS_TO_HIDE",
    default=3,
    description="Distinct users whose reports hide a feed entry pending an operator's review",
)


def reports_to_hide() -> int:
    return max(1, REPORTS_TO_HIDE.value)
