"""The ClearML webserver's update_from_env.py as an oracle for tests/oracle/webserver.rs.

Runs the script itself (tests/oracles/clearml_server/update_from_env.py, verbatim) as the
image's entrypoint does — `update_from_env.py --verbose <input> <output>` — in this process
(runpy, as __main__), with os.environ set to exactly the request's environment. Reads JSON lines
{"env": [[name, value], ...], "input": <JSON or null: the entrypoint's {}>} and writes one
JSON line: {"config": <the output file's JSON>}, {"exit": <code>} when the script exits with
an error, {"error": "<exception class>"} when it raises, or {"nonfinite": true} when the output
holds NaN or an infinity (not JSON this test's reader can read back).
"""
import contextlib
import io
import json
import os
import runpy
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "clearml_server", "update_from_env.py")
REAL_STDIN = sys.stdin


def run(req, workdir):
    src = os.path.join(workdir, "in.json")
    dst = os.path.join(workdir, "out.json")
    with open(src, "w", encoding="utf-8") as f:
        json.dump({} if req.get("input") is None else req["input"], f)
    if os.path.exists(dst):
        os.remove(dst)
    saved_env, saved_argv = dict(os.environ), sys.argv
    try:
        os.environ.clear()
        os.environ.update(dict(req["env"]))
        sys.argv = [SCRIPT, "--verbose", src, dst]
        # The script calls site's exit(), which closes sys.stdin: give it a stand-in.
        sys.stdin = io.StringIO()
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                g = runpy.run_path(SCRIPT, run_name="__main__")
            # The script leaves its argparse files open (unflushed): close them as its exit would.
            g["args"].output_file.close()
            g["args"].input_file.close()
        except SystemExit as e:
            if e.code not in (None, 0):
                return {"exit": e.code}
        except Exception as e:  # noqa: BLE001 — the script's own failure is an answer
            return {"error": type(e).__name__}
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        sys.argv = saved_argv
        sys.stdin = REAL_STDIN
    with open(dst, encoding="utf-8") as f:
        config = json.load(f)
    try:
        json.dumps(config, allow_nan=False)
    except ValueError:
        return {"nonfinite": True}
    return {"config": config}


def main():
    with tempfile.TemporaryDirectory() as workdir:
        for line in REAL_STDIN:
            try:
                out = run(json.loads(line), workdir)
            except BaseException as e:  # noqa: B036
                if isinstance(e, (KeyboardInterrupt, SystemExit)):
                    raise
                out = {"error": "oracle:" + type(e).__name__}
            sys.stdout.write(json.dumps(out) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
