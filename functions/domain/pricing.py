"""What a generation costs: THE price table.

Every price anywhere comes from TOKENS_PER_SECOND below:
- the server's debit (handlers/start_generation.py, through `price`);
- the rules' price function, written between markers in firestore.rules by
  `python -m ops prices --write-rules` (tests/domain/test_price_table_drift.py fails if they differ);
- the web client's table, clients/web/src/price-table.js, written by the same command;
- docs/client-contract.md's price table (tests/test_client_contract_doc.py).
`python -m ops prices` prints the table with what Veo costs us and the margin per option.
docs/operations.md ("Changing a price") says in which order to deploy rules and functions.

Veo's cost per second (VEO_USD_PER_SECOND): third-party copies of Google's Vertex AI list,
checked on PRICES_CHECKED_ON (see PRICE_SOURCES); Google's own pricing page was not reachable
from here, so confirm it before relying on a margin. 720p and 1080p cost Veo the same; a
1080p video is ~2.5x the bytes we store and serve, hence its higher token price.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

DURATIONS_SECONDS: tuple[int, ...] = (4, 6, 8)
ASPECT_RATIOS: tuple[str, ...] = ("16:9", "9:16")
QUALITIES: tuple[str, ...] = ("fast", "standard")
RESOLUTIONS: tuple[str, ...] = ("720p", "1080p")

# What a request that names none of the options gets: Veo 3.1 fast, 720p, with sound.
DEFAULT_QUALITY = "fast"
DEFAULT_RESOLUTION = "720p"
DEFAULT_AUDIO = True

# (quality, resolution, audio) -> tokens per second of video. Priced so that every option
# keeps MIN_MARGIN after the app store's fee (STORE_FEE) on the tokens it was bought with;
# 1080p is dearer than 720p for the ~2.5x bytes we store and serve.
TOKENS_PER_SECOND: dict[tuple[str, str, bool], int] = {
    ("fast", "720p", True): 14,
    ("fast", "720p", False): 9,
    ("fast", "1080p", True): 16,
    ("fast", "1080p", False): 11,
    ("standard", "720p", True): 36,
    ("standard", "720p", False): 18,
    ("standard", "1080p", True): 39,
    ("standard", "1080p", False): 20,
}

# What one token brings in, in US dollars (the token packs' price; a business figure to
# confirm with whoever sells the packs). Only the margin report reads it.
TOKEN_USD = 0.02

# The share of a token pack's price the app store keeps (Apple and Google: 30% by default,
# 15% in their small-business and subscription-after-a-year programmes). Tokens bought in the
# app bring in TOKEN_USD * (1 - STORE_FEE); the margin test holds the table at this fee.
# `python -m ops prices --store-fee 0.15` shows the margins at another fee.
STORE_FEE = 0.30

# (quality, resolution, audio) -> what Veo charges us per second of video, in US dollars.
VEO_USD_PER_SECOND: dict[tuple[str, str, bool], float] = {
    ("fast", "720p", True): 0.15,
    ("fast", "720p", False): 0.10,
    ("fast", "1080p", True): 0.15,
    ("fast", "1080p", False): 0.10,
    ("standard", "720p", True): 0.40,
    ("standard", "720p", False): 0.20,
    ("standard", "1080p", True): 0.40,
    ("standard", "1080p", False): 0.20,
}
PRICES_CHECKED_ON = date(2026, 11, 28)
PRICE_SOURCES = (
    "docs.qingbo.dev/en/api-reference/video/veo (Vertex direct tiers: 720p and 1080p one price, audio dearer); "
    "aifreeapi.com/es/posts/veo-3-1-api-rate-limit (fast $0.15/s, standard $0.40/s at 720p/1080p); "
    "docs/veo-protocol.md (without audio: fast $0.10/s, standard $0.20/s). "
    "cloud.google.com/vertex-ai/generative-ai/pricing itself: not reachable, UNCONFIRMED"
)

# No option may be sold below this margin: tests/domain/test_pricing.py holds the table to it.
MIN_MARGIN = 0.20


@dataclass(frozen=True)
class Options:
    quality: str = DEFAULT_QUALITY
    resolution: str = DEFAULT_RESOLUTION
    audio: bool = DEFAULT_AUDIO

    @property
    def key(self) -> tuple[str, str, bool]:
        return (self.quality, self.resolution, self.audio)


DEFAULT_OPTIONS = Options()
# The default request's rate. bench/ and older callers price with token_cost(duration).
DEFAULT_TOKENS_PER_SECOND = TOKENS_PER_SECOND[DEFAULT_OPTIONS.key]


def price(duration_seconds: int, options: Options = DEFAULT_OPTIONS) -> int:
    """Tokens a video of this length and these options costs."""
    if type(duration_seconds) is not int or duration_seconds not in DURATIONS_SECONDS:
        raise ValueError(f"unsupported duration {duration_seconds!r}")
    if options.key not in TOKENS_PER_SECOND:
        raise ValueError(f"no price for {options!r}")
    return duration_seconds * TOKENS_PER_SECOND[options.key]


def token_cost(duration_seconds: int, tokens_per_second: int = DEFAULT_TOKENS_PER_SECOND) -> int:
    """The price at a flat rate (the default request's unless told): for the bench's model."""
    if duration_seconds not in DURATIONS_SECONDS:
        raise ValueError(f"unsupported duration {duration_seconds!r}")
    if tokens_per_second <= 0:
        raise ValueError("tokens_per_second must be positive")
    return duration_seconds * tokens_per_second


def charged_fields(options: Options, cost: int) -> dict[str, object]:
    """What a creation records once it is charged: every option as it was priced (the default
    filled in for one the request left out) and the tokens taken. The app shows them as they
    are; it never has to know the defaults."""
    return {"quality": options.quality, "resolution": options.resolution, "audio": options.audio, "tokenCost": cost}


def veo_usd_per_second_of(creation: dict, fallback: float) -> float:
    """What Veo charges per second for the combination a creation recorded as priced
    (charged_fields); `fallback` for one that predates the options (or is malformed)."""
    for key, usd in VEO_USD_PER_SECOND.items():
        if (creation.get("quality"), creation.get("resolution"), creation.get("audio")) == key:
            return usd
    return fallback


def margin(options: Options, store_fee: float = STORE_FEE) -> float:
    """Share of what reaches us (the user's price less the store's fee) that is left after
    Veo's charge, before our own costs."""
    if not 0 <= store_fee < 1:
        raise ValueError(f"a store fee is a share below 1, not {store_fee!r}")
    revenue = TOKENS_PER_SECOND[options.key] * TOKEN_USD * (1 - store_fee)
    return (revenue - VEO_USD_PER_SECOND[options.key]) / revenue


def all_options() -> list[Options]:
    return [Options(q, r, a) for q in QUALITIES for r in RESOLUTIONS for a in (True, False)]
