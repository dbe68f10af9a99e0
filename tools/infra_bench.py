"""Warm synthesis time of every cloud environment's stacks (target: <= 8 s for dev + prod).

    .venv-infra/bin/python tools/infra_bench.py [--repeats 3] [--json]

Times what `make synth` runs — `python infra/main.py` for all cloud envs, in a
fresh process: package the code, build the stacks, write cdk.tf.json — after
one warm-up run (jsii's assembly cache and the OS page cache warm). Output goes
to a temporary folder, never to infra/cdktf.out. `measure()` is importable, for
`make bench`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 8.0


INFRA_PYTHON = ROOT / ".venv-infra" / "bin" / "python"


def _run_once(python: Path, out: Path) -> float:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PYTHONDONTWRITEBYTECODE": "1",
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
        # the venv's bin first: its node, where Node >= 18 had to be installed there
        "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    command = [str(python), str(ROOT / "infra" / "main.py"), "--quiet"]
    command += ["--outdir", str(out / "out"), "--dist", str(out / "dist")]
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return time.perf_counter() - started


def measure(repeats: int = 3, python: Path | None = None) -> dict:
    """Seconds per warm synthesis of all cloud environments (each: env stack + bootstrap stack).

    Runs infra/main.py with `python` (default: the infra venv's), so any interpreter can call it.
    """
    sys.path.insert(0, str(ROOT))
    from infra.envs import cloud_environments

    python = python or (INFRA_PYTHON if INFRA_PYTHON.exists() else Path(sys.executable))
    envs = cloud_environments()
    with tempfile.TemporaryDirectory(prefix="infra-bench-") as tmp:
        _run_once(python, Path(tmp))  # warm-up
        times = [_run_once(python, Path(tmp)) for _ in range(repeats)]
    return {
        "name": "infra_synth_warm",
        "environments": envs,
        "stacks": len(envs) * 2,
        "repeats": repeats,
        "min_s": round(min(times), 2),
        "median_s": round(statistics.median(times), 2),
        "max_s": round(max(times), 2),
        "target_s": TARGET_SECONDS,
        "ok": statistics.median(times) <= TARGET_SECONDS,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = measure(args.repeats)
    if args.json:
        print(json.dumps(result))
    else:
        r = result
        verdict = "OK" if r["ok"] else "SLOW"
        print(
            f"infra synth (warm, {', '.join(r['environments'])}; {r['stacks']} stacks): "
            f"median {r['median_s']:.2f} s, min {r['min_s']:.2f} s, max {r['max_s']:.2f} s "
            f"over {r['repeats']} runs (target <= {TARGET_SECONDS:.0f} s: {verdict})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
