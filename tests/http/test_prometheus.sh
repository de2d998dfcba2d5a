#!/usr/bin/env bash
# test_prometheus.sh - a real Prometheus (Debian's, on loopback, a temporary TSDB) scrapes a
# real `ipcscope serve` every second, with packaging/prometheus/ipcscope.rules.yml loaded.
# Its HTTP API must say: the target is up with no scrape error, every rule evaluates
# without error, and ipcscope_objects per kind equals what `list -J` counts. Every query of
# the Grafana board (packaging/grafana/ipcscope.json) names only metrics the exposition
# has, and Prometheus answers each with data. In private namespaces, so that the objects
# counted are the generators'.
. "$SRCDIR/tests/tools/testlib.sh"
isolate "$@"
command -v prometheus >/dev/null || skip "no prometheus (packaging/install-deps.sh installs Debian's)"
. "$SRCDIR/tests/http/lib/serve-lib.sh"

PROM_PID=
cleanup_prom() {
    [ -n "$PROM_PID" ] && kill -TERM "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
    cleanup_http
}
trap cleanup_prom EXIT

start_gen "$T/gen.json" sysv-msg --count 3 --hold 300 --fill 2
start_gen "$T/gen2.json" posix-mq sysv-shm --hold 300 --fill 1
start_server --interval 1
PORT=$(py -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PROM="http://127.0.0.1:$PORT"
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $SRCDIR/packaging/prometheus/ipcscope.rules.yml
scrape_configs:
  - job_name: ipcscope
    static_configs:
      - targets: ["${BASE#http://}"]
YML
promtool check config "$T/prometheus.yml" >/dev/null || fail "promtool check config"
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/tsdb" \
    --web.listen-address="127.0.0.1:$PORT" --log.level=warn >"$T/prom.log" 2>&1 &
PROM_PID=$!
for _ in $(seq 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$PROM/-/ready")" = 200 ] && break
    kill -0 "$PROM_PID" 2>/dev/null || { cat "$T/prom.log" >&2; fail "prometheus exited"; }
    sleep 0.1
done
[ "$(curl -s -o /dev/null -w '%{http_code}' "$PROM/-/ready")" = 200 ] || fail "prometheus not ready in 30 s"

# q EXPR: the instant query's JSON to stdout (status checked by the caller).
q() { curl -s --get --data-urlencode "query=$1" "$PROM/api/v1/query"; }

# Up, with three successful scrapes, and the rules evaluated.
ok=
for _ in $(seq 300); do
    n=$(q 'count_over_time(up{job="ipcscope"}[1m])' | py -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
    if [ "${n%.*}" -ge 3 ]; then ok=1; break; fi
    sleep 0.2
done
[ -n "$ok" ] || { cat "$T/prom.log" >&2; fail "fewer than 3 scrapes in 60 s"; }
sleep 2  # a rule evaluation after the scrapes

"$IPCSCOPE" list -J >"$T/list.json" 2>/dev/null || fail "list -J"
curl -s "$PROM/api/v1/targets" >"$T/targets.json"
curl -s "$PROM/api/v1/rules" >"$T/rules.json"
curl -s "$BASE/metrics" >"$T/metrics"
py - "$T" "$PROM" "$SRCDIR/packaging/grafana/ipcscope.json" <<'PY' || fail "prometheus disagrees"
import json, re, sys, urllib.parse, urllib.request
T, prom, board = sys.argv[1:4]
def query(e):
    url = f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": e})
    with urllib.request.urlopen(url) as r:
        d = json.load(r)
    assert d["status"] == "success", (e, d)
    return d["data"]["result"]

targets = json.load(open(f"{T}/targets.json"))["data"]["activeTargets"]
assert len(targets) == 1, targets
t = targets[0]
assert t["health"] == "up" and t["lastError"] == "", t
up = query('up{job="ipcscope"}')
assert up and up[0]["value"][1] == "1", up
samples = query('scrape_samples_scraped{job="ipcscope"}')
assert float(samples[0]["value"][1]) > 50, samples
print(f"target up, {samples[0]['value'][1]} samples a scrape, no scrape error")

rules = [r for g in json.load(open(f"{T}/rules.json"))["data"]["groups"] for r in g["rules"]]
assert len(rules) >= 7, rules
for r in rules:
    assert r["health"] == "ok" and not r.get("lastError"), r
    assert not r["lastEvaluation"].startswith("0001"), f"{r['name']} never evaluated"
print(f"{len(rules)} rules evaluated without error")

# Counts: what the generators made, as list -J and as Prometheus see it.
objs = json.load(open(f"{T}/list.json"))["objects"]
for kind in ("sysv-msg", "sysv-shm", "posix-mq"):
    want = sum(1 for o in objs if o["kind"] == kind)
    got = sum(float(x["value"][1]) for x in query(f'ipcscope_objects{{kind="{kind}"}}'))
    assert want > 0 and got == want, (kind, want, got)
print("ipcscope_objects equals list -J for sysv-msg, sysv-shm, posix-mq")

# The Grafana board: every metric a query names is in the exposition, and Prometheus
# answers every query, with $host as "All", with data.
exposed = {l.split("{")[0].split(" ")[0] for l in open(f"{T}/metrics") if l and not l.startswith("#")}
b = json.load(open(board))
exprs = [t["expr"] for p in b["panels"] for t in p.get("targets", [])]
exprs.append(b["templating"]["list"][0]["query"]["query"].replace("label_values(", "group by (instance) (").replace(", instance)", ")"))
assert len(exprs) >= 10, exprs
funcs = {"sum", "max", "min", "count", "topk", "rate", "time", "by", "without", "group", "ignoring", "instance", "kind", "name", "le"}
for e in exprs:
    names = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*\{", e)) | set(re.findall(r"\b(ipcscope_[a-z0-9_]+)\b", e))
    for n in names - funcs:
        assert n in exposed, f"{n} in {e!r} is not in ipcscope's exposition"
    e2 = e.replace('"$host"', '".+"').replace("$__rate_interval", "1m")
    assert query(e2), f"no data for {e2!r}"
print(f"{len(exprs)} Grafana queries: only exported metrics, each answered with data")
PY
echo "ok"
