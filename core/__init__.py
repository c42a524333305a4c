"""The ground floor: small helpers every app may import (serving stored files safely, public
URLs, request ids and log context, JSON bodies). Nothing here imports an app."""
