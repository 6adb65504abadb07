#!/usr/bin/env bash
# Headless Chromium for the report's render test (tests/python/test_report.py).
#   scripts/chromium.sh   print the browser's path; installs Debian's chromium-headless-shell
#                         when no Chromium is found and this runs as root (apt-get)
# Set PA_CHROMIUM to use another Chromium or Chrome binary.
set -euo pipefail

find_browser() {
    local name
    if [ -n "${PA_CHROMIUM:-}" ]; then echo "$PA_CHROMIUM"; return; fi
    for name in chromium-headless-shell chromium chromium-browser google-chrome; do
        if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
    done
    return 1
}

if ! find_browser >/dev/null; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "chromium.sh: no headless Chromium found; install one (apt-get install chromium-headless-shell) or set PA_CHROMIUM" >&2
        exit 1
    fi
    echo "chromium.sh: installing chromium-headless-shell from Debian's packages..." >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null
fi
find_browser
