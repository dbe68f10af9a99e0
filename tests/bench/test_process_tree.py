"""The bench's memory sampler tells a job's own process from what it starts (its JVM)."""

import os
import sys

from bench.process_tree import run_measured

# The parent holds nothing much; its child fills 300 MiB and holds it for a second.
CHILD = "b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); import time; time.sleep(1)"
PARENT = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {CHILD!r}], check=True)"


def test_the_peaks_of_a_process_and_of_its_descendants_are_apart():
    seconds, peaks, done = run_measured([sys.executable, "-c", PARENT], dict(os.environ), 60)
    assert done.returncode == 0, done.stdout
    assert peaks.descendants >= 300  # the child's 300 MiB, touched page by page
    assert peaks.python < 150  # the parent never held them
    assert peaks.tree >= peaks.descendants and seconds >= 1
