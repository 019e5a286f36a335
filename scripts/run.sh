#!/usr/bin/env bash
# One command to set up and start ClinicRec on its embedded SQLite database.
#   scripts/run.sh           start on your clinic database (first start asks for the clinic and an admin)
#   scripts/run.sh --demo    start on the demo database (built on first use; sign-in details shown)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/clinicrec "$@"
