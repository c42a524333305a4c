"""What a video costs: the one per-second rule, in credits (what a user is held and charged)
and in fal's dollars (what the video costs at fal). Each model's rates per second are
settings named by its registry entry (jobs/registry.py); the rounding lives only here, and
the create page asks the server (credits.views.estimate) rather than repeating it."""

import math
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def credits_for(video_seconds: float, credits_per_second: int) -> int:
    """Credits for `video_seconds` of output, rounded up to a whole credit (exact decimals)."""
    return math.ceil(Decimal(str(video_seconds)) * credits_per_second)


def dollars_for(video_seconds: float, price_per_second: Decimal) -> Decimal:
    """fal's price for `video_seconds` of output, in dollars rounded half up to the cent."""
    return (price_per_second * Decimal(str(video_seconds))).quantize(CENT, rounding=ROUND_HALF_UP)


def credits_for_characters(characters: int, credits_per_1000: int) -> int:
    """Credits for speaking `characters` characters (text-to-speech is priced per 1,000
    characters), rounded up to a whole credit."""
    return math.ceil(Decimal(characters) * credits_per_1000 / 1000)


def dollars_for_characters(characters: int, price_per_1000: Decimal) -> Decimal:
    """fal's price for speaking `characters` characters, in dollars rounded half up to the cent."""
    return (price_per_1000 * Decimal(characters) / 1000).quantize(CENT, rounding=ROUND_HALF_UP)
