# Sourced by the other scripts: finds Python 3.12+ and prepares the virtualenv in .venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python_ok() { "$@" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

find_python() {
  local candidate version
  for candidate in python3.13 python3.12 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then
      command -v "$candidate"; return 0
    fi
  done
  # pyenv installs may exist without being the active version.
  if command -v pyenv >/dev/null 2>&1; then
    for version in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9]|[2-9][0-9])(\.|$)' | sort -Vr); do
      candidate=$(PYENV_VERSION="$version" pyenv which python3 2>/dev/null) || continue
      if python_ok "$candidate"; then echo "$candidate"; return 0; fi
    done
  fi
  return 1
}

ensure_venv() {
  local requirements=$1
  if [ ! -x .venv/bin/python ] || ! python_ok .venv/bin/python; then
    local python
    if ! python=$(find_python); then
      echo "Avatar Studio needs Python 3.12 or newer (Django 6.1). Install python3.13 and run this again." >&2
      exit 1
    fi
    echo "Creating .venv with $("$python" --version)"
    rm -rf .venv
    "$python" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
}
