#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Python's tempfile, as bench/compare.sh drives every peer.

    python_peer.py MODE COUNT

makes and destroys COUNT temporary things in the default directory
($TMPDIR, which compare.sh points at a fresh directory) and prints
"cpu_ns_per_op wall_ns_per_op" for the loop alone. MODE is named
(NamedTemporaryFile), unnamed (TemporaryFile), directory
(TemporaryDirectory), mkstemp (mkstemp, close, unlink) or mkdtemp
(mkdtemp, rmdir).
"""
import os
import sys
import tempfile
import time


def named():
    with tempfile.NamedTemporaryFile():
        pass


def unnamed():
    with tempfile.TemporaryFile():
        pass


def directory():
    with tempfile.TemporaryDirectory():
        pass


def mkstemp():
    fd, path = tempfile.mkstemp()
    os.close(fd)
    os.unlink(path)


def mkdtemp():
    os.rmdir(tempfile.mkdtemp())


def main():
    modes = {f.__name__: f for f in (named, unnamed, directory, mkstemp, mkdtemp)}
    if len(sys.argv) != 3 or sys.argv[1] not in modes:
        sys.exit("usage: python_peer.py " + "|".join(modes) + " COUNT")
    op, count = modes[sys.argv[1]], int(sys.argv[2])
    tempfile.gettempdir()  # its first call probes; a program pays that once
    wall, cpu = time.perf_counter_ns(), time.process_time_ns()
    for _ in range(count):
        op()
    cpu, wall = time.process_time_ns() - cpu, time.perf_counter_ns() - wall
    n = max(count, 1)
    print(f"{cpu / n:.1f} {wall / n:.1f}")


if __name__ == "__main__":
    main()
