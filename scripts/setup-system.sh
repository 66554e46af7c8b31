#!/usr/bin/env bash
# Installs the Debian packages the tests need, when missing and when we may (root with apt).
set -euo pipefail
packages=()
for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || packages+=("$p"); done
if [ ${#packages[@]} -eq 0 ]; then echo "system packages: nothing to install"; exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "system packages missing (${packages[*]}); install them to run every suite"; exit 0
fi
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
