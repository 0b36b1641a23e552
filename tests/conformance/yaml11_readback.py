"""Reads YAML documents with PyYAML's `safe_load`, a YAML 1.1 reader (the resolution
Kubernetes' reader follows: `yes`, `0777`, `2001-12-14` are not strings), and reports every
scalar with its type, so the caller can check that what was written as a string reads as one.

stdin:  JSON list of YAML document texts
stdout: JSON list, one per document: strings as {"str": s}, any other scalar as
        {"other": "<type>: <repr>"}, sequences as {"seq": [...]}, mappings as
        {"map": [[key, value], ...]} in document order; {"error": "<message>"} when the
        document does not load
"""
import json
import sys

import yaml


def tree(value):
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, list):
        return {"seq": [tree(v) for v in value]}
    if isinstance(value, dict):
        return {"map": [[tree(k), tree(v)] for k, v in value.items()]}
    return {"other": f"{type(value).__name__}: {value!r}"}


def load(text):
    try:
        return tree(yaml.safe_load(text))
    except Exception as exc:  # not only YAMLError: e.g. ValueError from a bad timestamp
        return {"error": f"{type(exc).__name__}: {exc}"}


json.dump([load(t) for t in json.load(sys.stdin)], sys.stdout)
