"""Where settings come from: the environment, a .env file beside manage.py, and secrets an
install makes for itself at first start (kept under var/)."""

import os
import tempfile
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def secret_kept_in(path, make) -> str:
    """The secret in `path`, first made by `make()` and written there (mode 0600) when the
    file doesn't exist yet. Every process of an install reads the same one: it is written to
    a temporary file and linked into place, which fails if another process starting at the
    same moment got there first, whose secret is then read (never half-written)."""
    path = Path(str(path))
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")  # mode 0600
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(make() + "\n")
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
