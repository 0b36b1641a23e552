"""Reads a container's environment the way the ClearML apiserver does, with pyhocon.

Mirrors `BasicConfig._read_extra_env_config_values` in clearml-server's
`apiserver/config/basic.py`: for the prefixes TRAINS__ then CLEARML__ (upper case, so the
later one wins), take the variables starting with the prefix in sorted order, turn the rest of
the name into a dotted path (`__` -> `.`, lower-cased), parse `"{path}: {value}"` as HOCON and
merge the result into one tree.

stdin:  JSON object {"NAME": "value", ...} (the env a pod would get, secrets resolved)
stdout: JSON of the resulting configuration tree, or {"error": "..."} when pyhocon refuses a value
"""
import json
import sys

from pyhocon import ConfigFactory, ConfigTree


def read_env(env):
    result = ConfigTree()
    for prefix in ("TRAINS__", "CLEARML__"):
        for key in sorted(k for k in env if k.startswith(prefix)):
            path = key[len(prefix):].replace("__", ".").lower()
            result = ConfigTree.merge_configs(result, ConfigFactory.parse_string(f"{path}: {env[key]}"))
    return result


def main():
    env = json.load(sys.stdin)
    try:
        tree = read_env(env)
    except Exception as exc:  # pyhocon raises several unrelated types
        json.dump({"error": f"{type(exc).__name__}: {exc}"}, sys.stdout)
        return
    json.dump(tree.as_plain_ordered_dict(), sys.stdout, default=str)


if __name__ == "__main__":
    main()
