#!/bin/sh
# A stand-in zfs for file and volume tests of native sessions: answers 'zfs get' and 'zfs list' from
# zfs.db next to itself (lines NAME<TAB>PROPERTY<TAB>VALUE), the way zfs prints them with -Hp.
# Installed as 'zfs' on the PATH of a local session or of the test sshd.
db=$(dirname "$0")/zfs.db
known() { awk -F '\t' -v n="$1" '$1 == n { found = 1 } END { exit !found }' "$db"; }
case "$1" in
  version) echo zfs-2.1.5-1; echo zfs-kmod-2.1.5-1 ;;
  get)
    # zfs get -Hp -o name,property,value,source PROPS NAME...
    props=$5; shift 5
    for n in "$@"; do known "$n" || { echo "cannot open '$n': dataset does not exist" >&2; exit 1; }; done
    for n in "$@"; do
      awk -F '\t' -v n="$n" -v props="$props" '
        BEGIN { k = split(props, want, ",") }
        $1 == n { v[$2] = $3 }
        END { for (i = 1; i <= k; i++) printf "%s\t%s\t%s\t%s\n", n, want[i], (want[i] in v) ? v[want[i]] : "-", (want[i] in v) ? "local" : "-" }' "$db"
    done ;;
  list)
    # zfs list -Hp -o FIELDS -t TYPES [-s x] [-r | -d N] [ROOT]: rows of the known datasets under ROOT
    shift
    fields= types=filesystem,volume depth=-1 root=
    while [ $# -gt 0 ]; do
      case "$1" in
        -o) fields=$2; shift 2 ;;
        -t) types=$2; shift 2 ;;
        -s|-S) shift 2 ;;
        -d) depth=$2; shift 2 ;;
        -r) depth=-1; shift ;;
        -*) shift ;;
        *) root=$1; shift ;;
      esac
    done
    if [ -n "$root" ]; then known "$root" || { echo "cannot open '$root': dataset does not exist" >&2; exit 1; }; fi
    awk -F '\t' -v fields="$fields" -v types="$types" -v depth="$depth" -v root="$root" '
      BEGIN { k = split(fields, want, ","); split(types, t, ","); for (i in t) okt[t[i]] = 1 }
      { v[$1, $2] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
      END {
        for (j = 1; j <= n; j++) {
          name = order[j]
          if (!((name, "type") in v) || !(v[name, "type"] in okt)) continue
          base = name; sub(/[@#].*/, "", base)
          if (root != "") {
            if (name != root && index(base "/", root "/") != 1 && base != root) continue
            rest = substr(name, length(root) + 1); d = gsub(/[\/@#]/, "", rest)
            if (depth >= 0 && d > depth) continue
          }
          line = ""
          for (i = 1; i <= k; i++) line = line (i > 1 ? "\t" : "") (want[i] == "name" ? name : (((name, want[i]) in v) ? v[name, want[i]] : "-"))
          print line
        }
      }' "$db" ;;
  *) echo "zfs: unsupported $1" >&2; exit 2 ;;
esac
