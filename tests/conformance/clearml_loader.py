"""Reads a rendered apiserver container's environment the way Kubernetes and ClearML do.

1. The manifest stream is read with PyYAML, a YAML 1.1 reader like the Go one the Kubernetes
   API machinery uses: an env `value` that YAML 1.1 resolves to a bool, number or null (`on`,
   `0777`, `~`) is reported as an error, as the API server would reject it.
2. `secretKeyRef`s are resolved from Secrets in the stream (`stringData`, or base64 `data`);
   a Secret that is not in the stream gives the marker value `from-secret-NAME-KEY`.
3. The env is read like `BasicConfig._read_extra_env_config_values` in clearml-server's
   `apiserver/config/basic.py`: for the prefixes TRAINS__ then CLEARML__ (upper case; the later
   one wins), the variables starting with the prefix in sorted order, `__` -> `.`, lower-cased,
   `"{path}: {value}"` parsed with pyhocon and merged into one tree. pyhocon resolves a
   `${VAR}` it cannot find in the parsed text from `os.environ`, which in the apiserver is the
   container's environment: the process environment is set to exactly that env while parsing.
4. Before that, a literal `value` is expanded as Kubernetes does
   (`third_party/forked/golang/expansion`): `$$` is `$`, `$(VAR)` is VAR's value when VAR was
   set by an earlier entry, anything else stays as written.

usage: clearml_loader.py WORKLOAD CONTAINER < stream.yaml
stdout: JSON {"env": {...}, "config": {...}, "errors": [...]}
"""
import base64
import json
import os
import re
import sys

import yaml
from pyhocon import ConfigFactory, ConfigTree

POD_SPEC = {
    "Pod": ["spec"],
    "Deployment": ["spec", "template", "spec"],
    "StatefulSet": ["spec", "template", "spec"],
    "DaemonSet": ["spec", "template", "spec"],
    "ReplicaSet": ["spec", "template", "spec"],
    "ReplicationController": ["spec", "template", "spec"],
    "Job": ["spec", "template", "spec"],
    "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
}


def objects(doc):
    if isinstance(doc, dict) and str(doc.get("kind", "")).endswith("List"):
        for item in doc.get("items") or []:
            yield from objects(item)
    elif isinstance(doc, dict):
        yield doc


def read_env(env):
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        result = ConfigTree()
        for prefix in ("TRAINS__", "CLEARML__"):
            for key in sorted(k for k in env if k.startswith(prefix)):
                path = key[len(prefix):].replace("__", ".").lower()
                result = ConfigTree.merge_configs(result, ConfigFactory.parse_string(f"{path}: {env[key]}"))
        return result
    finally:
        os.environ.clear()
        os.environ.update(saved)


def expand(value, earlier):
    def one(m):
        if m.group(0) == "$$":
            return "$"
        name = m.group(1)
        return earlier[name] if name in earlier else m.group(0)
    return re.sub(r"\$\$|\$\(([^)]*)\)", one, value)


def main():
    workload, container = sys.argv[1], sys.argv[2]
    docs = [o for d in yaml.safe_load_all(sys.stdin.read()) for o in objects(d)]
    errors = []

    def secret(name, key):
        for d in docs:
            if d.get("kind") == "Secret" and (d.get("metadata") or {}).get("name") == name:
                if key in (d.get("stringData") or {}):
                    return d["stringData"][key]
                if key in (d.get("data") or {}):
                    return base64.b64decode(d["data"][key]).decode()
        return f"from-secret-{name}-{key}"

    env = {}
    for d in docs:
        path = POD_SPEC.get(d.get("kind"))
        if not path or (d.get("metadata") or {}).get("name") != workload:
            continue
        spec = d
        for step in path:
            spec = spec[step]
        for c in spec.get("containers") or []:
            if c.get("name") != container:
                continue
            for e in c.get("env") or []:
                name = e["name"]
                if "value" in e:
                    if not isinstance(e["value"], str):
                        errors.append(f"{name}: value is {type(e['value']).__name__} {e['value']!r} in YAML 1.1, not a string")
                        continue
                    env[name] = expand(e["value"], env)  # the last of a name wins
                elif "secretKeyRef" in (e.get("valueFrom") or {}):
                    ref = e["valueFrom"]["secretKeyRef"]
                    env[name] = secret(ref["name"], ref["key"])
    try:
        config = read_env(env).as_plain_ordered_dict()
    except Exception as exc:  # pyhocon raises several unrelated types
        config = None
        errors.append(f"pyhocon: {type(exc).__name__}: {exc}")
    json.dump({"env": env, "config": config, "errors": errors}, sys.stdout, default=str)


if __name__ == "__main__":
    main()
