#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sandbox.sh [--nobody] [--rw DIR]... -- COMMAND [ARGS...]
# Runs COMMAND where it cannot damage the machine: in a private mount
# namespace where every file system is read-only (/tmp too) except each DIR
# given with --rw; with --nobody, as uid/gid 65534 too.
# For what deletes, chmods or races on purpose (the fuzzers). Needs root.
# Exit status: COMMAND's.
set -euo pipefail
nobody=0; rw=()
while (($#)); do
  case $1 in
    --nobody) nobody=1; shift ;;
    --rw) rw+=("$(cd "$2" && pwd)"); shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
(($#)) || { echo "usage: sandbox.sh [--nobody] [--rw DIR]... -- COMMAND [ARGS...]" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "sandbox.sh: needs root (it makes a mount namespace)" >&2; exit 2; }
export SANDBOX_NOBODY=$nobody SANDBOX_RW="${rw[*]:-}"
exec unshare --mount --propagation private --fork -- bash -c '
  set -e
  for d in $SANDBOX_RW; do mount -n --bind "$d" "$d"; done
  # every other mount read-only; proc, sys and dev stay as they are
  awk "{print \$2}" /proc/self/mounts | sort -u | while read -r m; do
    case $m in /proc|/proc/*|/sys|/sys/*|/dev|/dev/pts|/dev/mqueue) continue ;; esac
    skip=0; for d in $SANDBOX_RW; do [ "$m" = "$d" ] && skip=1; done
    [ $skip = 1 ] && continue
    mount -n -o remount,bind,ro "$m" 2>/dev/null || true
  done
  if [ "$SANDBOX_NOBODY" = 1 ]; then exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"; fi
  exec "$@"
' sandbox "$@"
