"""Avatar Studio settings: every value comes from the environment (see .env.example).

The defaults need no configuration at all: SQLite, files under ./var, and the local
fal-compatible engine when FAL_KEY is unset. One module per concern, read in this order.
"""

# Kept in reading order, not sorted: a later module may override what an earlier one set.
# isort: off
from .web import *  # noqa: F403  Django itself: apps, database, cache, auth, files, security
from .pipeline import *  # noqa: F403  workers, fal, prices, budgets, live updates, the local engine
from .api import *  # noqa: F403  REST framework, OpenAPI, API limits, outgoing webhooks
from .observability import *  # noqa: F403  metrics, readiness, logging
