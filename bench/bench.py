#!/usr/bin/env python3
"""clearml-sso against `kubectl kustomize` doing the same work, in one run.

The work: add the SSO variables of bench/policy.toml (11 env entries) to the apiserver
Deployments of a rendered stream. clearml-sso does it as a post-renderer (`render`);
kustomize with a strategic-merge patch targeting every Deployment named `*-apiserver`.
The floor is a bare serde_yaml parse of the same stream (examples/parse_floor.rs) as a process.

Inputs: the bundled example chart's render; one generated ClearML-like release (~45 KB, the
size of the public chart's render); and generated streams of many such releases, each with its
own apiserver, of about 1.8 MB and 9 MB.

For each input: the median wall time of each tool over several runs (runs alternate between
the tools, so machine noise hits both alike), their ratio, peak RSS (from wait4), and the
targets of issue 5. Called by bench/run, which builds the binaries and fetches kubectl.
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def elapsed(cmd):
    """Wall seconds of one run; fails loudly if the command fails."""
    with tempfile.TemporaryFile() as errfile:  # a pipe could fill up and block the child
        start = time.perf_counter()
        proc = subprocess.run(list(map(str, cmd)), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errfile)
        took = time.perf_counter() - start
        if proc.returncode != 0:
            errfile.seek(0)
            sys.exit(f"benchmark command failed: {' '.join(map(str, cmd))}\n{errfile.read().decode(errors='replace')}")
    return took


def peak_rss(cmd):
    """Peak RSS bytes of one run, from GNU time (`%M`), in a run of its own: a forked Python's
    memory would otherwise count as the child's, and the wrapper would add to the timings."""
    with tempfile.NamedTemporaryFile() as rss:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", rss.name, *map(str, cmd)], check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(Path(rss.name).read_text().strip().splitlines()[-1]) * 1024


def release(i):
    """One ClearML-like release (about 45 KB, 33 documents), names unique per release."""
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True, help="release clearml-sso binary")
    ap.add_argument("--floor", required=True, help="release parse_floor example binary")
    ap.add_argument("--kubectl", required=True)
    ap.add_argument("--helm", required=True)
    ap.add_argument("--quick", action="store_true", help="skip the 9 MB input (kustomize takes minutes on it)")
    ap.add_argument("--json", help="also write the results as JSON to this file")
    args = ap.parse_args()
    policy = ROOT / "bench" / "policy.toml"
    values = subprocess.run([args.tool, "values", "--policy", str(policy)], capture_output=True, text=True, check=True)
    import yaml  # PyYAML, from the venv scripts/fetch-test-deps makes

    env_entries = yaml.safe_load(values.stdout)["apiserver"]["extraEnvs"]

    tmp = Path(tempfile.mkdtemp(prefix="clearml-sso-bench-"))
    inputs = []
    chart = tmp / "chart.yaml"
    chart.write_bytes(subprocess.run(
        [args.helm, "template", "clearml", str(ROOT / "examples/chart/clearml"), "-f",
         str(ROOT / "examples/values-sso-secret.yaml"), "--skip-tests"], capture_output=True, check=True).stdout)
    inputs.append(("example chart", chart, 21, 7))
    one = tmp / "release.yaml"
    generate(one, 1)
    inputs.append(("1 ClearML-like release", one, 21, 7))
    mb18 = tmp / "1.8MB.yaml"
    generate(mb18, 1_800_000)
    inputs.append(("1.8 MB, many releases", mb18, 11, 3))
    if not args.quick:
        mb9 = tmp / "9MB.yaml"
        generate(mb9, 9_000_000)
        inputs.append(("9 MB, many releases", mb9, 5, 1))

    results = []
    for name, path, runs, kruns in inputs:
        size = path.stat().st_size
        docs = path.read_text().count("\n---\n") + 1
        kdir = kustomization(tmp / f"k-{path.stem}", path, env_entries)
        ours_cmd = [args.tool, "render", "--policy", policy, path]
        kust_cmd = [args.kubectl, "kustomize", kdir]
        floor_cmd = [args.floor, path]
        ours, theirs, floor = [], [], []
        for i in range(runs):
            ours.append(elapsed(ours_cmd))
            floor.append(elapsed(floor_cmd))
            if i < kruns:
                theirs.append(elapsed(kust_cmd))
        med = statistics.median
        results.append({
            "input": name, "bytes": size, "documents": docs,
            "clearml_sso_s": med(ours), "kustomize_s": med(theirs), "floor_s": med(floor),
            "speedup": med(theirs) / med(ours), "vs_floor": med(ours) / med(floor),
            "clearml_sso_rss": max(peak_rss(ours_cmd) for _ in range(3)),
            "kustomize_rss": peak_rss(kust_cmd),
            "runs": [runs, kruns],
        })
        print(f"measured {name}", file=sys.stderr)

    print(f"{'input':<24} {'size':>9} {'docs':>6} {'clearml-sso':>12} {'kustomize':>10} {'ratio':>8} "
          f"{'floor':>9} {'vs floor':>9} {'RSS ours':>9} {'RSS kust.':>10}")
    for r in results:
        print(f"{r['input']:<24} {r['bytes'] / 1e6:>7.3f}MB {r['documents']:>6} {r['clearml_sso_s'] * 1e3:>10.1f}ms "
              f"{r['kustomize_s']:>9.2f}s {r['speedup']:>7.0f}x {r['floor_s'] * 1e3:>7.1f}ms {r['vs_floor']:>8.2f}x "
              f"{r['clearml_sso_rss'] / 2**20:>7.1f}MiB {r['kustomize_rss'] / 2**20:>8.1f}MiB")

    by = {r["input"]: r for r in results}
    checks = [
        ("≥ 50× kustomize on the example chart", by["example chart"]["speedup"] >= 50),
        ("≥ 50× kustomize on one ClearML-like release", by["1 ClearML-like release"]["speedup"] >= 50),
        ("≥ 100× kustomize at 1.8 MB", by["1.8 MB, many releases"]["speedup"] >= 100),
    ]
    if "9 MB, many releases" in by:
        a, b = by["1.8 MB, many releases"], by["9 MB, many releases"]
        growth = (b["clearml_sso_s"] / a["clearml_sso_s"]) / (b["bytes"] / a["bytes"]) * 5
        checks.append((f"5× the input costs ≤ 7× the time (measured {growth:.2f}× per 5×)", growth <= 7))
    for r in results:
        limit = 4 * r["bytes"] + 20 * 2**20
        checks.append((f"peak RSS ≤ 4× input + 20 MiB on {r['input']} ({r['clearml_sso_rss'] / 2**20:.1f} ≤ {limit / 2**20:.1f} MiB)",
                       r["clearml_sso_rss"] <= limit))
    for r in results:
        if r["bytes"] >= 1_000_000:
            checks.append((f"within 2× of the bare parse on {r['input']} ({r['vs_floor']:.2f}×)", r["vs_floor"] <= 2))
    print()
    for text, ok in checks:
        print(f"  {'met ' if ok else 'MISS'}  {text}")
    if args.json:
        Path(args.json).write_text(json.dumps({"results": results, "checks": checks}, indent=2))
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
