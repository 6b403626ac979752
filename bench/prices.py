"""List prices the benchmark turns counted operations into dollars with. One table, one place.

Checked 2026-11-28 through the project's reference search (public copies of the vendors'
pages; no live access to the vendors from this machine). `confirmed` is True where the
figure was read on the vendor's own page (or its documentation source), False where it
comes from a third-party copy or from memory and must be checked before it is quoted to
anyone. Prices are USD, pay-as-you-go, before free tiers (the bench prices the marginal
video, not a hobby project's first million).
"""

from __future__ import annotations

from dataclasses import dataclass

CHECKED = "2026-11-28"


@dataclass(frozen=True)
class Price:
    usd: float
    per: str
    source: str
    confirmed: bool


PRICES: dict[str, Price] = {
    # Firestore Standard edition, regional US location (us-central1). nam5 multi-region is
    # $0.06 / $0.18 / $0.02 per 100k and $0.18/GiB-month (confirmed on an older copy of the page).
    "firestore_read": Price(
        0.03 / 100_000,
        "document read",
        "cloud.google.com/firestore/pricing (us-central1 row seen only in a third-party "
        "copy: airbyte.com Firestore pricing guide)",
        False,
    ),
    "firestore_write": Price(0.09 / 100_000, "document write", "as firestore_read", False),
    "firestore_delete": Price(0.01 / 100_000, "document delete", "as firestore_read", False),
    "firestore_storage_gib_month": Price(0.15, "GiB-month", "as firestore_read (from memory)", False),
    # Cloud Tasks: an API call (enqueue) and each push delivery attempt are billable operations.
    "cloud_tasks_op": Price(
        0.40 / 1_000_000,
        "billable operation (enqueue or delivery attempt)",
        "cloud.google.com/tasks/pricing: $0.40 per million after the first million",
        True,
    ),
    # Cloud Run (Cloud Functions 2nd gen), request-based billing, Tier 1 region.
    "run_vcpu_second": Price(
        0.000024, "vCPU-second", "cloud.google.com/run/pricing, Tier 1, CPU allocated during requests", True
    ),
    "run_gib_second": Price(0.0000025, "GiB-second", "cloud.google.com/run/pricing, Tier 1", True),
    "run_request": Price(0.40 / 1_000_000, "request (invocation)", "cloud.google.com/run/pricing, Tier 1", True),
    # Function -> R2 is internet egress (Premium tier); GCS -> function in one region is free.
    "egress_internet_gib": Price(
        0.12,
        "GiB to the internet (North America, first TiB)",
        "cloud.google.com/run/pricing says Premium-tier networking prices apply; "
        "$0.12/GiB from a third-party copy (modal.com pricing guide)",
        False,
    ),
    "gcs_class_a_op": Price(
        0.005 / 1000,
        "GCS Class A operation (write, list)",
        "cloud.google.com/storage/pricing, Standard storage (from memory)",
        False,
    ),
    "gcs_class_b_op": Price(0.0004 / 1000, "GCS Class B operation (read)", "as gcs_class_a_op", False),
    # Cloudflare R2, Standard storage.
    "r2_storage_gb_month": Price(0.015, "GB-month", "developers.cloudflare.com/r2/pricing", True),
    "r2_class_a_op": Price(
        4.50 / 1_000_000, "Class A operation (PUT, LIST, multipart parts)", "developers.cloudflare.com/r2/pricing", True
    ),
    "r2_class_b_op": Price(
        0.36 / 1_000_000, "Class B operation (GET, HEAD)", "developers.cloudflare.com/r2/pricing", True
    ),
    # Veo 3.1 fast with audio, per second of video (functions/domain/veo_models.py).
    "veo_fast_audio_second": Price(
        0.15, "second of generated video", "third-party copies of Google's list (docs/veo-protocol.md)", False
    ),
}


def usd(name: str, quantity: float) -> float:
    return PRICES[name].usd * quantity
