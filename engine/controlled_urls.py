"""The URLconf of a standalone engine server started with its test controls (tests and
benchmarks: `run_fal_engine --controls`): the engine, and the controls at /_fal/_control/.

The controls (inject faults, reset, read every request) live only here. The engine mounted in
the app (config/urls.py) answers on the app's public server, and the engine process beside
gunicorn (scripts/serve) is started without them.
"""

from django.urls import re_path

from . import control_views
from .standalone_urls import urlpatterns as engine_patterns

urlpatterns = [
    *engine_patterns,
    re_path(r"^_fal/_control/faults/?$", control_views.faults, name="control-faults"),
    re_path(r"^_fal/_control/reset/?$", control_views.reset, name="control-reset"),
    re_path(r"^_fal/_control/stats/?$", control_views.stats, name="control-stats"),
]
