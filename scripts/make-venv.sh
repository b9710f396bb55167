#!/usr/bin/env bash
# Creates .venv with the given python; on Debian, where venv lives in a separate package,
# installs python3-venv first (as root or through passwordless sudo).
set -eu
python=${1:-python3}
venv=${2:-.venv}
[ -x "$venv/bin/python" ] && exit 0
if ! "$python" -m venv "$venv" 2>/dev/null; then
  rm -rf "$venv"
  version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
  echo "installing python${version}-venv (Debian keeps venv apart from python3)"
  "${sudo[@]}" apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "python${version}-venv" python3-venv >/dev/null
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
