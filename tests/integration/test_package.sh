#!/usr/bin/env bash
# The .deb CPack builds: its dependencies, its contents, then installed for real with
# dpkg -i: `ipcscope --version` and `ipcscope list` from /usr/bin, the man page, the
# completion, the unit and the ipcs/ipcrm links where they belong; then purged, leaving the
# machine as it was. It never installs over an ipcscope it did not put there. The .rpm is
# built and inspected too where rpmbuild exists.
. "$SRCDIR/tests/tools/testlib.sh"

need_root "dpkg -i"
for t in cpack dpkg dpkg-deb dpkg-query; do
    command -v "$t" >/dev/null || skip "$t is not installed"
done
grep -q '^IPCSCOPE_SANITIZE:BOOL=ON' "$BUILDDIR/CMakeCache.txt" &&
    skip "this is the sanitizer build; packages are made from the plain one"
[ -f "$BUILDDIR/CPackConfig.cmake" ] || fail "$BUILDDIR/CPackConfig.cmake is missing"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILDDIR/CMakeCache.txt")
[ -n "$version" ] || version=$("$IPCSCOPE" --version | awk '{ print $2 }')

# Every path the package installs; none may exist before (unless dpkg says it is ours, and
# then it is another install of ipcscope that we leave alone as well).
paths=(/usr/bin/ipcscope /usr/share/man/man1/ipcscope.1.gz
    /usr/share/bash-completion/completions/ipcscope /usr/share/zsh/vendor-completions/_ipcscope
    /usr/lib/systemd/system/ipcscope.service /lib/systemd/system/ipcscope.service
    /usr/lib/systemd/system/ipcscope-metrics.service /lib/systemd/system/ipcscope-metrics.service
    /usr/lib/systemd/system/ipcscope-metrics.timer /lib/systemd/system/ipcscope-metrics.timer
    /usr/libexec/ipcscope/ipcs /usr/libexec/ipcscope/ipcrm
    /usr/share/ipcscope/prometheus/ipcscope.rules.yml /usr/share/ipcscope/grafana/ipcscope.json)
if dpkg-query -W -f='${Status}\n' ipcscope 2>/dev/null | grep -qv '^unknown ok not-installed$'; then
    skip "a package named ipcscope is on this machine already ($(dpkg-query -W -f='${Version} ${Status}' ipcscope)): not touching it"
fi
for p in "${paths[@]}"; do
    [ -e "$p" ] || [ -L "$p" ] && skip "$p exists and no package owns it: not installing over it"
done

T=$(mktemp -d)
installed=
cleanup() {
    if [ -n "$installed" ]; then
        dpkg --purge ipcscope >"$T/purge.log" 2>&1 || cat "$T/purge.log" >&2
    fi
    rm -rf "$T"
}
trap cleanup EXIT
# A signal (ctest's timeout sends one) must still purge what was installed.
trap 'exit 143' TERM INT HUP

# ---- build ----
generators=DEB
command -v rpmbuild >/dev/null && generators="DEB;RPM"
cpack --config "$BUILDDIR/CPackConfig.cmake" -G "$generators" -B "$T/out" >"$T/cpack.log" 2>&1 ||
    { cat "$T/cpack.log" >&2; fail "cpack -G $generators"; }
deb=$T/out/ipcscope_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { ls -l "$T/out" >&2; fail "no $deb"; }

depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libjansson4 libmicrohttpd12 zlib1g libncursesw6; do
    grep -qE "(^|, )$lib( |,|$)" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
# Each dependency must be what provides a library the binary links.
# The package of the file the loader really uses (ldd's path, symlinks resolved): a
# library name alone also matches other architectures' copies (libc6-i386's libm.so.6).
for so in $(objdump -p "$BUILDDIR/ipcscope" 2>/dev/null | awk '$1 == "NEEDED" { print $2 }'); do
    path=$(ldd "$BUILDDIR/ipcscope" 2>/dev/null | awk -v so="$so" '$1 == so && $3 ~ /^\// { print $3 }')
    [ -n "$path" ] || fail "ldd does not resolve $so"
    pkg=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null)
    pkg=$(head -1 <<<"$pkg" | cut -d: -f1)
    [ -z "$pkg" ] || grep -qE "(^|, )$pkg( |,|$)" <<<"$depends" || fail "$so comes from $pkg, which Depends lacks: $depends"
done
[ "$(dpkg-deb -f "$deb" Package)" = ipcscope ] || fail "package name"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "package version $(dpkg-deb -f "$deb" Version), not $version"
dpkg-deb -c "$deb" | awk '$1 !~ /^d/ { print $6 }' | sed 's|^\./|/|' >"$T/contents" # files and links
for p in /usr/bin/ipcscope /usr/share/man/man1/ipcscope.1.gz \
    /usr/share/bash-completion/completions/ipcscope /usr/share/zsh/vendor-completions/_ipcscope \
    /usr/lib/systemd/system/ipcscope.service /usr/libexec/ipcscope/ipcs /usr/libexec/ipcscope/ipcrm \
    /usr/lib/systemd/system/ipcscope-metrics.service /usr/lib/systemd/system/ipcscope-metrics.timer \
    /usr/share/ipcscope/prometheus/ipcscope.rules.yml /usr/share/ipcscope/grafana/ipcscope.json; do
    grep -qxF "$p" "$T/contents" || fail "the .deb lacks $p"
done
grep -vE '^/usr/(bin|lib/systemd/system|libexec|share/(man|bash-completion|zsh|ipcscope))(/|$)' "$T/contents" | grep -q . &&
    fail "the .deb installs outside the usual places: $(tr '\n' ' ' <"$T/contents")"

if [[ $generators == *RPM* ]]; then
    rpm=$(ls "$T"/out/ipcscope-"$version"-*.rpm 2>/dev/null | head -1)
    [ -n "$rpm" ] || fail "rpmbuild exists but no .rpm was made"
    if command -v rpm >/dev/null; then
        rpm -qpR "$rpm" 2>/dev/null >"$T/rpm-requires"
        for so in libjansson.so.4 libmicrohttpd.so.12 libz.so.1; do
            grep -q "^$so" "$T/rpm-requires" || fail "the .rpm does not require $so"
        done
        rpm -qpl "$rpm" 2>/dev/null | grep -qx /usr/bin/ipcscope || fail "the .rpm lacks /usr/bin/ipcscope"
        # Directories the filesystem and systemd packages own must not be claimed.
        rpm -qpl "$rpm" 2>/dev/null | grep -qxE '/usr/(share/man|lib/systemd|share/zsh)' &&
            fail "the .rpm claims a shared directory"
    fi
    echo "rpm: $(basename "$rpm")"
fi

# ---- install ----
for i in 1 2 3 4 5 6 7 8 9 10; do
    dpkg -i "$deb" >"$T/install.log" 2>&1 && { installed=1; break; }
    grep -q 'lock' "$T/install.log" || break # dpkg busy for someone else: wait, else give up
    sleep 1
done
[ -n "$installed" ] || { cat "$T/install.log" >&2; installed=1; fail "dpkg -i $deb"; }
dpkg-query -W -f='${Status}\n' ipcscope | grep -qx 'install ok installed' || fail "dpkg does not list ipcscope as installed"

out=$(/usr/bin/ipcscope --version) || fail "/usr/bin/ipcscope --version"
[ "$out" = "ipcscope $version" ] || fail "/usr/bin/ipcscope --version says '$out'"
/usr/bin/ipcscope list >"$T/list.txt" 2>"$T/list.err" || { cat "$T/list.err" >&2; fail "/usr/bin/ipcscope list exits $?"; }
head -1 "$T/list.txt" | grep -q '^KIND ' || fail "/usr/bin/ipcscope list printed no table"
/usr/bin/ipcscope list -J >"$T/list.json" 2>/dev/null || fail "/usr/bin/ipcscope list -J"
validate "$T/list.json"

[ "$(man -w ipcscope 2>/dev/null)" = /usr/share/man/man1/ipcscope.1.gz ] ||
    fail "man -w ipcscope finds '$(man -w ipcscope 2>&1)'"
MANWIDTH=80 man --warnings ipcscope 2>"$T/man.err" | grep -q '^COMMANDS' || fail "man ipcscope does not show the page"
[ -s "$T/man.err" ] && { cat "$T/man.err" >&2; fail "man ipcscope warns"; }

bash --norc -c '. /usr/share/bash-completion/completions/ipcscope && complete -p ipcscope' |
    grep -q -- '-F _ipcscope ipcscope' || fail "the installed bash completion does not register"
if command -v zsh >/dev/null; then
    zsh -n /usr/share/zsh/vendor-completions/_ipcscope || fail "the installed zsh completion does not parse"
fi

grep -qx 'ExecStart=/usr/bin/ipcscope serve --listen 127.0.0.1:9412 --interval 5' /usr/lib/systemd/system/ipcscope.service ||
    fail "the installed unit does not run /usr/bin/ipcscope: $(grep ExecStart /usr/lib/systemd/system/ipcscope.service)"
grep -qx 'ExecStart=/usr/bin/ipcscope metrics -o /var/lib/prometheus/node-exporter/ipcscope.prom' /usr/lib/systemd/system/ipcscope-metrics.service ||
    fail "the installed metrics unit does not run /usr/bin/ipcscope: $(grep ExecStart /usr/lib/systemd/system/ipcscope-metrics.service)"
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify /usr/lib/systemd/system/ipcscope.service /usr/lib/systemd/system/ipcscope-metrics.service \
        /usr/lib/systemd/system/ipcscope-metrics.timer >"$T/verify.out" 2>&1 && [ ! -s "$T/verify.out" ] ||
        { cat "$T/verify.out" >&2; fail "systemd-analyze verify of the installed units"; }
fi

for tool in ipcs ipcrm; do
    [ "$(readlink -f /usr/libexec/ipcscope/$tool)" = /usr/bin/ipcscope ] || fail "/usr/libexec/ipcscope/$tool is not a link to /usr/bin/ipcscope"
done
/usr/libexec/ipcscope/ipcs -l >"$T/ipcs.txt" 2>&1 || fail "/usr/libexec/ipcscope/ipcs -l exits $?"
grep -m1 . "$T/ipcs.txt" | grep -qx -- '------ Messages Limits --------' || fail "the ipcs link does not act as ipcs: $(head -3 "$T/ipcs.txt")"
/usr/libexec/ipcscope/ipcrm --help 2>&1 | grep -q '^ ipcrm \[options\]' || fail "the ipcrm link does not act as ipcrm"
[ "$(command -v ipcs)" != /usr/libexec/ipcscope/ipcs ] || fail "the ipcs link shadows util-linux's on PATH"

# ---- remove ----
dpkg --purge ipcscope >"$T/purge.log" 2>&1 || { cat "$T/purge.log" >&2; fail "dpkg --purge ipcscope"; }
installed=
dpkg-query -W -f='${Status}\n' ipcscope 2>/dev/null | grep -qv 'not-installed' && fail "ipcscope still known to dpkg after purge"
for p in "${paths[@]}" /usr/libexec/ipcscope; do
    [ -e "$p" ] || [ -L "$p" ] && fail "$p is left after purge"
done
echo "ok: $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB) depends: $depends"
