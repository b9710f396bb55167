#!/usr/bin/env bash
# Installs the Debian packages a task needs when they are missing: `run` (label fonts; npm for the
# IP-region data when there is no npm) or `test` (also poppler-utils for pdftoppm, chromium for
# browser tests, libzbar0 for the second QR decoder, wrk for benchmarks).
# Uses apt-get as root or through passwordless sudo; otherwise says what to install and goes on,
# so `make test` still runs (tests needing a missing tool skip, except under CI=true).
set -u
case "${1:-run}" in
  run) packages=(fonts-wqy-microhei) ;;
  test) packages=(fonts-wqy-microhei poppler-utils chromium libzbar0 wrk) ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
# npm installs the IP-region data (make ip-region); any npm will do, Debian's if there is none.
command -v npm >/dev/null || packages+=(npm)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then sudo=(); elif sudo -n true 2>/dev/null; then sudo=(sudo -n); else
  echo "note: missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "note: no apt-get here; install ${missing[*]} by hand" >&2
  [ "${CI:-}" = "true" ] && exit 1
  exit 0
fi
echo "installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
