#!/bin/sh
# A fake `systemctl` for tests, speaking the real output formats.
#   FAKE_SYSTEMCTL_DIR   folder with one file per known unit, `<unit>.show`, holding
#                        the Key=Value lines `systemctl show` prints for it.
#                        A unit without a file is "not-found", as on a real system.
#   FAKE_SYSTEMCTL_MODE  "not-booted": answer as systemctl does when systemd is
#                        not PID 1 (show fails; list-unit-files still reads disk).
#                        "hang": sleep for a long time (tests of deadlines).
#   FAKE_SYSTEMCTL_LOG   append each invocation's arguments to this file.
#                        `cat UNIT...` prints `<unit>.unit` from FAKE_SYSTEMCTL_DIR, as `systemctl cat` does.
[ -n "$FAKE_SYSTEMCTL_LOG" ] && echo "$*" >> "$FAKE_SYSTEMCTL_LOG"
verb=$1; shift
case "$FAKE_SYSTEMCTL_MODE" in
  hang) sleep 300; exit 0 ;;
esac
units=""
for a in "$@"; do
  case "$a" in --*) ;; *) units="$units $a" ;; esac
done
case "$verb" in
  show)
    if [ "$FAKE_SYSTEMCTL_MODE" = "not-booted" ]; then
      echo "System has not been booted with systemd as init system (PID 1). Can't operate." >&2
      echo "Failed to connect to bus: Host is down" >&2
      exit 1
    fi
    first=1
    for u in $units; do
      [ $first -eq 1 ] || echo ""
      first=0
      if [ -f "$FAKE_SYSTEMCTL_DIR/$u.show" ]; then
        cat "$FAKE_SYSTEMCTL_DIR/$u.show"
      else
        printf 'Id=%s\nLoadState=not-found\nActiveState=inactive\nSubState=dead\nResult=success\nActiveEnterTimestamp=\n' "$u"
      fi
    done
    exit 0 ;;
  list-unit-files)
    found=0
    for u in $units; do
      if [ -f "$FAKE_SYSTEMCTL_DIR/$u.show" ]; then echo "$u enabled enabled"; found=1; fi
    done
    [ $found -eq 1 ] && exit 0 || exit 1 ;;
  cat)
    # `systemctl cat UNIT...`: "# PATH" and the unit file, per unit found (<unit>.unit in FAKE_SYSTEMCTL_DIR).
    found=0
    for u in $units; do
      if [ -f "$FAKE_SYSTEMCTL_DIR/$u.unit" ]; then echo "# $FAKE_SYSTEMCTL_DIR/$u.unit"; cat "$FAKE_SYSTEMCTL_DIR/$u.unit"; echo ""; found=1; fi
    done
    [ $found -eq 1 ] && exit 0 || { echo "No files found for$units." >&2; exit 1; } ;;
  stop|start|restart)
    exit "${FAKE_SYSTEMCTL_EXIT:-0}" ;;
  *)
    echo "Unknown command verb $verb." >&2; exit 1 ;;
esac
