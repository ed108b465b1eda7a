#!/usr/bin/env bash
# The FinOps Foundation's focus-validator on a FOCUS 1.2 export of the demo's Cursor data.
#
# focus-validator 2.2.1 needs Python >= 3.12 and pins numpy < 2, pandas < 3 and more (a 600 MB
# environment), so it lives in a venv of its own (.venv-focus, git-ignored), never in .venv.
# Offline it carries the 1.2 rules only (github.com/finopsfoundation/focus_validator). It exits 0 even when rules fail,
# so this script reads its JUnit report and fails on any <failure> except the model's known
# contradictory InvoiceId-C-004-C / InvoiceId-C-005-C (InvoiceId is null: Cursor's invoice ids are
# not in the Admin API).
#
#   scripts/validate-focus-export.sh [EXPORT.csv]   # default: export the demo's data first
#
# Environment: PYTHON312 (an interpreter >= 3.12 to build the venv with), FOCUS_VENV (the venv's
# folder, default .venv-focus), DEMO_MEMBERS / DEMO_DAYS (the simulated team, default 20 / 45).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${FOCUS_VENV:-$ROOT/.venv-focus}"
ALLOWED="InvoiceId-C-004-C InvoiceId-C-005-C"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

find_python() {
    local candidate
    for candidate in "${PYTHON312:-}" python3.14 python3.13 python3.12 \
        "$HOME"/.pyenv/versions/3.1[2-9]*/bin/python3; do
        [ -n "$candidate" ] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    if command -v uv >/dev/null 2>&1 && uv python find '>=3.12' 2>/dev/null; then
        return 0
    fi
    return 1
}

if [ ! -x "$VENV/bin/focus-validator" ]; then
    if ! PY="$(find_python)"; then
        echo "validate-focus-export: focus-validator 2.2.1 needs Python >= 3.12, and none was" \
            "found (tried \$PYTHON312, python3.12+ on PATH, ~/.pyenv/versions/3.12+, uv)." \
            "Debian 12 ships 3.11 only; install a 3.12 and set PYTHON312=/path/to/python3.12." >&2
        exit 2
    fi
    echo "Building $VENV with $PY ($("$PY" --version)); about 600 MB" >&2
    "$PY" -m venv "$VENV"
    # pyarrow < 22: a newer one needs numpy >= 2, which focus-validator pins below.
    "$VENV/bin/pip" install --quiet --disable-pip-version-check \
        "focus-validator==2.2.1" "pyarrow<22"
fi

EXPORT="${1:-}"
if [ -z "$EXPORT" ]; then
    HOME_DIR="$WORK/home"
    EXPORT="$WORK/cursor_focus_1_2.csv"
    echo "Exporting the demo's data (${DEMO_MEMBERS:-20} members, ${DEMO_DAYS:-45} days) as FOCUS 1.2" >&2
    "$ROOT/.venv/bin/pumpview" --home "$HOME_DIR" demo --members "${DEMO_MEMBERS:-20}" \
        --days "${DEMO_DAYS:-45}" --no-serve >/dev/null
    # Seat rows too: they must validate as well as the usage rows.
    PUMPVIEW_SEAT_PRICE=40 PUMPVIEW_SEAT_PLAN=Business "$ROOT/.venv/bin/pumpview" \
        --home "$HOME_DIR" export focus --out "$EXPORT" --focus-version 1.2 >&2
fi
EXPORT="$(cd "$(dirname "$EXPORT")" && pwd)/$(basename "$EXPORT")"
REPORT="$WORK/focus-junit.xml"

# The validator reads rules/currency_codes.csv relative to the working folder.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
(cd "$SITE" && "$VENV/bin/focus-validator" --data-file "$EXPORT" --validate-version 1.2 \
    --block-download --applicability-criteria USAGE_MEASUREMENT_SUPPORTED,TAGGING_SUPPORTED \
    --output-type unittest --output-destination "$REPORT" >"$WORK/validator.log" 2>&1) || {
    echo "validate-focus-export: focus-validator did not run:" >&2
    tail -20 "$WORK/validator.log" >&2
    exit 1
}

"$VENV/bin/python" - "$REPORT" "$ALLOWED" <<'PY'
import sys
import xml.etree.ElementTree as ET

report, allowed = sys.argv[1], set(sys.argv[2].split())
root = ET.parse(report).getroot()
failed = sorted({f.get("name", "?") for f in root.iter("failure")})
unexpected = [name for name in failed if name not in allowed]
print(f"focus-validator 2.2.1, FOCUS 1.2: {root.get('tests')} rules, {len(failed)} failed "
      f"({', '.join(failed) or 'none'}), {root.get('skipped')} skipped; "
      f"{len(unexpected)} failures beyond the allow-list")
sys.exit(1 if unexpected else 0)
PY
