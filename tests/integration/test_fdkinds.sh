#!/usr/bin/env bash
# eventfd, signalfd and signal objects. gen eventfd --hold with a fill, gen signal --hold
# with signals left queued and without a fill (one SIGUSR1 kept pending), and tests/tools/fdkinds_state.py (eventfds with a known count, one
# with EFD_SEMAPHORE; one signalfd held through two fds and a child's, another of the same
# mask; SIGUSR2 pending for the thread, SIGUSR1 and three SIGRTMIN for the process). Every
# field and holder of `list -J` is checked against /proc/PID/fdinfo and status, the JSON
# against the schema, the holders against `lsfd -J`; and the default `list` (no -t) shows a
# process's signals only when it holds a signalfd and something is pending.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
T=$(mktemp -d)
trap 'stop_gens; [ -n "${STATE:-}" ] && kill "$STATE" 2>/dev/null; wait; rm -rf "$T"' EXIT

start_gen "$T/efd.json" eventfd --count 2 --hold 60 --fill 9
start_gen "$T/sig.json" signal --hold 60 --fill 4 --messages 10
start_gen "$T/sighold.json" signal --hold 60 --messages 10
py "$SRCDIR/tests/tools/fdkinds_state.py" "$T/state.json" &
STATE=$!
for _ in $(seq 100); do [ -s "$T/state.json" ] && break; sleep 0.05; done
[ -s "$T/state.json" ] || fail "fdkinds_state.py did not start"

"$IPCSCOPE" list -t eventfd,signalfd,signal -J >"$T/list.json" 2>"$T/list.err" ||
    fail "list -J: $(cat "$T/list.err")"
validate "$T/list.json"
"$IPCSCOPE" list -J >"$T/default.json" 2>"$T/default.err" || fail "list -J: $(cat "$T/default.err")"
validate "$T/default.json"
pid=$(py -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$T/state.json")
# lsfd of the state's process and gen eventfd's: every fd on an eventfd or signalfd inode.
lpids=$(py -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join(sorted({sys.argv[2]} | {str(h["pid"]) for o in d["mechanisms"][0]["objects"] for h in o["holders"]})))' "$T/efd.json" "$pid")
lsfd -J -p "$lpids" -o PID,COMMAND,ASSOC,NAME,MODE,FLAGS,POS >"$T/lsfd.json" 2>/dev/null || rm -f "$T/lsfd.json"

py - "$T" <<'PY' || fail "see above"
import json, os, re, sys
T = sys.argv[1]
load = lambda n: json.load(open(os.path.join(T, n)))
objs = {o["identity"]: o for o in load("list.json")["objects"]}
default = {o["identity"]: o for o in load("default.json")["objects"]}
st = load("state.json")
bad = []

def check(what, got, want):
    if got != want:
        bad.append(f"{what}: {got!r}, expected {want!r}")

def fdinfo(pid, fd):
    text = open(f"/proc/{pid}/fdinfo/{fd}").read()
    return dict(re.findall(r"^([\w-]+):\s*(\S+)", text, re.M))

def holders(o):
    return sorted((h["pid"], h["fd"], h["access"]) for h in o["holders"])

RTMIN = st["rtmin"]
def names(hexset):
    v, out = int(hexset, 16), []
    for s in range(1, 65):
        if not v & (1 << (s - 1)):
            continue
        if s < RTMIN:
            import signal
            try:
                out.append(signal.Signals(s).name)
            except ValueError:
                out.append(f"SIG{s}")
        elif s == RTMIN:
            out.append("SIGRTMIN")
        elif s == 64:
            out.append("SIGRTMAX")
        else:
            out.append(f"SIGRTMIN+{s - RTMIN}")
    return ",".join(out)

# gen eventfd: the fill, both holders, by the id the generator read.
for g in load("efd.json")["mechanisms"][0]["objects"]:
    ident = "eventfd:" + g["detail"].split("=")[1]
    o = objs.get(ident)
    if not o:
        bad.append(f"gen's {ident} not listed")
        continue
    check(f"{ident} count", o["eventfd"]["count"], 9)
    check(f"{ident} semaphore", o["eventfd"]["semaphore"], False)
    check(f"{ident} holders", holders(o), sorted((h["pid"], h["fd"], h["access"]) for h in g["holders"]))

# The state's eventfds, against their fdinfo.
for key, count, sem in (("efd_sem", 5, True), ("efd", 42, False)):
    fi = fdinfo(st["pid"], st[key])
    ident = "eventfd:" + fi["eventfd-id"]
    o = objs.get(ident)
    if not o:
        bad.append(f"{key} ({ident}) not listed")
        continue
    check(f"{key} count", o["eventfd"]["count"], int(fi["eventfd-count"], 16))
    check(f"{key} count", o["eventfd"]["count"], count)
    check(f"{key} semaphore", o["eventfd"]["semaphore"], sem)
    check(f"{key} id", o["eventfd"]["id"], int(fi["eventfd-id"]))
    check(f"{key} holders", holders(o), [(st["pid"], st[key], "rw"), (st["child"], st[key], "rw")])
    if ident not in default:
        bad.append(f"{ident} not in the default list")

# One signalfd through three fds (kcmp joins them), another file of the same mask apart.
mask = names(fdinfo(st["pid"], st["sfd"])["sigmask"])
check("sigmask as fdinfo names it", mask, "SIGUSR1,SIGRTMIN+3")
o = objs.get(f"signalfd:{st['pid']}:{st['sfd']}")
if not o:
    bad.append("the signalfd is not listed by its first holder")
else:
    check("signalfd mask", o["signalfd"]["mask"], mask)
    check("signalfd holders", holders(o), sorted([(st["pid"], st["sfd"], "rw"),
          (st["pid"], st["sfd_dup"], "rw"), (st["child"], st["sfd"], "rw")]))
o2 = objs.get(f"signalfd:{st['pid']}:{st['sfd2']}")
if not o2:
    bad.append("the second signalfd of the same mask is not an object of its own")
else:
    check("second signalfd holders", holders(o2), [(st["pid"], st["sfd2"], "rw")])

# Signals, against status.
def status(pid):
    return dict(re.findall(r"^(\w+):\s*(\S+)", open(f"/proc/{pid}/status").read(), re.M))
s = status(st["pid"])
o = objs.get(f"signal:{st['pid']}")
if not o:
    bad.append("the state's signals are not listed")
else:
    sg = o["signals"]
    check("pid", sg["pid"], st["pid"])
    check("pending (thread)", sg["pending"], "SIGUSR2")
    check("pending (thread) = SigPnd", sg["pending"], names(s["SigPnd"]))
    check("shared pending", sg["shared_pending"], "SIGUSR1,SIGRTMIN")
    check("shared pending = ShdPnd", sg["shared_pending"], names(s["ShdPnd"]))
    check("blocked = SigBlk", sg["blocked"], names(s["SigBlk"]))
    check("ignored = SigIgn", sg["ignored"], names(s["SigIgn"]))
    check("caught = SigCgt", sg["caught"], names(s["SigCgt"]))
    q, lim = map(int, s["SigQ"].split("/"))
    check("queue limit", sg["queue_limit"], lim)
    # SigQ counts every signal queued to the user (uid 0: the host's too): at least ours.
    if sg["queued"] < 5:
        bad.append(f"queued {sg['queued']}: the state alone has 5 queued")
    if f"signal:{st['pid']}" not in default:
        bad.append("a signalfd holder with signals pending is not in the default list")
# The child holds the signalfd and has nothing pending: -t signal lists it, the default not.
c = objs.get(f"signal:{st['child']}")
if not c:
    bad.append("-t signal does not list the signalfd holder without pending signals")
else:
    check("child pending", (c["signals"]["pending"], c["signals"]["shared_pending"]), ("", ""))
if f"signal:{st['child']}" in default:
    bad.append("the default list shows signals of a process with nothing pending")

# gen signal --fill 4: SIGRTMIN left queued at the receiver, which holds no signalfd.
g = load("sig.json")["mechanisms"][0]["objects"][0]
recv = [h["pid"] for h in g["holders"] if h["role"] == "receiver"][0]
o = objs.get(f"signal:{recv}")
if not o:
    bad.append("gen signal's receiver is not listed by -t signal")
else:
    check("receiver shared pending", o["signals"]["shared_pending"], "SIGRTMIN")
    check("receiver pending = ShdPnd", o["signals"]["shared_pending"], names(status(recv)["ShdPnd"]))
if f"signal:{recv}" in default:
    bad.append("the default list shows signals of a process that holds no signalfd")

# gen signal --hold without a fill: one SIGUSR1 pending and blocked for the whole hold, while
# a SIGRTMIN a second goes through (it may be caught queued for an instant).
g = load("sighold.json")["mechanisms"][0]["objects"][0]
recv = [h["pid"] for h in g["holders"] if h["role"] == "receiver"][0]
check("held receiver's detail", "pending=SIGUSR1" in g["detail"], True)
o = objs.get(f"signal:{recv}")
if not o:
    bad.append("gen signal --hold's receiver is not listed by -t signal")
else:
    sg = o["signals"]
    check("held receiver: SIGUSR1 pending", "SIGUSR1" in sg["shared_pending"].split(","), True)
    check("held receiver: SIGUSR1 blocked", "SIGUSR1" in sg["blocked"].split(","), True)
    check("held receiver: SIGUSR1 pending in status", "SIGUSR1" in names(status(recv)["ShdPnd"]).split(","), True)
    check("held receiver: SIGUSR1 caught", "SIGUSR1" in sg["caught"].split(","), True)

# lsfd (util-linux 2.38) sees the same fds on these anonymous inodes: field by field where
# it shows the same thing (pid, command, fd, access from MODE, which of the two kinds by its
# NAME; its INODE is the one anon inode all of them share, and it has no eventfd id, count or
# sigmask before 2.39), and no fd either side lacks.
lp = os.path.join(T, "lsfd.json")
if os.path.exists(lp):
    lpids = {h["pid"] for o in load("efd.json")["mechanisms"][0]["objects"] for h in o["holders"]} | {st["pid"]}
    seen = sorted((e["pid"], e["command"], int(e["assoc"]), e["mode"].replace("-", "").replace("x", ""),
                   e["name"][len("anon_inode:["):-1])
                  for e in json.load(open(lp))["lsfd"]
                  if e["name"] in ("anon_inode:[eventfd]", "anon_inode:[signalfd]") and e["assoc"].isdigit())
    ours = sorted((h["pid"], h["comm"], h["fd"], h["access"], o["kind"]) for o in objs.values()
                  if o["kind"] in ("eventfd", "signalfd") for h in o["holders"] if h["pid"] in lpids)
    check("eventfd and signalfd holders as lsfd shows them (pid, command, fd, access, kind)", ours, seen)
    if not any(k == "signalfd" for *_, k in seen) or not any(k == "eventfd" for *_, k in seen):
        bad.append(f"lsfd showed no eventfd or no signalfd: {seen}")
    # What the flags say of access agrees with MODE (the kernel's f_mode, seen two ways).
    for e in json.load(open(lp))["lsfd"]:
        if e["name"].startswith("anon_inode:[") and e["assoc"].isdigit() and e["pid"] in lpids:
            acc = "rw" if "rdwr" in e["flags"].split(",") else "w" if "wronly" in e["flags"].split(",") else "r"
            mine = [h["access"] for o in objs.values() for h in o["holders"]
                    if h["pid"] == e["pid"] and h["fd"] == int(e["assoc"])]
            if e["name"] in ("anon_inode:[eventfd]", "anon_inode:[signalfd]"):
                check(f"access of {e['pid']}:{e['assoc']} against lsfd FLAGS {e['flags']}", mine, [acc])
else:
    print("note: lsfd -J not available, not compared")

if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
PY
echo "ok: eventfd, signalfd and signal objects match fdinfo, status and lsfd"
