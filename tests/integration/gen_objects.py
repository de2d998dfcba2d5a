#!/usr/bin/python3
"""Check the objects a `gen -J` document names against the kernel, not against ipcscope.

usage: gen_objects.py present DOC   every object exists: SysV ids in /proc/sysvipc, names
                                    in /dev/mqueue and /dev/shm, paths on disk; every holder
                                    holds it: /proc/PID/fd/FD is that inode with that access
                                    mode (fdinfo), or /proc/PID/maps maps it, or PID lives
       gen_objects.py gone DOC      nothing of it remains: no id, name, path, temporary
                                    directory or process (the generator's or a holder's)
Exit 0 when all holds, 1 with one line per problem."""
import json
import os
import sys

ACC = {"r": 0, "w": 1, "rw": 2}
SYSV = {"sysv-msg": "msg", "sysv-shm": "shm", "sysv-sem": "sem"}


def sysv_ids(kind):
    ids = {}
    with open(f"/proc/sysvipc/{kind}") as f:
        next(f)
        for line in f:
            w = line.split()
            ids[int(w[1])] = int(w[0]) & 0xffffffff
    return ids


def maps(pid):
    try:
        with open(f"/proc/{pid}/maps") as f:
            return f.read()
    except OSError:
        return ""


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[-1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def paths_of(o):
    """Files the object is named by on this host."""
    name = o.get("name")
    if not name or o["kind"] == "memfd":  # a memfd's name is in no directory
        return []
    if o["kind"] == "posix-mq":
        return [f"/dev/mqueue/{name[1:]}"] if os.path.isdir("/dev/mqueue") else []
    if o["kind"] == "posix-shm":
        return [f"/dev/shm/{name[1:]}"]
    if o["kind"] == "posix-sem":
        return [f"/dev/shm/sem.{name[1:]}"]
    return [name]


def mapped(o, pid):
    m = maps(pid)
    if o["kind"] == "sysv-shm":
        return f"SYSV{o['key']:08x}" in m
    if o["kind"] == "mmap" and o.get("role") == "anonymous":
        start = o["detail"].split("map=")[1].split("-")[0]
        return any(line.startswith(start + "-") for line in m.splitlines())
    if o["kind"] == "posix-sem" and o.get("role") == "unnamed":
        return alive(pid)  # inside an anonymous mapping: the process is what can be checked
    if "inode" in o:
        # By inode: glibc maps a named semaphore under its temporary name (sem.XXXXXX, deleted).
        return any(len(w) > 4 and w[4] == str(o["inode"]) for w in map(str.split, m.splitlines()))
    return any(p in m for p in paths_of(o))


def present(doc):
    bad = []
    for mech in doc["mechanisms"]:
        for o in mech["objects"]:
            what = f"{mech['mechanism']} {o['kind']} {o.get('role', '')}".rstrip()
            if o["kind"] in SYSV:
                ids = sysv_ids(SYSV[o["kind"]])
                if o["id"] not in ids:
                    bad.append(f"{what}: id {o['id']} not in /proc/sysvipc")
                elif ids[o["id"]] != o["key"]:
                    bad.append(f"{what}: id {o['id']} has key {ids[o['id']]:#x}, not {o['key']:#x}")
            for p in paths_of(o):
                if not os.path.exists(p):
                    bad.append(f"{what}: {p} does not exist")
            if not o["holders"]:
                bad.append(f"{what}: no holders")
            for h in o["holders"]:
                pid = h["pid"]
                if not alive(pid):
                    bad.append(f"{what}: holder {pid} ({h['role']}) is not alive")
                    continue
                if "fd" in h:
                    link = f"/proc/{pid}/fd/{h['fd']}"
                    try:
                        ino = os.stat(link).st_ino
                    except OSError as e:
                        bad.append(f"{what}: {link}: {e.strerror}")
                        continue
                    if "inode" in o and ino != o["inode"]:
                        bad.append(f"{what}: {link} is inode {ino}, not {o['inode']}")
                    with open(f"/proc/{pid}/fdinfo/{h['fd']}") as f:
                        flags = int(f.read().split("flags:")[1].split()[0], 8)
                    if h["access"] in ACC and flags & 3 != ACC[h["access"]]:
                        bad.append(f"{what}: {link} opened with mode {flags & 3}, not {h['access']}")
                elif o["kind"] in ("sysv-shm", "posix-shm", "mmap", "posix-sem", "memfd"):
                    if not mapped(o, pid):
                        bad.append(f"{what}: not mapped by {pid} ({h['role']})")
    return bad


def gone(doc):
    bad = []
    if alive(doc["pid"]):
        bad.append(f"the generator {doc['pid']} still runs")
    if "tmpdir" in doc and os.path.exists(doc["tmpdir"]):
        bad.append(f"{doc['tmpdir']} remains: {os.listdir(doc['tmpdir'])}")
    for mech in doc["mechanisms"]:
        for o in mech["objects"]:
            what = f"{mech['mechanism']} {o['kind']} {o.get('role', '')}".rstrip()
            if o["kind"] in SYSV:
                ids = sysv_ids(SYSV[o["kind"]])
                if o["id"] in ids and ids[o["id"]] == o["key"]:
                    bad.append(f"{what}: id {o['id']} remains")
            for p in paths_of(o):
                if os.path.exists(p):
                    bad.append(f"{what}: {p} remains")
            for h in o["holders"]:
                if alive(h["pid"]):
                    bad.append(f"{what}: holder {h['pid']} ({h['role']}) still runs")
    # Whatever name carries this run's pid, in case an object was not even reported.
    tag = f"ipcscope-{doc['pid']}-"
    for d in ("/dev/mqueue", "/dev/shm"):
        if os.path.isdir(d):
            bad += [f"{d}/{n} remains" for n in os.listdir(d) if tag in n]
    return bad


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("present", "gone"):
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[2]) as f:
        doc = json.load(f)
    bad = present(doc) if sys.argv[1] == "present" else gone(doc)
    for b in bad:
        print(f"{sys.argv[1]}: {b}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
