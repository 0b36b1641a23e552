"""The end of the end-to-end differential (tests/oracle/e2e.rs): from the documents Kubernetes
reads out of a render (the go-yaml oracle's JSON), the configuration ClearML's apiserver ends
with in each targeted container.

For each container it builds what the kubelet gives the process, written here from Kubernetes'
rules, not from the tool's model:
- the environment (kubelet's makeEnvironmentVariables): the variables of the stream's
  Services (service links, on unless the pod sets `enableServiceLinks: false`), then
  `envFrom` sources in order (a
  ConfigMap's `data`, a Secret's `data` and `stringData`, each key with the source's `prefix`;
  a later source wins), then `env` entries in order, a later entry of a name winning; a literal
  `value` is expanded with third_party/forked/golang/expansion's rules (`$$` is `$`, `$(NAME)`
  is the value set so far (or a Service's variable) or left as written, an unclosed `$(` is kept) against what is set so
  far; a `secretKeyRef`/`configMapKeyRef` is the stored value;
- the files (kubelet's AtomicWriter for ConfigMap, Secret and projected volumes): every item
  under `<mount>/..2026_01_01_00_00_00.000000000/`, `<mount>/..data` a link to that
  directory, and a link `<mount>/<first part of each item's path>` to `..data/<part>`; a
  `subPath` mount shows that one file or directory of the volume.
A source the documents do not hold (a Secret named in the policy's `[secrets] external`, or
any other outside the release) gives the value `"STANDIN <kind>/<name>/<key>"` (a quoted HOCON
string, so ClearML reads `STANDIN <kind>/<name>/<key>`); an optional source that is not there
sets nothing. The image's default configuration folder holds the files given as `defaults`.

Then it runs ClearML's loader itself, as tests/oracles/clearml_loader_oracle.py does
(clearml-server's basic.py over pyhocon 0.3.63, everything under ROOT = argv[1]).

Reads JSON lines {"docs": [document, ...], "workload": {"kind": K, "name": N},
"containers": [name, ...], "defaults": {relative path: text}};
writes one JSON line per input: {"containers": {name: {"config": <typed tree>} |
{"error": "<exception class>"} | {"absent": true}}} or {"error": "no workload"}.
"""
import base64
import json
import os
import shutil
import sys

ROOT = sys.argv[1]
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import clearml_loader_oracle as loader  # noqa: E402  (reads ROOT from argv[1] too)

TIMESTAMP = "..2026_01_01_00_00_00.000000000"
SERVICE_IP = "10.96.0.10"
CHECK_EVERY = int(os.environ.get("CLEARML_LOADER_ORACLE_CHECK_EVERY", "50"))


def expand(value, env):
    """Kubernetes' expansion.Expand on bytes, as Go runs it (a `$` before any other byte
    writes `$` and that byte read as a code point, Go's string(byte))."""
    data = value.encode("utf-8", "surrogateescape")
    out = bytearray()
    checkpoint = 0
    cursor = 0
    while cursor < len(data):
        if data[cursor] == 0x24 and cursor + 1 < len(data):
            out += data[checkpoint:cursor]
            rest = data[cursor + 1:]
            if rest[0] == 0x24:
                out += b"$"
                advance = 1
            elif rest[0] == 0x28:
                close = rest.find(b")", 1)
                if close != -1:
                    name = rest[1:close].decode("utf-8", "surrogateescape")
                    if name in env:
                        out += env[name].encode("utf-8", "surrogateescape")
                    else:
                        out += b"$(" + rest[1:close] + b")"
                    advance = close + 1
                else:
                    out += b"$("
                    advance = 1
            else:
                out += b"$" + chr(rest[0]).encode("utf-8")
                advance = 1
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    out += data[checkpoint:]
    return out.decode("utf-8", "surrogateescape")


def stores(docs):
    secrets, configmaps = {}, {}
    for d in docs:
        if not isinstance(d, dict):
            continue
        name = (d.get("metadata") or {}).get("name")
        if d.get("kind") == "Secret" and d.get("apiVersion") == "v1":
            data = {}
            for k, v in (d.get("data") or {}).items():
                data[k] = base64.b64decode(v or "").decode("utf-8", "surrogateescape")
            for k, v in (d.get("stringData") or {}).items():
                data[k] = v
            secrets[name] = data
        elif d.get("kind") == "ConfigMap" and d.get("apiVersion") == "v1":
            data = dict(d.get("data") or {})
            for k, v in (d.get("binaryData") or {}).items():
                data[k] = base64.b64decode(v or "").decode("utf-8", "surrogateescape")
            configmaps[name] = data
    return {"secret": secrets, "configmap": configmaps}


def stand_in(kind, name, key):
    return '"STANDIN %s/%s/%s"' % (kind, name, key)


def service_env(docs, enabled):
    """kubelet's getServiceEnvVarMap and envvars.FromServices: for each Service of the
    namespace with a cluster IP, `<NAME>_SERVICE_HOST`, `_SERVICE_PORT`, `_SERVICE_PORT_<PORT
    NAME>` and the Docker-link variables `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>` (and its
    `_PROTO`, `_PORT`, `_ADDR`), NAME the Service's name upper-cased with `-` as `_`. A Service
    the stream creates gets its IP when applied: SERVICE_IP stands for it."""
    env = {}
    if not enabled:
        return env
    for d in docs:
        if not isinstance(d, dict) or d.get("kind") != "Service" or d.get("apiVersion") != "v1":
            continue
        spec = d.get("spec") or {}
        ip = spec.get("clusterIP") or SERVICE_IP
        if ip == "None" or spec.get("type") == "ExternalName":
            continue
        name = (d.get("metadata") or {}).get("name", "").upper().replace("-", "_")
        ports = spec.get("ports") or []
        env[name + "_SERVICE_HOST"] = ip
        if ports:
            env[name + "_SERVICE_PORT"] = str(ports[0].get("port"))
        for p in ports:
            if p.get("name"):
                env[name + "_SERVICE_PORT_" + p["name"].upper().replace("-", "_")] = str(p.get("port"))
        if ports:
            proto = (ports[0].get("protocol") or "TCP").lower()
            env[name + "_PORT"] = "%s://%s:%s" % (proto, ip, ports[0].get("port"))
        for p in ports:
            proto = p.get("protocol") or "TCP"
            prefix = "%s_PORT_%s_%s" % (name, p.get("port"), proto.upper())
            env[prefix] = "%s://%s:%s" % (proto.lower(), ip, p.get("port"))
            env[prefix + "_PROTO"] = proto.lower()
            env[prefix + "_PORT"] = str(p.get("port"))
            env[prefix + "_ADDR"] = ip
    return env


def process_env(c, store, services):
    env = {}
    for src in c.get("envFrom") or []:
        if "secretRef" in src:
            kind, ref = "secret", src["secretRef"]
        elif "configMapRef" in src:
            kind, ref = "configmap", src["configMapRef"]
        else:
            continue
        data = store[kind].get(ref.get("name"))
        if data is None:
            # Optional or not (the container would not start), it sets nothing seen: the
            # generator names no such source.
            continue
        for k, v in data.items():
            env[(src.get("prefix") or "") + k] = v
    for e in c.get("env") or []:
        name = e["name"]
        vf = e.get("valueFrom")
        if vf is None:
            # expansion.MappingFuncFor(tmpEnv, serviceEnv): what is set so far, then the
            # Services' variables.
            env[name] = expand(e.get("value") or "", {**services, **env})
            continue
        if "secretKeyRef" in vf:
            kind, ref = "secret", vf["secretKeyRef"]
        elif "configMapKeyRef" in vf:
            kind, ref = "configmap", vf["configMapKeyRef"]
        else:
            env[name] = stand_in("field", name, "")
            continue
        data = store[kind].get(ref.get("name"))
        if data is None or ref.get("key") not in data:
            if ref.get("optional"):
                continue
            env[name] = stand_in(kind, ref.get("name"), ref.get("key"))
            continue
        env[name] = data[ref["key"]]
    # The Services' variables, where nothing else set the name.
    for k, v in services.items():
        env.setdefault(k, v)
    return env


def volume_items(vol, store):
    """The (path, text) pairs a volume shows, or None for a volume with no files from the
    stream (emptyDir, a claim, a source outside the release)."""

    def items_of(kind, name, items, optional):
        data = store[kind].get(name)
        if data is None:
            return [] if optional else None
        if items:
            return [(i["path"], data[i["key"]]) for i in items if i.get("key") in data]
        return sorted(data.items())

    if "configMap" in vol:
        s = vol["configMap"]
        return items_of("configmap", s.get("name"), s.get("items"), s.get("optional"))
    if "secret" in vol:
        s = vol["secret"]
        return items_of("secret", s.get("secretName"), s.get("items"), s.get("optional"))
    if "projected" in vol:
        out = []
        for src in vol["projected"].get("sources") or []:
            if "configMap" in src:
                s = src["configMap"]
                got = items_of("configmap", s.get("name"), s.get("items"), s.get("optional"))
            elif "secret" in src:
                s = src["secret"]
                got = items_of("secret", s.get("name"), s.get("items"), s.get("optional"))
            else:
                got = []
            if got is None:
                return None
            out += got
        return out
    return None


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", errors="surrogateescape", newline="") as f:
        f.write(text)


def prepare(pod, c, store, defaults):
    if os.path.lexists(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    for rel, text in defaults.items():
        write(loader.DEFAULT_FOLDER + "/" + rel, text)
    volumes = {v["name"]: v for v in pod.get("volumes") or []}
    mounts = sorted(c.get("volumeMounts") or [], key=lambda m: len(m["mountPath"]))
    for m in mounts:
        vol = volumes.get(m["name"])
        items = volume_items(vol, store) if vol else None
        target = ROOT + os.path.normpath("/" + m["mountPath"])
        if items is None:
            os.makedirs(target, exist_ok=True)
            continue
        sub = (m.get("subPath") or "").strip("/")
        if sub:
            for path, text in items:
                if path == sub:
                    write(target, text)
                elif path.startswith(sub + "/"):
                    write(target + "/" + path[len(sub) + 1:], text)
            continue
        # A mount hides what the image has at its path.
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        os.makedirs(target, exist_ok=True)
        for path, text in items:
            write(target + "/" + TIMESTAMP + "/" + path, text)
        os.makedirs(target + "/" + TIMESTAMP, exist_ok=True)
        os.symlink(TIMESTAMP, target + "/..data")
        for top in sorted({p.split("/")[0] for p, _ in items}):
            if not os.path.lexists(target + "/" + top):
                os.symlink("..data/" + top, target + "/" + top)
    os.makedirs(ROOT + "/opt/clearml", exist_ok=True)


def pod_spec(doc):
    spec = doc.get("spec") or {}
    if doc.get("kind") == "Pod":
        return spec
    if doc.get("kind") == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


def answer(req, n):
    docs = req["docs"]
    store = stores(docs)
    w = req["workload"]
    found = [
        d for d in docs
        if isinstance(d, dict) and d.get("kind") == w["kind"]
        and (d.get("metadata") or {}).get("name") == w["name"]
    ]
    if not found:
        return {"error": "no workload"}
    pod = pod_spec(found[-1])
    out = {}
    for name in req["containers"]:
        cs = [c for c in pod.get("containers") or [] if c.get("name") == name]
        if not cs:
            out[name] = {"absent": True}
            continue
        c = cs[-1]
        services = service_env(docs, pod.get("enableServiceLinks", True) is not False)
        env = process_env(c, store, services)
        prepare(pod, c, store, req.get("defaults") or {})
        # The loader's override folders are paths of the container: under ROOT here (the
        # generator writes them absolute, without `$` or `~`).
        for var in ("CLEARML_CONFIG_DIR", "TRAINS_CONFIG_DIR"):
            if env.get(var):
                env[var] = ":".join(
                    ROOT + p if p.startswith("/") else p for p in env[var].split(":")
                )
        run_req = {"env": list(env.items()), "cwd": ROOT + "/opt/clearml"}
        got = loader.run(run_req, loader.fast_parse_string)
        if CHECK_EVERY and n % CHECK_EVERY == 0:
            slow = loader.run(run_req, loader.SLOW_PARSE_STRING)
            if slow.get("config") != got.get("config") or slow.get("error") != got.get("error"):
                got = {"error": "oracle:fast-path-differs"}
        got.pop("listing", None)
        out[name] = got
    return {"containers": out}


def main():
    for n, line in enumerate(sys.stdin):
        try:
            out = answer(json.loads(line), n)
        except BaseException as e:  # noqa: B036 — the oracle must survive every input
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            out = {"error": "oracle:" + type(e).__name__ + ":" + str(e)[:200]}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()
    if os.path.lexists(ROOT):
        shutil.rmtree(ROOT)


if __name__ == "__main__":
    main()
