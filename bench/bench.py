#!/usr/bin/env python3
"""The benchmark: clearml-sso against a baseline build, two parse floors and `kubectl kustomize`
doing the same work, in one run. Called by bench/run (`run`) and bench/instructions
(`instructions`), which build the binaries and fetch the tools.

The work: add the SSO variables of bench/policy.toml (11 env entries) to the apiserver
Deployments of a rendered stream. clearml-sso does it as a post-renderer (`render`);
kustomize with a strategic-merge patch targeting every Deployment named `*-apiserver`.

The floors, as processes like clearml-sso (read the file, parse, exit): every event of the
stream read by saphyr-parser, the parser under the tool's tree and its validation
(examples/event_floor.rs), which the targets are against; and a serde_yaml parse into values
(examples/parse_floor.rs), shown beside it.

Inputs: the bundled example chart's render; one generated ClearML-like release (46 KB, the
size of the public chart's render); streams of many such releases, each with its own
apiserver, of about 360 KB, 1.8 MB and 9 MB.

`run` measures, for each input: instructions (valgrind --tool=callgrind; repeatable on a shared
machine, unlike wall time) of the tool, the baseline and both floors; the minimum wall time of
each over several runs (runs alternate between the commands, so machine noise hits all alike);
peak RSS (GNU time). It checks the tool's stdout and exit code are the baseline's, byte for
byte, on every input, and prints whether each target of issue 20, and issue 17's bar (no more
instructions than the baseline), is met. Exit 1 when a target is missed, 2 when the outputs
differ or a command fails.
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "bench" / "policy.toml"


def fail(message):
    print(f"bench: {message}", file=sys.stderr)
    sys.exit(2)


def elapsed(cmd):
    """Wall seconds of one run; fails loudly if the command fails."""
    with tempfile.TemporaryFile() as errfile:  # a pipe could fill up and block the child
        start = time.perf_counter()
        proc = subprocess.run(list(map(str, cmd)), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errfile)
        took = time.perf_counter() - start
        if proc.returncode != 0:
            errfile.seek(0)
            fail(f"command failed: {' '.join(map(str, cmd))}\n{errfile.read().decode(errors='replace')}")
    return took


def peak_rss(time_bin, cmd):
    """Peak RSS bytes of one run, from GNU time (`%M`), in a run of its own: a forked Python's
    memory would otherwise count as the child's, and the wrapper would add to the timings."""
    with tempfile.NamedTemporaryFile() as rss:
        proc = subprocess.run([time_bin, "-f", "%M", "-o", rss.name, *map(str, cmd)],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if proc.returncode != 0:
            fail(f"command failed: {' '.join(map(str, cmd))}")
        return int(Path(rss.name).read_text().strip().splitlines()[-1]) * 1024


def instructions(valgrind, cmd, workdir):
    """Instructions of one run under callgrind (all threads), or the failure."""
    out = Path(workdir) / "callgrind.out"
    proc = subprocess.run([valgrind, "--tool=callgrind", f"--callgrind-out-file={out}", *map(str, cmd)],
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.decode(errors="replace")
    found = re.search(r"Collected : (\d+)", err)
    if proc.returncode != 0 or not found:
        fail(f"command failed under callgrind: {' '.join(map(str, cmd))}\n{err}")
    out.unlink(missing_ok=True)
    return int(found.group(1))


def outcome(cmd):
    """(exit code, stdout, stderr) of one run."""
    proc = subprocess.run(list(map(str, cmd)), stdin=subprocess.DEVNULL, capture_output=True)
    return proc.returncode, proc.stdout, proc.stderr


def release(i):
    """One ClearML-like release (about 46 KB, 27 documents), names unique per release."""
    r = f"clearml{i}"
    docs = []

    def doc(source, body):
        docs.append(f"---\n# Source: clearml/templates/{source}\n{body}")

    labels = f"""  labels:
    helm.sh/chart: clearml-7.14.0
    app.kubernetes.io/name: clearml
    app.kubernetes.io/instance: {r}
    app.kubernetes.io/version: "2.0.0"
    app.kubernetes.io/managed-by: Helm"""
    env = "\n".join(
        f"""            - name: CLEARML__services__setting_{k}__value
              value: "{k * 7919 % 100003}\"""" for k in range(30)
    )
    for comp in ["apiserver", "fileserver", "webserver", "apps", "agentservices"]:
        doc(f"{comp}-service.yaml", f"""apiVersion: v1
kind: Service
metadata:
  name: {r}-{comp}
{labels}
spec:
  type: ClusterIP
  ports:
    - port: 8008
      targetPort: 8008
      protocol: TCP
      name: http
  selector:
    app.kubernetes.io/name: {comp}
    app.kubernetes.io/instance: {r}
""")
        doc(f"{comp}-pdb.yaml", f"""apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {r}-{comp}-pdb
{labels}
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {comp}
""")
        doc(f"{comp}-configmap.yaml", f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {r}-{comp}-configmap
{labels}
data:
  services.conf: |
""" + "".join(f"    section_{k} {{ enabled: true, timeout: {k * 13}, name: \"{comp}-{k}\" }}\n" for k in range(25)))
    for comp in ["apiserver", "apiserver-asyncdelete", "fileserver", "webserver", "apps", "agentservices"]:
        container = "clearml-apiserver" if comp.startswith("apiserver") else f"clearml-{comp}"
        doc(f"{comp}-deployment.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {r}-{comp}
{labels}
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {comp}
      app.kubernetes.io/instance: {r}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {comp}
        app.kubernetes.io/instance: {r}
      annotations:
        checksum/config: 5e0b4e6f3f0d3c2a1b0a9f8e7d6c5b4a3f2e1d0c
    spec:
      serviceAccountName: {r}-{comp}
      securityContext:
        fsGroup: 1000
      initContainers:
        - name: init-{comp}
          image: "docker.io/allegroai/clearml:2.0.0"
          command:
            - /bin/sh
            - -c
            - >
              set -x;
              while [ $(curl -sw '%{{http_code}}' "http://{r}-elastic:9200/_cluster/health" -o /dev/null) -ne 200 ] ; do
                echo "waiting for elasticsearch" ;
                sleep 5 ;
              done
      containers:
        - name: {container}
          image: "docker.io/allegroai/clearml:2.0.0"
          imagePullPolicy: IfNotPresent
          ports:
            - name: http
              containerPort: 8008
              protocol: TCP
          env:
            - name: CLEARML_ELASTIC_SERVICE_HOST
              value: "{r}-elastic-master"
            - name: CLEARML__secure__credentials__apiserver__user_key
              valueFrom:
                secretKeyRef:
                  name: {r}-conf
                  key: apiserver_key
{env}
          livenessProbe:
            initialDelaySeconds: 60
            httpGet:
              path: /debug.ping
              port: 8008
          resources:
            requests: {{cpu: 100m, memory: 256Mi}}
            limits: {{cpu: "2", memory: 4Gi}}
          volumeMounts:
            - name: config
              mountPath: /opt/clearml/config
      volumes:
        - name: config
          configMap:
            name: {r}-apiserver-configmap
""")
    for comp in ["apiserver", "fileserver", "webserver", "apps"]:
        doc(f"{comp}-serviceaccount.yaml", f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {r}-{comp}
{labels}
""")
    doc("secrets.yaml", f"""apiVersion: v1
kind: Secret
metadata:
  name: {r}-conf
{labels}
type: Opaque
data:
  apiserver_key: R0dTOUY0TTZYQjJEWEo1QUZUOUY=
  apiserver_secret: Mm9HdWpWRmhQZmFvemhwdXoyR3pRZkE1T3l4bU1zUjNXVkpwc0NSNWhyZ0hGczIwUE8=
""")
    doc("fileserver-pvc.yaml", f"""apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: {r}-fileserver-data
{labels}
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests:
      storage: 50Gi
""")
    return "".join(docs)


def generate(path, target_bytes):
    parts, size, i = [], 0, 0
    while size < target_bytes:
        text = release(i)
        parts.append(text)
        size += len(text)
        i += 1
    Path(path).write_text("".join(parts))
    return i


def kustomization(workdir, stream, env_entries):
    """A kustomize directory that adds `env_entries` to every `*-apiserver` Deployment."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "all.yaml").write_bytes(Path(stream).read_bytes())
    env_yaml = json.dumps(env_entries)
    patch = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: any\nspec:\n  template:\n    spec:\n"
        f"      containers:\n      - name: clearml-apiserver\n        env: {env_yaml}\n"
    )
    (workdir / "kustomization.yaml").write_text(
        "resources:\n- all.yaml\npatches:\n- target:\n    kind: Deployment\n    name: \".*-apiserver$\"\n"
        "  patch: |-\n" + "".join(f"    {line}\n" for line in patch.splitlines())
    )
    return workdir



# (key, label, bytes to generate or None for the chart's render)
INPUTS = [
    ("chart", "example chart", None),
    ("46KB", "one release, 46 KB", 1),
    ("360KB", "releases, 360 KB", 360_000),
    ("1.8MB", "releases, 1.8 MB", 1_800_000),
    ("9MB", "releases, 9 MB", 9_000_000),
]
# Wall-time runs per input (clearml-sso, baseline and floors; kustomize): the minimum is kept.
RUNS = {"chart": (21, 7), "46KB": (21, 7), "360KB": (11, 5), "1.8MB": (11, 3), "9MB": (5, 1)}


def make_inputs(keys, helm, tmp):
    """Writes the inputs named by `keys` into `tmp`; returns [(key, label, path)]."""
    made = []
    for key, label, size in INPUTS:
        if key not in keys:
            continue
        path = tmp / f"{key}.yaml"
        if size is None:
            path.write_bytes(subprocess.run(
                [helm, "template", "clearml", str(ROOT / "examples/chart/clearml"), "-f",
                 str(ROOT / "examples/values-sso-secret.yaml"), "--skip-tests"], capture_output=True, check=True).stdout)
        else:
            generate(path, size)
        made.append((key, label, path))
    return made


def render(binary, path):
    return [binary, "render", "--policy", POLICY, path]


def same_output(first, other, path, label):
    """Fails unless `other` renders `path` with `first`'s exit code and stdout; a difference on
    stderr alone is reported (a message's wording may have changed since a baseline)."""
    a, b = outcome(render(first, path)), outcome(render(other, path))
    if a[0] != b[0] or a[1] != b[1]:
        fail(f"{other} renders {label} differently from {first} (exit {b[0]} vs {a[0]}, "
             f"stdout {'the same' if a[1] == b[1] else 'differs'})")
    if a[2] != b[2]:
        print(f"note: {other} writes another stderr than {first} on {label}", file=sys.stderr)
    if a[0] != 0:
        fail(f"{first} exits {a[0]} on {label}:\n{a[2].decode(errors='replace')}")


def millions(n):
    return f"{n / 1e6:,.2f}M"


def instructions_main(args):
    """Instructions per render of one or more binaries and both floors, outputs checked identical."""
    keys = args.inputs.split(",")
    tmp = Path(tempfile.mkdtemp(prefix="clearml-sso-instructions-"))
    for i, b in enumerate(args.binaries, 1):
        print(f"binary {i}: {b}")
    head = f"{'input':<20} {'bytes':>10} {'event floor':>12} {'serde floor':>12}"
    head += "".join(f" {f'binary {i}':>30}" for i in range(1, len(args.binaries) + 1))
    print(head)
    for key, label, path in make_inputs(keys, args.helm, tmp):
        for b in args.binaries[1:]:
            same_output(args.binaries[0], b, path, label)
        event = instructions(args.valgrind, [args.event_floor, path], tmp)
        serde = instructions(args.valgrind, [args.serde_floor, path], tmp)
        line = f"{key:<20} {path.stat().st_size:>10} {millions(event):>12} {millions(serde):>12}"
        for b in args.binaries:
            n = instructions(args.valgrind, render(b, path), tmp)
            line += f" {millions(n):>14} ({n / event:5.2f}× event)"
        print(line, flush=True)
    return 0


def run_main(args):
    keys = [key for key, _, _ in INPUTS]
    tool, base = args.tool, args.baseline_tool
    import yaml  # PyYAML, from the venv scripts/fetch-test-deps makes

    values = subprocess.run([tool, "values", "--policy", str(POLICY)], capture_output=True, text=True, check=True)
    env_entries = yaml.safe_load(values.stdout)["apiserver"]["extraEnvs"]
    tmp = Path(tempfile.mkdtemp(prefix="clearml-sso-bench-"))
    results = []
    for key, label, path in make_inputs(keys, args.helm, tmp):
        size = path.stat().st_size
        same_output(base, tool, path, label)
        docs = int(outcome([args.event_floor, path])[1])
        r = {"input": key, "label": label, "bytes": size, "documents": docs}
        cmds = {"tool": render(tool, path), "baseline": render(base, path),
                "event": [args.event_floor, path], "serde": [args.serde_floor, path]}
        if args.valgrind:
            r["instructions"] = {name: instructions(args.valgrind, cmd, tmp) for name, cmd in cmds.items()}
        runs, kruns = RUNS[key]
        skip_kustomize = args.quick and key == "9MB"
        if not skip_kustomize:
            cmds["kustomize"] = [args.kubectl, "kustomize", kustomization(tmp / f"k-{key}", path, env_entries)]
        times = {name: [] for name in cmds}
        for i in range(runs):
            for name, cmd in cmds.items():
                if name != "kustomize" or i < kruns:
                    times[name].append(elapsed(cmd))
        r["wall_s"] = {name: min(t) for name, t in times.items()}
        r["runs"] = {name: len(t) for name, t in times.items()}
        r["rss"] = {"tool": max(peak_rss(args.time, cmds["tool"]) for _ in range(3)),
                    "baseline": peak_rss(args.time, cmds["baseline"])}
        if not skip_kustomize:
            r["rss"]["kustomize"] = peak_rss(args.time, cmds["kustomize"])
        results.append(r)
        print(f"measured {label}", file=sys.stderr, flush=True)
    report(args, results)
    checks = targets(results)
    print()
    for text, ok in checks:
        print(f"  {'met ' if ok else 'n/a ' if ok is None else 'MISS'}  {text}")
    if args.json:
        Path(args.json).write_text(json.dumps({"baseline": args.baseline_name, "results": results,
                                               "checks": checks}, indent=2))
    return 1 if any(ok is False for _, ok in checks) else 0


def report(args, results):
    print(f"baseline: {args.baseline_name} ({args.baseline_tool}); outputs byte for byte the same on every input")
    if results and "instructions" in results[0]:
        print()
        print("Instructions (callgrind)")
        print(f"{'input':<20} {'bytes':>10} {'docs':>6} {'event floor':>12} {'serde floor':>12} "
              f"{'baseline':>12} {'this build':>12} {'× event':>8} {'per byte':>9} {'vs base':>8}")
        for r in results:
            n = r["instructions"]
            print(f"{r['label']:<20} {r['bytes']:>10} {r['documents']:>6} {millions(n['event']):>12} "
                  f"{millions(n['serde']):>12} {millions(n['baseline']):>12} {millions(n['tool']):>12} "
                  f"{n['tool'] / n['event']:>7.2f}× {n['tool'] / r['bytes']:>9.1f} "
                  f"{(n['tool'] / n['baseline'] - 1) * 100:>+7.1f}%")
    else:
        print("\nInstructions: not measured (no valgrind)")
    print()
    print("Wall time (minimum of the runs) and peak RSS")
    print(f"{'input':<20} {'this build':>11} {'baseline':>10} {'event fl.':>10} {'serde fl.':>10} "
          f"{'kustomize':>10} {'× kust.':>8} {'RSS':>9} {'RSS base':>9} {'RSS kust.':>10}")
    for r in results:
        w, m = r["wall_s"], r["rss"]
        kust = f"{w['kustomize']:>9.2f}s {w['kustomize'] / w['tool']:>7.0f}×" if "kustomize" in w else f"{'skipped':>10} {'':>8}"
        kust_rss = f"{m['kustomize'] / 2**20:>7.1f}MiB" if "kustomize" in m else f"{'':>10}"
        print(f"{r['label']:<20} {w['tool'] * 1e3:>9.1f}ms {w['baseline'] * 1e3:>8.1f}ms "
              f"{w['event'] * 1e3:>8.1f}ms {w['serde'] * 1e3:>8.1f}ms {kust} "
              f"{m['tool'] / 2**20:>6.1f}MiB {m['baseline'] / 2**20:>6.1f}MiB {kust_rss}")


def targets(results):
    """[(text, True/False, or None when not measured)]: issue 20's targets and issue 17's bar."""
    by = {r["input"]: r for r in results}
    checks = []
    counted = all("instructions" in r for r in results)
    for key, limit in [("chart", 2.0), ("46KB", 1.5), ("1.8MB", 1.5), ("9MB", 1.5)]:
        if key in by and counted:
            n = by[key]["instructions"]
            ratio = n["tool"] / n["event"]
            checks.append((f"render ≤ {limit}× the event floor on {by[key]['label']} ({ratio:.2f}×)", ratio <= limit))
        else:
            checks.append((f"render ≤ {limit}× the event floor on {key} (not measured)", None))
    linear = [by[k] for k in ("360KB", "1.8MB", "9MB") if k in by]
    if counted and len(linear) == 3:
        per = [r["instructions"]["tool"] / r["bytes"] for r in linear]
        spread = max(per) / min(per) - 1
        checks.append((f"instructions per byte within 10 % from 360 KB to 9 MB "
                       f"({min(per):.1f} to {max(per):.1f}, {spread * 100:.1f} %)", spread <= 0.10))
    else:
        checks.append(("instructions per byte within 10 % from 360 KB to 9 MB (not measured)", None))
    if "9MB" in by:
        r = by["9MB"]
        limit = 4 * r["bytes"] + 20 * 2**20
        checks.append((f"peak RSS at 9 MB ≤ 4× input + 20 MiB ({r['rss']['tool'] / 2**20:.1f} ≤ {limit / 2**20:.1f} MiB)",
                       r["rss"]["tool"] <= limit))
    for r in results:
        w = r["wall_s"]
        if "kustomize" in w:
            ratio = w["kustomize"] / w["tool"]
            checks.append((f"wall time ≥ 50× kubectl kustomize on {r['label']} ({ratio:.0f}×)", ratio >= 50))
        else:
            checks.append((f"wall time ≥ 50× kubectl kustomize on {r['label']} (not measured: --quick)", None))
    for r in results:
        if "instructions" in r:
            n = r["instructions"]
            checks.append((f"instructions ≤ the baseline's on {r['label']} ({millions(n['tool'])} vs {millions(n['baseline'])}, "
                           f"{(n['tool'] / n['baseline'] - 1) * 100:+.1f} %)", n["tool"] <= n["baseline"]))
        else:
            checks.append((f"instructions ≤ the baseline's on {r['label']} (not measured)", None))
    return checks


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="the benchmark (bench/run)")
    run.add_argument("--tool", required=True, help="release clearml-sso binary")
    run.add_argument("--baseline-tool", required=True, help="the baseline's clearml-sso binary")
    run.add_argument("--baseline-name", required=True, help="the baseline's commit, for the report")
    run.add_argument("--kubectl", required=True)
    run.add_argument("--time", default="/usr/bin/time", help="GNU time")
    run.add_argument("--quick", action="store_true", help="no kustomize at 9 MB (it takes minutes there)")
    run.add_argument("--json", help="also write the results as JSON to this file")
    ins = sub.add_parser("instructions", help="instructions only (bench/instructions)")
    ins.add_argument("--inputs", default="chart,46KB,1.8MB", help="of " + ",".join(k for k, _, _ in INPUTS))
    ins.add_argument("binaries", nargs="+")
    for p in (run, ins):
        p.add_argument("--event-floor", required=True, help="release event_floor example binary")
        p.add_argument("--serde-floor", required=True, help="release parse_floor example binary")
        p.add_argument("--helm", required=True)
        p.add_argument("--valgrind", required=p is ins, help="valgrind (no instruction counts without it)")
    args = ap.parse_args()
    if args.command == "instructions":
        unknown = set(args.inputs.split(",")) - {k for k, _, _ in INPUTS}
        if unknown:
            ap.error(f"unknown inputs {', '.join(sorted(unknown))}")
        return instructions_main(args)
    return run_main(args)


if __name__ == "__main__":
    sys.exit(main())
