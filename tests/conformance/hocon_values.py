"""Parses values the way ClearML's loader does (`ConfigFactory.parse_string(f"{path}: {value}")`).

stdin:  JSON list of value strings, or of [value, environment] pairs: pyhocon resolves a
        `${VAR}` it cannot find in the text from `os.environ`, set to that environment
stdout: JSON list, one entry per value: {"ok": <parsed value>} or {"error": "<exception type>"}
"""
import json
import math
import os
import sys

from pyhocon import ConfigFactory


def parse(item):
    value, environment = item if isinstance(item, list) else (item, {})
    os.environ.clear()
    os.environ.update(environment)
    try:
        tree = ConfigFactory.parse_string(f"k: {value}")
        if "k" not in tree:
            return {"dropped": True}
        got = tree.get("k")
        if isinstance(got, float) and not math.isfinite(got):
            got = str(got)  # `123e4567` is infinity to pyhocon; JSON has no such number
        return {"ok": got}
    except Exception as exc:  # pyhocon raises several unrelated types
        return {"error": type(exc).__name__}


json.dump([parse(v) for v in json.load(sys.stdin)], sys.stdout, default=str)
