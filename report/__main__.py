"""`python -m report [--out PATH] [--sla-target PCT]` writes the report and prints its path;
`python -m report status` prints the status view. The environment is $TICKETS_ENV or local."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from jobs import config, resources
from report import SLA_BREACH_TARGET_PCT, write_report
from workstation.status import render_status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m report", description=__doc__)
    parser.add_argument("what", nargs="?", choices=["report", "status"], default="report")
    parser.add_argument("--env", default=None, help="environment (default: $TICKETS_ENV or local)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the HTML")
    parser.add_argument("--sla-target", type=float, default=SLA_BREACH_TARGET_PCT)
    args = parser.parse_args(argv)
    settings = config.load(args.env)
    warehouse = resources.warehouse_for(settings)
    if args.what == "status":
        print(render_status(settings, warehouse, color=sys.stdout.isatty()))
        return 0
    path = write_report(settings, warehouse, args.out, sla_target_pct=args.sla_target)
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
