"""ClearML's configuration loader as an oracle for tests/oracle/loader.rs.

This runs the loader itself: clearml-server's apiserver/config/basic.py, kept verbatim in
tests/oracles/clearml_server/basic.py, its class BasicConfig built as the apiserver builds it
(`BasicConfig()`, verbose off), with pyhocon 0.3.63 and boltons from the test venv. Only what
cannot exist on a test machine is redirected: the image's default folder and the two extra
folders are under ROOT (argv[1]); basic.py's `apiserver.utilities.json` is the standard json
module (used only by as_json, never called here).

Reads JSON lines {"env": [[name, value], ...], "files": {absolute path: text}, "cwd": path} on
stdin (every path already under ROOT); for each, it recreates ROOT with exactly those files,
sets os.environ to exactly env and the working directory to cwd, runs BasicConfig, and writes
one JSON line: {"config": <typed tree>, "listing": {folder: [files in rglob's order]}} or
{"error": "<exception class>"}. Typed trees are tests/oracles/pyhocon_oracle.py's.

pyhocon's ConfigFactory.parse_string is replaced by pyhocon_oracle.fast_parse_string (the same
parse with the grammar built once; remembered per text without `$`); every CHECK_EVERY-th input is run again with the unmodified
parse_string and any difference is reported as {"error": "oracle:fast-path-differs"}.
Includes are refused ({"error": "include"}) as in pyhocon_oracle.
"""
import contextlib
import copy
import importlib.util
import io
import json
import os
import shutil
import signal
import sys
import types
from pathlib import Path

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from pyhocon import ConfigFactory  # noqa: E402

# The real parse_file, for the loader's own files (pyhocon_oracle refuses it for includes).
REAL_PARSE_FILE = ConfigFactory.__dict__["parse_file"]
SLOW_PARSE_STRING = ConfigFactory.parse_string
import pyhocon_oracle  # noqa: E402  (refuses includes, builds the grammar once)

apiserver = types.ModuleType("apiserver")
utilities = types.ModuleType("apiserver.utilities")
utilities.json = json
apiserver.utilities = utilities
sys.modules["apiserver"] = apiserver
sys.modules["apiserver.utilities"] = utilities

spec = importlib.util.spec_from_file_location(
    "clearml_basic", os.path.join(HERE, "clearml_server", "basic.py")
)
basic = importlib.util.module_from_spec(spec)
spec.loader.exec_module(basic)

ROOT = sys.argv[1]
DEFAULT_FOLDER = ROOT + "/opt/clearml/apiserver/config/default"
basic.EXTRA_CONFIG_PATHS = (ROOT + "/opt/trains/config", ROOT + "/opt/clearml/config")

CURRENT = [None]


class LoaderFactory:
    """What basic.py calls ConfigFactory: pyhocon's own parse_file (which calls
    cls.parse_string), and parse_string as chosen for this run (fast or pyhocon's)."""

    parse_file = REAL_PARSE_FILE
    parse_string = classmethod(lambda cls, *a, **k: CURRENT[0](*a, **k))


basic.ConfigFactory = LoaderFactory


PARSED = {}


def fast_parse_string(content, basedir=None, resolve=True, unresolved_value=None):
    """pyhocon_oracle.fast_parse_string, remembered for a text with no `$` (its tree then
    depends on the text alone); the loader mutates the trees it gets, so each call gets a
    deep copy, and a failure is raised again as the same exception."""
    assert resolve
    if "$" in content:
        return pyhocon_oracle.fast_parse_string(content)
    hit = PARSED.get(content)
    if hit is None:
        try:
            hit = ("ok", pyhocon_oracle.fast_parse_string(content))
        except pyhocon_oracle.IncludeAttempted:
            raise
        except Exception as e:  # noqa: BLE001 — remembered and raised again below
            hit = ("error", e)
        if len(PARSED) < 100_000:
            PARSED[content] = hit
    if hit[0] == "error":
        raise hit[1]
    return copy.deepcopy(hit[1])


def prepare(req):
    if os.path.exists(ROOT):
        shutil.rmtree(ROOT)
    os.makedirs(ROOT)
    for path, text in req["files"].items():
        assert path.startswith(ROOT + "/"), path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    os.makedirs(req["cwd"], exist_ok=True)


def run(req, parse_string):
    saved = dict(os.environ)
    old_cwd = os.getcwd()
    CURRENT[0] = parse_string
    try:
        os.chdir(req["cwd"])
        os.environ.clear()
        os.environ.update(dict(req["env"]))
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                # pyhocon_oracle's limit: some substitution cycles never end in pyhocon.
                signal.setitimer(signal.ITIMER_REAL, pyhocon_oracle.TIME_LIMIT)
                try:
                    cfg = basic.BasicConfig(folder=DEFAULT_FOLDER, verbose=False)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                listing = {
                    str(p): [str(f) for f in Path(p).rglob("*.conf")] for p in cfg._paths
                }
            return {"config": pyhocon_oracle.tag(cfg._config), "listing": listing}
        except pyhocon_oracle.IncludeAttempted:
            return {"error": "include"}
        except pyhocon_oracle.Timeout:
            return {"error": "timeout"}
        except BaseException as e:  # noqa: B036 — the oracle must survive every input
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            return {"error": type(e).__name__}
    finally:
        os.chdir(old_cwd)
        os.environ.clear()
        os.environ.update(saved)


def main():
    check_every = int(os.environ.get("CLEARML_LOADER_ORACLE_CHECK_EVERY", "50"))
    out_stream = sys.stdout
    for n, line in enumerate(sys.stdin):
        try:
            req = json.loads(line)
            prepare(req)
            out = run(req, fast_parse_string)
            if check_every and n % check_every == 0:
                slow = run(req, SLOW_PARSE_STRING)
                if slow != out:
                    out = {"error": "oracle:fast-path-differs", "slow": slow, "fast": out}
        except BaseException as e:  # noqa: B036
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            out = {"error": "oracle:" + type(e).__name__ + ":" + str(e)[:200]}
        out_stream.write(json.dumps(out) + "\n")
        out_stream.flush()
    if os.path.exists(ROOT):
        shutil.rmtree(ROOT)


if __name__ == "__main__":
    main()
