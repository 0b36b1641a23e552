"""pyhocon 0.3.63 as an oracle for tests/oracle/pyhocon.rs.

Reads JSON lines {"text": "...", "env": {...}} on stdin; for each, parses the text with
ConfigFactory.parse_string with os.environ set to exactly env for that call, and writes one JSON
line: the typed tree, or {"error": "<exception class>"}. It never stops on one input (every
exception is caught, RecursionError included) and flushes after each line.

Typed tree: {"object": [[key, value], ...]} (keys as pyhocon stores them), {"list": [...]},
{"str": s}, {"int": "digits"}, {"float": repr}, {"bool": b}, {"null": true},
{"relativedelta": [years, months, days, hours, minutes, seconds, microseconds]} (decimal strings),
{"timedelta": [days, seconds, microseconds]}, {"unresolved": class name}.
An `include` pyhocon would follow raises instead of reading a file or a URL: {"error": "include"}.
The memory address in str(NoneValue()) is written as 0x? (it differs on every run).
"""
import datetime
import json
import os
import re
import resource
import signal
import sys
from collections import OrderedDict

import dateutil.relativedelta  # noqa: F401  (pyhocon uses relativedelta when it is installed)
import pyhocon
import pyparsing
from pyhocon import ConfigFactory, ConfigTree
from pyhocon.config_parser import ConfigParser
from pyhocon.config_tree import ConfigValues, ConfigSubstitution, NoneValue

assert pyhocon.__version__ if hasattr(pyhocon, "__version__") else True
from pyhocon.period_parser import period_impl  # noqa: E402

if period_impl is datetime.timedelta:
    sys.exit("pyhocon_oracle: python-dateutil is missing; the apiserver has it")


class IncludeAttempted(BaseException):
    pass


class Timeout(BaseException):
    """pyhocon still working after TIME_LIMIT seconds on one text: it loops (some
    substitution cycles never end); the apiserver would hang at start."""


TIME_LIMIT = float(os.environ.get("PYHOCON_ORACLE_TIME_LIMIT", "5"))


def _on_alarm(signum, frame):
    raise Timeout()


signal.signal(signal.SIGALRM, _on_alarm)
# A loop that grows memory ends as MemoryError, not as the machine's memory.
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _refuse(*args, **kwargs):
    raise IncludeAttempted()


ConfigFactory.parse_file = classmethod(_refuse)
ConfigFactory.parse_URL = classmethod(_refuse)
ConfigParser.resolve_package_path = classmethod(_refuse)

def _grammar_builder():
    """pyhocon's own ConfigParser.parse, cut just before it parses: it rebuilds the same grammar
    on every call (most of its time), so the oracle builds it once and runs the rest of parse
    (the parse itself and the resolution) per text exactly as parse does. `check` compares
    this with the unmodified ConfigFactory.parse_string on a sample of the inputs."""
    import inspect
    import textwrap

    import pyhocon.config_parser as cp

    src = textwrap.dedent(inspect.getsource(cp.ConfigParser.parse.__func__))
    marker = "config = config_expr.parse_string(content, parse_all=True)[0]"
    if src.count(marker) != 1 or not src.startswith("@classmethod\ndef parse(cls, content"):
        sys.exit("pyhocon_oracle: pyhocon's ConfigParser.parse is not the one this oracle knows")
    src = src.replace(marker, "return config_expr").replace("@classmethod\n", "", 1)
    ns = dict(vars(cp))
    exec(compile(src, "<pyhocon ConfigParser.parse, grammar only>", "exec"), ns)
    return ns["parse"](cp.ConfigParser, "", None, True, cp.DEFAULT_SUBSTITUTION)


CONFIG_EXPR = _grammar_builder()


def fast_parse_string(content):
    """ConfigFactory.parse_string(content) with the grammar built once (see _grammar_builder)."""
    from pyparsing import ParserElement

    default = ParserElement.DEFAULT_WHITE_CHARS
    ParserElement.set_default_whitespace_chars(" \t")
    try:
        config = CONFIG_EXPR.parse_string(content, parse_all=True)[0]
        ConfigParser.resolve_substitutions(config, False)
        return config
    finally:
        ParserElement.set_default_whitespace_chars(default)


NONE_ADDR = re.compile(r"(<pyhocon\.config_tree\.NoneValue object at )0x[0-9a-f]+>")
sys.setrecursionlimit(1000)


def tag(v, depth=0):
    if depth > 200:
        return {"unresolved": "deep"}
    if isinstance(v, ConfigTree):
        return {"object": [[k, tag(x, depth + 1)] for k, x in OrderedDict.items(v)]}
    if isinstance(v, list):
        return {"list": [tag(x, depth + 1) for x in v]}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": repr(v)}
    if isinstance(v, str):
        return {"str": NONE_ADDR.sub(r"\g<1>0x?>", v)}
    if v is None or isinstance(v, NoneValue):
        return {"null": True}
    if isinstance(v, datetime.timedelta):
        return {"timedelta": [str(v.days), str(v.seconds), str(v.microseconds)]}
    if isinstance(v, dateutil.relativedelta.relativedelta):
        return {"relativedelta": [str(x) for x in (v.years, v.months, v.days, v.hours, v.minutes, v.seconds, v.microseconds)]}
    return {"unresolved": type(v).__name__}


def answer(req, parse):
    saved = dict(os.environ)
    try:
        os.environ.clear()
        os.environ.update(req.get("env") or {})
        try:
            signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
            try:
                return tag(parse(req["text"]))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except IncludeAttempted:
            return {"error": "include"}
        except Timeout:
            return {"error": "timeout"}
        except BaseException as e:  # noqa: B036 — the oracle must survive every input
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            return {"error": type(e).__name__}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def main():
    check_every = int(os.environ.get("PYHOCON_ORACLE_CHECK_EVERY", "50"))
    for n, line in enumerate(sys.stdin):
        try:
            req = json.loads(line)
            out = answer(req, fast_parse_string)
            if check_every and n % check_every == 0:
                slow = answer(req, ConfigFactory.parse_string)
                if slow != out:
                    out = {"error": "oracle:fast-path-differs", "slow": slow, "fast": out}
        except BaseException as e:  # noqa: B036
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            out = {"error": "oracle:" + type(e).__name__}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
