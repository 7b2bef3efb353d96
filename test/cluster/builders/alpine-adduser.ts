import type { Tree } from "./pack.ts";

// The local `library/alpine:3.22` is Debian's busybox-static (no Alpine package can be
// fetched here), and Debian builds it without the adduser applet, which Alpine's busybox
// has and the generated Go runtime stage runs (`RUN adduser -D -u 10001 app`). This is
// that applet's behaviour for the options busybox documents (-h -g -s -G -S -D -H -u -k),
// as a shell script over the same files: a user, its own group unless -G names one, a
// locked password, and a home folder unless -H.

/** busybox adduser, for the image whose busybox lacks it. */
export const ADDUSER = `#!/bin/sh
set -e
usage() { echo "usage: adduser [-h DIR] [-g GECOS] [-s SHELL] [-G GRP] [-S] [-D] [-H] [-u UID] [-k SKEL] USER [GROUP]" >&2; exit 1; }
home= gecos="Linux User,,," shell=/bin/sh group= uid= nohome= system=
while getopts "h:g:s:G:SDHu:k:" o; do
  case $o in
    h) home=$OPTARG ;; g) gecos=$OPTARG ;; s) shell=$OPTARG ;; G) group=$OPTARG ;;
    u) uid=$OPTARG ;; H) nohome=1 ;; S) system=1 ;; D|k) ;; *) usage ;;
  esac
done
shift $((OPTIND - 1))
name=$1
[ -n "$name" ] || usage
[ -z "$2" ] || group=$2
if grep -q "^$name:" /etc/passwd; then echo "adduser: user '$name' in use" >&2; exit 1; fi
if [ -z "$uid" ]; then
  if [ -n "$system" ]; then lo=100 hi=999; else lo=1000 hi=59999; fi
  uid=$(awk -F: -v lo="$lo" -v hi="$hi" '{ used[$3] = 1 } END { for (u = lo; u <= hi; u++) if (!(u in used)) { print u; exit } }' /etc/passwd)
fi
[ -n "$home" ] || home=/home/$name
if [ -n "$group" ]; then
  gid=$(awk -F: -v g="$group" '$1 == g { print $3 }' /etc/group)
  [ -n "$gid" ] || { echo "adduser: unknown group $group" >&2; exit 1; }
else
  gid=$uid
  echo "$name:x:$gid:" >> /etc/group
fi
echo "$name:x:$uid:$gid:$gecos:$home:$shell" >> /etc/passwd
echo "$name:!:$(($(date +%s) / 86400)):0:99999:7:::" >> /etc/shadow
if [ -z "$nohome" ]; then mkdir -p "$home" && chown "$uid:$gid" "$home"; fi
`;

/** The layer adding ADDUSER where Alpine's busybox links it. */
export const adduserLayer: Tree = {
  texts: { "/usr/sbin/adduser": ADDUSER },
  modes: { "/usr/sbin/adduser": 0o755 },
};
