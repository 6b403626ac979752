"""Builds the adapters a handler needs from the settings in force."""
from __future__ import annotations

import os
from dataclasses import dataclass

from adapters.gcs import TempStorage
from adapters.r2 import MediaBucket
from adapters.veo import Veo
from config import Settings, r2_credentials


@dataclass(frozen=True)
class Services:
    settings: Settings
    veo: Veo
    temp_storage: TempStorage
    media: MediaBucket


def project_id() -> str:
    # Set by Cloud Functions and by the emulator; tests set it too.
    return os.environ.get("GCLOUD_PROJECT") or os.environ.get("GOOGLE_CLOUD_PROJECT") or ""


def build(settings: Settings, r2_keys: tuple[str, str] | None = None) -> Services:
    key_id, secret = r2_keys or r2_credentials()
    return Services(
        settings=settings,
        veo=Veo(project_id(), settings.veo_location, settings.veo_model, settings.veo_base_url,
                http_timeout_s=settings.veo_http_timeout_s),
        temp_storage=TempStorage(settings.gcs_endpoint),
        media=MediaBucket(settings.r2_endpoint, settings.r2_region, settings.r2_bucket,
                          settings.r2_public_base_url, key_id, secret, ca_bundle=settings.r2_ca_bundle),
    )
