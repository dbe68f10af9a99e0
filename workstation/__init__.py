"""The commands an engineer runs at a workstation: data, backfill, daily, replay, upload,
simulate, status, summary, report, run (`python -m workstation`, or the Makefile)."""
