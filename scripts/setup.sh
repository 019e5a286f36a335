#!/usr/bin/env bash
# Sets up everything ClinicRec needs on a fresh Debian/Ubuntu machine: the Debian libraries Qt
# loads, a virtual environment in .venv, and the package with the chosen extras.
#   scripts/setup.sh            runtime only
#   scripts/setup.sh test       runtime + test tools (+ PostgreSQL server for the database tests)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"

# Debian libraries the PySide6 wheels load (offscreen and on an X11/Wayland desktop).
QT_DEBS=(libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libglib2.0-0 libdbus-1-3
         libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
         libxcb-randr0 libxcb-xfixes0 libxcb-sync1 libxcb-xkb1 libnss3 libasound2 libxrender1 libxi6
         libpulse0)  # libpulse0: Qt Multimedia (the photo capture view) will not load without it
DEBS=("${QT_DEBS[@]}" python3-venv)
if [ "$extras" = "test" ]; then
  DEBS+=(postgresql poppler-utils)
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for pkg in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== Installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  if [ "$(id -u)" -eq 0 ] || [ -n "$SUDO" ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "!! Not root and no sudo: please run  apt-get install ${missing[*]}" >&2
  fi
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== Creating .venv"
  "$PY" -m venv .venv
fi
stamp=".venv/.clinicrec-installed-${extras:-runtime}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "== Installing ClinicRec${extras:+ with [$extras]} into .venv"
  # Progress, not pages of packaging deprecation notices from the build backend.
  export PYTHONWARNINGS=ignore PIP_DISABLE_PIP_VERSION_CHECK=1
  # A machine's pip configuration may name package folders that do not exist: pip then says so once per
  # package. That is about the machine, not ClinicRec; those lines are left out, everything else shown.
  quiet_pip() {
    .venv/bin/python -m pip install -q "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    return "${PIPESTATUS[0]}"
  }
  quiet_pip --upgrade pip
  if [ -n "$extras" ]; then
    quiet_pip -e ".[$extras]"
  else
    quiet_pip -e .
  fi
  touch "$stamp"
fi
