"""Reads a config directory the way ClearML server's loader does (`BasicConfig._read_recursive`
in clearml-server's `apiserver/config/basic.py`): every `*.conf` below the directory, parsed
with pyhocon's `ConfigFactory.parse_file` and put into one tree under its path relative to the
directory, without `.conf`, `/` as `.` (`services/login.conf` -> `services.login`).

stdin:  JSON list of [relative path, file text, environment]; `@EXTRA@` in a text is replaced by
        the path of a file outside the directory holding `login.sso.oauth_client.evil.client_id: x`
        (what an `include` could bring). The process environment is set to `environment`.
stdout: JSON list, one entry per case: {"sso": true|false} (whether `secure.login.sso` or
        `services.login.sso` exists) or {"error": "<exception type>"}
"""
import json
import os
import sys
import tempfile
from pathlib import Path

from pyhocon import ConfigFactory, ConfigTree


def read(relative, text, environment):
    os.environ.clear()
    os.environ.update(environment)
    with tempfile.TemporaryDirectory() as tmp:
        extra = Path(tmp) / "outside" / "extra.conf"
        extra.parent.mkdir()
        extra.write_text("login.sso.oauth_client.evil.client_id: x\n")
        root = Path(tmp) / "config"
        file = root / relative
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text.replace("@EXTRA@", str(extra)))
        conf = ConfigTree()
        try:
            for f in root.rglob("*.conf"):
                key = ".".join(f.relative_to(root).with_suffix("").parts)
                conf.put(key, ConfigFactory.parse_file(f))
        except Exception as exc:  # pyhocon raises several unrelated types
            return {"error": type(exc).__name__}
        found = False
        for section in ("secure", "services"):
            try:
                found |= conf.get(f"{section}.login.sso", None) is not None
            except Exception:  # a non-object on the way
                pass
        return {"sso": found}


print(json.dumps([read(*case) for case in json.load(sys.stdin)]))
