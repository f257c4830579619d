#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Runs the peers side by side and saves what it measured as JSON.

Called by bench/compare.sh, which builds the drivers first; bench/report.py
turns the JSON into docs/benchmarks.md. Every driver takes MODE COUNT, works
in $TMPDIR and prints "cpu_ns_per_op wall_ns_per_op" for its loop alone.

- Time: for each file system (tmpfs and the disk) and each round, every
  peer of a case runs once, in a fresh directory, the order rotated from
  round to round (A B C, B C A, ...) so that a drift in the machine's load
  falls on all alike; the median over the rounds is kept.
- System calls per operation: strace -f -c at two counts, the difference
  divided by the difference of counts, so that start-up costs cancel.
- Heap allocations per operation: the same difference, counted by the
  LD_PRELOAD shim bench/peers/count_malloc.so (Python with
  PYTHONMALLOC=malloc, so that its small objects are counted too).
- Tree removal: remove_tree_bench --clock cpu at 1k, 10k and 100k files.
- The command: tempfile-run -- true against the shell's mktemp + trap.
"""
import argparse
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

SHELL_IDIOM = 'd=$(mktemp -d); trap "rm -rf $d" EXIT; true'


def peers(b):
    """(case, peer, argv) for every timed run; the first of a case is its floor."""
    floor, ours = [b["floor"]], [b["tempfile_peer"]]
    python, rust = [sys.executable, b["python_peer"]], [b["rust_peer"]]
    cases = {
        "named": [
            ("C floor: open, close, unlink", floor + ["named"]),
            ("glibc mkstemp(3), close, unlink", floor + ["mkstemp"]),
            ("tempfile::named_temporary_file", ours + ["named"]),
            ("tempfile::mkstemp, close, unlink", ours + ["mkstemp"]),
            ("Rust tempfile::NamedTempFile", rust + ["named"]),
            ("Python NamedTemporaryFile", python + ["named"]),
        ],
        "unnamed": [
            ("C floor: open(O_TMPFILE), close", floor + ["unnamed"]),
            ("tempfile::temporary_file", ours + ["unnamed"]),
            ("Rust tempfile::tempfile()", rust + ["unnamed"]),
            ("Python TemporaryFile", python + ["unnamed"]),
        ],
        "directory": [
            ("C floor: mkdir, rmdir", floor + ["directory"]),
            ("glibc mkdtemp(3), rmdir", floor + ["mkdtemp"]),
            ("tempfile::temporary_directory", ours + ["directory"]),
            ("tempfile::mkdtemp, rmdir", ours + ["mkdtemp"]),
            ("Rust tempfile::TempDir", rust + ["directory"]),
            ("Python TemporaryDirectory", python + ["directory"]),
        ],
    }
    # A peer not built for this run (the smoke run has no Rust) is left out.
    cases = {case: [(name, argv) for name, argv in runs if argv[0]] for case, runs in cases.items()}
    if b.get("tempfile_peer_libcxx"):  # the same library built with clang and libc++
        owners = {"named": "named_temporary_file", "unnamed": "temporary_file", "directory": "temporary_directory"}
        for case, owner in owners.items():
            at = next(i for i, (name, _) in enumerate(cases[case]) if name == "tempfile::" + owner) + 1
            cases[case].insert(at, (f"tempfile::{owner} (libc++)", [b["tempfile_peer_libcxx"], case]))
    return cases


def fresh_dir(location):
    return tempfile.mkdtemp(prefix="cmp-", dir=location)


def run_driver(argv, count, location, extra_env=None):
    """Runs one driver in a fresh directory; returns (cpu_ns, wall_ns) per op."""
    d = fresh_dir(location)
    try:
        env = dict(os.environ, TMPDIR=d, **(extra_env or {}))
        out = subprocess.run(argv + [str(count)], env=env, check=True, capture_output=True, text=True).stdout
        left = os.listdir(d)
        if left:
            raise RuntimeError(f"{argv} left {len(left)} entries behind, e.g. {left[0]}")
        cpu, wall = (float(x) for x in out.split())
        return cpu, wall
    finally:
        shutil.rmtree(d, ignore_errors=True)


def time_cases(b, location, rounds, count, log):
    results = {}
    for case, runs in peers(b).items():
        samples = {name: [] for name, _ in runs}
        for r in range(rounds):
            order = runs[r % len(runs):] + runs[: r % len(runs)]
            for name, argv in order:
                samples[name].append(run_driver(argv, count, location))
        results[case] = [
            {
                "peer": name,
                "cpu_ns": statistics.median(s[0] for s in samples[name]),
                "wall_ns": statistics.median(s[1] for s in samples[name]),
                "samples_cpu_ns": [s[0] for s in samples[name]],
            }
            for name, _ in runs
        ]
        floor = results[case][0]["cpu_ns"]
        for row in results[case]:
            row["ratio"] = row["cpu_ns"] / floor if floor else None
        log(f"  {case}: " + ", ".join(f"{x['peer']} {x['cpu_ns'] / 1000:.2f} us" for x in results[case]))
    return results


def strace_counts(argv, count, location):
    """{syscall: calls} of one run under strace -f -c."""
    d = fresh_dir(location)
    try:
        with tempfile.NamedTemporaryFile("r", suffix=".strace") as out:
            subprocess.run(["strace", "-f", "-c", "-o", out.name] + argv + [str(count)],
                           env=dict(os.environ, TMPDIR=d), check=True, capture_output=True)
            calls = {}
            for line in out.read().splitlines():
                fields = line.split()
                # % time, seconds, usecs/call, calls, [errors,] syscall
                if len(fields) >= 5 and re.fullmatch(r"[\d.]+", fields[0]) and fields[-1] != "total":
                    calls[fields[-1]] = int(fields[3])
            return calls
    finally:
        shutil.rmtree(d, ignore_errors=True)


def malloc_count(argv, count, location, shim):
    with tempfile.NamedTemporaryFile("r", suffix=".count") as out:
        run_driver(argv, count, location,
                   {"LD_PRELOAD": shim, "COUNT_MALLOC_OUT": out.name, "PYTHONMALLOC": "malloc"})
        return int(out.read())


def instructions(argv, count, location):
    """User-space instructions of one run, counted by valgrind's callgrind."""
    d = fresh_dir(location)
    try:
        out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv + [str(count)],
                             env=dict(os.environ, TMPDIR=d), check=True, capture_output=True, text=True).stderr
        m = re.search(r"Collected : (\d+)", out)
        if not m:
            raise RuntimeError(f"no callgrind total for {argv}: {out[-500:]}")
        return int(m.group(1))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def per_operation(b, location, low, high, log, instruction_counts=None, instruction_peers=""):
    """Syscalls (total and by name), allocations and instructions per operation, by difference."""
    results = {}
    for case, runs in peers(b).items():
        for name, argv in runs:
            a, z = strace_counts(argv, low, location), strace_counts(argv, high, location)
            by_name = {k: (z.get(k, 0) - a.get(k, 0)) / (high - low) for k in set(a) | set(z)}
            by_name = {k: round(v, 2) for k, v in sorted(by_name.items()) if abs(v) >= 0.05}
            allocs = (malloc_count(argv, high, location, b["count_malloc"]) -
                      malloc_count(argv, low, location, b["count_malloc"])) / (high - low)
            results[name] = {"syscalls": round(sum(by_name.values()), 2), "by_name": by_name,
                             "allocs": round(allocs, 2)}
            if instruction_counts and re.search(instruction_peers, name):
                i_low, i_high = instruction_counts
                results[name]["instructions"] = round(
                    (instructions(argv, i_high, location) - instructions(argv, i_low, location)) / (i_high - i_low))
            log(f"  {name}: {results[name]}")
    return results


def tree_removal(b, location, sizes, runs, chain_depth, work):
    csv = os.path.join(work, f"tree-{os.getpid()}.csv")
    if os.path.exists(csv):
        os.unlink(csv)
    common = [b["remove_tree_bench"], "--clock", "cpu", "--csv", csv, "--runs", str(runs), "--in", location]
    for dirs, files in sizes:
        subprocess.run(common + ["--only", "wide", "--dirs", str(dirs), "--files", str(files)],
                       check=True, capture_output=True)
    if chain_depth:
        subprocess.run(common + ["--only", "chain", "--depth", str(chain_depth)], check=True, capture_output=True)
    rows = []
    with open(csv) as f:
        for line in f:
            tree, files, remover, seconds, failures = line.strip().split(",")
            rows.append({"tree": tree, "files": int(files), "remover": remover, "seconds": float(seconds),
                         "failures": int(failures)})
    os.unlink(csv)
    start = subprocess.run([b["remove_tree_bench"], "--clock", "cpu", "--runs", "1", "--only", "none",
                            "--in", location], check=True, capture_output=True, text=True).stdout
    m = re.search(r"process start alone\): ([\d.]+) s", start)
    return {"rows": rows, "rm_start_seconds": float(m.group(1)) if m else None}


def child_usage(argv, env):
    """(cpu_s, wall_s) of one command, its waited-for descendants included."""
    wall = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, env)
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - wall
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv} exited with {status}")
    return usage.ru_utime + usage.ru_stime, wall


def command(b, location, runs):
    d = fresh_dir(location)
    env = dict(os.environ, TMPDIR=d)
    commands = [("tempfile-run -- true", [b["tempfile_run"], "--", "true"]),
                ("sh: mktemp -d, trap rm -rf", ["sh", "-c", SHELL_IDIOM])]
    samples = {name: [] for name, _ in commands}
    try:
        for r in range(runs):
            for name, argv in (commands if r % 2 == 0 else commands[::-1]):
                samples[name].append(child_usage(argv, env))
        if os.listdir(d):
            raise RuntimeError("a command left something in " + d)
        result = []
        for name, argv in commands:
            with tempfile.NamedTemporaryFile("r", suffix=".strace") as out:
                subprocess.run(["strace", "-f", "-c", "-o", out.name] + argv, env=env, check=True,
                               capture_output=True)
                total = [line.split() for line in out.read().splitlines() if line.rstrip().endswith("total")]
                calls = int(total[-1][3]) if total else None
            result.append({"command": name,
                           "cpu_s": statistics.median(s[0] for s in samples[name]),
                           "wall_s": statistics.median(s[1] for s in samples[name]),
                           "syscalls": calls})
        return result
    finally:
        shutil.rmtree(d, ignore_errors=True)


def version(argv, pattern=r"\d+\.\d+(\.\d+)?"):
    try:
        out = subprocess.run(argv, capture_output=True, text=True).stdout
        m = re.search(pattern, out)
        return m.group(0) if m else out.strip().splitlines()[0]
    except OSError:
        return "not found"


def dpkg_version(package):
    return version(["dpkg-query", "-W", "-f=${Version}", package], r".+")


def machine(locations):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    fs = {name: subprocess.run(["stat", "-f", "-c", "%T", path], capture_output=True, text=True).stdout.strip()
          for name, path in locations.items()}
    return {"cpu": cpu, "cores": os.cpu_count(), "kernel": platform.release(),
            "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "file_systems": fs}


def versions(b):
    return {
        "tempfile (this library)": b["our_version"],
        "C++ compiler": version([b["cxx"], "--version"], r".+"),
        "glibc": version(["getconf", "GNU_LIBC_VERSION"], r"[\d.]+$"),
        "Python": platform.python_version(),
        "rustc": version([b["rustc"], "--version"]) if b["rust_peer"] else "not run",
        "Rust tempfile crate (librust-tempfile-dev)": dpkg_version("librust-tempfile-dev"),
        "coreutils (rm)": version(["rm", "--version"]),
        "strace": version(["strace", "--version"]),
        "Google Benchmark (libbenchmark-dev)": dpkg_version("libbenchmark-dev"),
    }


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--binaries", required=True, help="JSON: paths of the drivers and tools")
    p.add_argument("--out", required=True, help="where the JSON results go")
    p.add_argument("--work", required=True, help="a directory for scratch files")
    p.add_argument("--tmpfs", default="/dev/shm")
    p.add_argument("--disk", required=True, help="a directory on a disk file system")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--count", type=int, default=100000, help="operations per timed run on tmpfs")
    p.add_argument("--disk-count", type=int, default=10000,
                   help="operations per timed run on the disk (where a directory can cost milliseconds of waiting)")
    p.add_argument("--strace-counts", default="200,400")
    p.add_argument("--callgrind-counts", default="2000,4000", help="empty: no instruction counts")
    p.add_argument("--callgrind-peers", default="", help="a regex: only the peers it finds get instruction counts")
    p.add_argument("--tree-sizes", default="10x100,100x100,100x1000", help="DIRSxFILES,...")
    p.add_argument("--tree-runs", type=int, default=3)
    p.add_argument("--chain-depth", type=int, default=10000)
    p.add_argument("--command-runs", type=int, default=200)
    p.add_argument("--microbench", default="", help="Google Benchmark binaries, comma-separated")
    p.add_argument("--microbench-args", default="")
    a = p.parse_args()
    with open(a.binaries) as f:
        b = json.load(f)

    def log(line):
        print(line, flush=True)

    locations = {"tmpfs": a.tmpfs, "disk": a.disk}
    started = time.time()
    result = {"settings": vars(a), "machine": machine(locations), "versions": versions(b),
              "load_before": os.getloadavg(), "started": time.strftime("%Y-%m-%d %H:%M:%S %z"),
              "time": {}, "per_operation": None, "tree": {}, "command": {}, "microbench": {}}
    self_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    for name, path in locations.items():
        count = a.count if name == "tmpfs" else a.disk_count
        log(f"== create + destroy, {name} ({path}): {a.rounds} rounds of {count}")
        result["time"][name] = time_cases(b, path, a.rounds, count, log)
    low, high = (int(x) for x in a.strace_counts.split(","))
    log(f"== system calls and allocations per operation ({low} and {high} operations, tmpfs)")
    counts = tuple(int(x) for x in a.callgrind_counts.split(",")) if a.callgrind_counts else None
    result["per_operation"] = per_operation(b, a.tmpfs, low, high, log, counts, a.callgrind_peers)
    sizes = [tuple(int(n) for n in s.split("x")) for s in a.tree_sizes.split(",") if s]
    for name, path in locations.items():
        log(f"== tree removal, {name}: {a.tree_sizes}, chain {a.chain_depth}, {a.tree_runs} runs")
        result["tree"][name] = tree_removal(b, path, sizes, a.tree_runs, a.chain_depth, a.work)
    for name, path in locations.items():
        log(f"== command, {name}: {a.command_runs} runs each")
        result["command"][name] = command(b, path, a.command_runs)
    for binary in filter(None, a.microbench.split(",")):
        log(f"== {os.path.basename(binary)}")
        d = fresh_dir(a.tmpfs)
        try:
            out = subprocess.run([binary] + a.microbench_args.split(), env=dict(os.environ, TMPDIR=d),
                                 check=True, capture_output=True, text=True).stdout
        finally:
            shutil.rmtree(d, ignore_errors=True)
        result["microbench"][os.path.basename(binary)] = out
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["load_after"] = os.getloadavg()
    result["elapsed_s"] = round(time.time() - started)
    result["children_cpu_s"] = round(used.ru_utime + used.ru_stime - self_before.ru_utime - self_before.ru_stime)
    with open(a.out, "w") as f:
        json.dump(result, f, indent=1)
    log(f"== done in {result['elapsed_s']} s; load average before {result['load_before']}, "
        f"after {result['load_after']}")


if __name__ == "__main__":
    main()
