#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes docs/benchmarks.md and its gnuplot plots from bench/compare.py's JSON.

    report.py RESULTS.json REPORT.md [--plots DIR] [--rerun COMMAND]

The plots (PNG) go to DIR (default: beside the report, in benchmarks/) and
are linked relative to the report.
"""
import argparse
import json
import os
import subprocess

OWNERS = {"named": "tempfile::named_temporary_file", "unnamed": "tempfile::temporary_file",
          "directory": "tempfile::temporary_directory"}
RUST = {"named": "Rust tempfile::NamedTempFile", "unnamed": "Rust tempfile::tempfile()",
        "directory": "Rust tempfile::TempDir"}
# Bar groups of the plot, in order: how a peer's name tells its group.
GROUPS = [("C floor", lambda n: n.startswith("C floor")), ("glibc", lambda n: n.startswith("glibc")),
          ("tempfile owner", lambda n: n in OWNERS.values()),
          ("tempfile mkstemp/mkdtemp", lambda n: n.startswith("tempfile::mk")),
          ("Rust tempfile", lambda n: n.startswith("Rust")), ("Python tempfile", lambda n: n.startswith("Python"))]
# What the hot path guarantees: fixed text, each point proven by a test (named) or
# by the tables below.
GUARANTEES = """## What the hot path guarantees

These hold on every run; the tests named here assert them, and the tables below show them.

- **System calls**: a `named_temporary_file` costs `openat`, `close`, `unlink`; a `temporary_file`
  `openat(O_TMPFILE)`, `close`; an empty `temporary_directory` `mkdir`, `rmdir`; `mkstemp` one `openat`
  (the caller closes and unlinks). Names take one `getrandom` per about 27 names. (The syscall-budget
  tests: `NamedTemporaryFile.CreateAndDestroyCostOpenCloseAndUnlinkOnly` and its siblings.)
- **`gettempdir()`** makes no system call after its first success
  (`Gettempdir.MakesNoSystemCallOnceItHasAnswered`). The answer is published once as an immutable path
  that every owner reads with one atomic load: no lock, no copy. `set_tempdir()` publishes another;
  published paths are kept for the life of the process (a reader may still hold one), one per distinct
  directory however often it is called.
- **Heap allocations** per create + destroy (tests/allocation_count_test.cpp, with a counting
  `operator new`): `temporary_file` none; `named_temporary_file`, `temporary_directory`, `mkstemp` and
  `mkdtemp` only the path they return, in the default directory and in an absolute `dir`. That path is
  one block with libc++; libstdc++'s `std::filesystem::path` also allocates its list of components
  (and one more block for each component longer than 15 characters), hence the 2 in the tables. The
  name is built in one string of its final size, then moved into the path. The registry of live
  owners for `enable_signal_cleanup()` keeps paths of up to 223 characters inline in its slots.
- **`dir`**: the default directory and an absolute `dir` without `.` or empty steps are used in
  place; a relative `dir` costs one `getcwd` and one string join. An option left at its default costs
  nothing: options are read where they are, never copied.
"""
REMOVERS = ["tempfile::remove_tree", "rm -rf", "std::filesystem::remove_all", "python3 shutil.rmtree"]


def us(ns):
    return f"{ns / 1000:.2f}"


def find(rows, peer):
    return next(r for r in rows if r["peer"] == peer)


def find_or_none(rows, peer):
    return next((r for r in rows if r["peer"] == peer), None)


def headline(res):
    t = res["time"]["tmpfs"]
    parts = []
    for case in ("named", "unnamed", "directory"):
        ours, rust = find(t[case], OWNERS[case]), find_or_none(t[case], RUST[case])
        vs_rust = f" ({ours['cpu_ns'] / rust['cpu_ns']:.2f}× Rust's tempfile)" if rust else ""
        parts.append(f"{case} {ours['ratio']:.2f}× the floor{vs_rust}")
    return "On tmpfs, CPU time per create + destroy: " + "; ".join(parts) + "."


# Issue 8's targets: (what, how this run measured it, met?) for each.
SYSCALL_FLOOR = {"named": 3, "unnamed": 2, "directory": 2}
# The low-level calls, each with its case: mkstemp is one openat, and the caller's close and unlink.
LOW_LEVEL = {"tempfile::mkstemp, close, unlink": "named", "tempfile::mkdtemp, rmdir": "directory"}
ALLOC_BUDGET = {"named": 1, "unnamed": 0, "directory": 1}


def targets_table(res):
    t, per_op = res["time"]["tmpfs"], res["per_operation"] or {}
    out = ["| target | measured in this run (tmpfs) | met |", "|---|---|---|"]

    def row(what, measured, met):
        out.append(f"| {what} | {measured} | {'yes' if met else '**no**'} |")

    for case in ("named", "unnamed", "directory"):
        ours = find(t[case], OWNERS[case])
        row(f"{OWNERS[case]}: CPU time ≤ 1.10× the floor", f"{ours['ratio']:.2f}×", ours["ratio"] <= 1.10)
        rust = find_or_none(t[case], RUST[case])
        if rust:
            ratio = ours["cpu_ns"] / rust["cpu_ns"]
            row(f"{OWNERS[case]}: CPU time below Rust's tempfile", f"{ratio:.2f}× Rust's", ratio < 1)
        libcxx = find_or_none(t[case], OWNERS[case] + " (libc++)")
        if libcxx:
            row(f"{OWNERS[case]} (clang, libc++): CPU time ≤ 1.10× the floor", f"{libcxx['ratio']:.2f}×",
                libcxx["ratio"] <= 1.10)
            if rust:
                ratio = libcxx["cpu_ns"] / rust["cpu_ns"]
                row(f"{OWNERS[case]} (clang, libc++): below Rust's tempfile", f"{ratio:.2f}× Rust's", ratio < 1)
    for peer, case in list((OWNERS[c], c) for c in ("named", "unnamed", "directory")) + list(LOW_LEVEL.items()):
        op = per_op.get(peer)
        if op:
            # getrandom is amortised (one call per about 27 names): shown, not counted against the floor.
            random = op["by_name"].get("getrandom", 0)
            row(f"{peer}: {SYSCALL_FLOOR[case]} system calls (getrandom apart)",
                f"{op['syscalls'] - random:g}" + (f" + getrandom {random:g}" if random else ""),
                round(op["syscalls"] - random, 2) <= SYSCALL_FLOOR[case])
    # One fs::path is one block with libc++, two with libstdc++ (its text and its list of components;
    # the scratch directories' steps are kept to 15 characters, which libstdc++ keeps inline).
    libstdcxx = "clang" not in res["versions"].get("C++ compiler", "")
    for case in ("named", "unnamed", "directory"):
        ours = [(OWNERS[case], 2 if libstdcxx else 1, "libstdc++" if libstdcxx else "libc++"),
                (OWNERS[case] + " (libc++)", 1, "libc++")]
        ours += [(p, ours[0][1], ours[0][2]) for p, c in LOW_LEVEL.items() if c == case]
        for peer, path_blocks, lib in ours:
            op = per_op.get(peer)
            if not op:
                continue
            budget = 0 if case == "unnamed" else path_blocks
            what = "none" if case == "unnamed" else f"only its path ({budget} block{'s' if budget > 1 else ''} with {lib})"
            row(f"{peer}: heap allocations: {what}", f"{op['allocs']:g}", op["allocs"] <= budget)
    for peer in (OWNERS["named"], OWNERS["named"] + " (libc++)"):
        op = per_op.get(peer)
        if op and "instructions" in op:
            row(f"{peer}: user-space instructions < 1,500 (callgrind)", f"{op['instructions']:,}",
                op["instructions"] < 1500)
    return out


def time_table(rows, per_op):
    out = ["| case | peer | CPU µs/op (median) | × floor | elapsed µs/op | syscalls/op | allocations/op | "
           "instructions/op |",
           "|---|---|---:|---:|---:|---:|---:|---:|"]
    for case, peers in rows.items():
        for r in peers:
            op = per_op.get(r["peer"], {}) if per_op else {}
            name = f"**{r['peer']}**" if r["peer"] == OWNERS[case] else r["peer"]
            out.append(f"| {case} | {name} | {us(r['cpu_ns'])} | {r['ratio']:.2f} | {us(r['wall_ns'])} | "
                       f"{op.get('syscalls', '')} | {op.get('allocs', '')} | {op.get('instructions', '')} |")
    return out


def syscall_table(per_op):
    out = ["| peer | system calls per operation |", "|---|---|"]
    for peer, op in per_op.items():
        calls = ", ".join(f"{k} {v:g}" for k, v in op["by_name"].items())
        out.append(f"| {peer} | {op['syscalls']:g}: {calls} |")
    return out


def tree_table(tree):
    out = ["| tree | files (depth) | remover | " + " | ".join(f"{fs} CPU s" for fs in tree) + " | × rm -rf (tmpfs) |",
           "|---|---:|---|" + "---:|" * (len(tree) + 1)]
    first = next(iter(tree.values()))["rows"]
    for row in first:
        cells = []
        for fs in tree:
            match = [r for r in tree[fs]["rows"]
                     if (r["tree"], r["files"], r["remover"]) == (row["tree"], row["files"], row["remover"])]
            r = match[0] if match else None
            if r is None or r["seconds"] < 0:
                cells.append("failed")
            else:
                cells.append(f"{r['seconds']:.4f}" + (f" ({r['failures']} failed)" if r["failures"] else ""))
        rm = [r for r in first if (r["tree"], r["files"], r["remover"]) == (row["tree"], row["files"], "rm -rf")]
        ratio = f"{row['seconds'] / rm[0]['seconds']:.2f}" if rm and rm[0]["seconds"] > 0 and row["seconds"] >= 0 else ""
        out.append(f"| {row['tree']} | {row['files']} | {row['remover']} | " + " | ".join(cells) + f" | {ratio} |")
    return out


def command_table(command):
    out = ["| command | file system | CPU ms (median) | elapsed ms (median) | syscalls |", "|---|---|---:|---:|---:|"]
    for fs, rows in command.items():
        for r in rows:
            out.append(f"| `{r['command']}` | {fs} | {r['cpu_s'] * 1000:.2f} | {r['wall_s'] * 1000:.2f} | "
                       f"{r['syscalls']} |")
    return out


def plot_ops(res, plots):
    for fs, cases in res["time"].items():
        with open(os.path.join(plots, f"ops-{fs}.dat"), "w") as f:
            f.write("case " + " ".join(f'"{g}"' for g, _ in GROUPS) + "\n")
            for case, rows in cases.items():
                values = []
                for _, member in GROUPS:
                    hit = [r for r in rows if member(r["peer"])]
                    values.append(us(hit[0]["cpu_ns"]) if hit else "?")
                f.write(f"{case} " + " ".join(values) + "\n")
    script = [
        'set terminal pngcairo noenhanced size 1100,500 font ",10"', f'set output "{plots}/create-destroy.png"',
        "set multiplot layout 1,2", "set style data histograms", "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1", "set boxwidth 0.9", "set ylabel \"CPU µs per create + destroy\"",
        "set yrange [0:*]", "set grid ytics", "set key below", "set datafile missing '?'",
    ]
    for fs in res["time"]:
        script += [f'set title "{fs} (median of the rounds)"',
                   f'plot for [i=2:{len(GROUPS) + 1}] "{plots}/ops-{fs}.dat" using i:xtic(1) title columnheader(i)']
    script.append("unset multiplot")
    return script


def plot_tree(res, plots):
    script = ["reset", 'set terminal pngcairo noenhanced size 800,500 font ",10"', f'set output "{plots}/tree-removal.png"',
              'set title "Removing a tree of empty files in directories (CPU time, median)"',
              "set logscale xy", 'set xlabel "files"', 'set ylabel "CPU seconds"', "set grid",
              "set key top left"]
    plots_cmd = []
    for dash, fs in enumerate(res["tree"], start=1):
        for color, remover in enumerate(REMOVERS, start=1):
            rows = [r for r in res["tree"][fs]["rows"] if r["tree"] == "wide" and r["remover"] == remover
                    and r["seconds"] > 0]
            name = f"tree-{fs}-{color}.dat"
            with open(os.path.join(plots, name), "w") as f:
                for r in rows:
                    f.write(f"{r['files']} {r['seconds']}\n")
            plots_cmd.append(f'"{plots}/{name}" using 1:2 with linespoints lc {color} dt {dash} '
                             f'title "{remover} ({fs})"')
    script.append("plot " + ", ".join(plots_cmd))
    return script


def gnuplot(script, plots):
    path = os.path.join(plots, "plots.gnuplot")
    with open(path, "w") as f:
        f.write("\n".join(script) + "\n")
    subprocess.run(["gnuplot", path], check=True)
    for name in os.listdir(plots):
        if not name.endswith(".png"):
            os.unlink(os.path.join(plots, name))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("report")
    p.add_argument("--plots")
    p.add_argument("--rerun", default="bench/compare.sh")
    a = p.parse_args()
    with open(a.results) as f:
        res = json.load(f)
    plots = a.plots or os.path.join(os.path.dirname(os.path.abspath(a.report)), "benchmarks")
    os.makedirs(plots, exist_ok=True)
    gnuplot(plot_ops(res, plots) + plot_tree(res, plots), plots)
    rel = os.path.relpath(plots, os.path.dirname(os.path.abspath(a.report)))
    s, m = res["settings"], res["machine"]
    low, high = s["strace_counts"].split(",")
    md = [
        "# Benchmarks",
        "",
        f"<!-- Written by {a.rerun} (bench/compare.py, bench/report.py): rerun it rather than edit. -->",
        "",
        headline(res),
        "",
        f"Measured {res['started']} on {m['cores']} cores ({m['cpu']}), load average "
        f"{res['load_before'][0]:.1f} before and {res['load_after'][0]:.1f} after the run: the machine is "
        "shared, so compare ratios within one run rather than absolute times across runs.",
        "",
        "## Issue 8's targets in this run",
        "",
        "Computed by bench/report.py from this run's figures below; `no` is reported as measured.",
        "",
    ] + targets_table(res) + [
        "",
        GUARANTEES,
        "## What is measured",
        "",
        f"- **Create + destroy**: each peer makes and destroys {s['count']} temporary things ("
        f"{s.get('disk_count', s['count'])} on the disk) in its default "
        "directory, `$TMPDIR` pointed at a fresh directory, and reports the CPU time (user + system, "
        "`CLOCK_PROCESS_CPUTIME_ID` or Python's `process_time`) of its loop alone. "
        f"{s['rounds']} round{'s' if s['rounds'] != 1 else ''}; in each, every peer of a case runs once, in rotated order (A B C, B C A, ...), "
        "and the table shows the median. The **C floor** is the system calls that cannot be avoided "
        "(`getrandom` for the name, then `open(O_CREAT|O_EXCL)` + `close` + `unlink`; `open(O_TMPFILE)` + "
        "`close`; `getrandom` + `mkdir` + `rmdir`) and nothing else; × floor is the ratio to it in the same run.",
        f"- **System calls per operation**: `strace -f -c` at {low} and {high} operations, the difference "
        "divided by the difference, so that start-up costs cancel (tmpfs).",
        "- **Instructions per operation**: user-space instructions counted by valgrind's callgrind (the C "
        "library's system call wrappers included, the kernel's own work not), by the same difference"
        + (f" at {s['callgrind_counts'].replace(',', ' and ')} operations." if s.get('callgrind_counts') else "."),
        "- **Allocations per operation**: the same difference of `malloc`-family calls, counted by an "
        "`LD_PRELOAD` shim (bench/peers/count_malloc.c); Python runs with `PYTHONMALLOC=malloc` so that its "
        "small objects count too. The Google Benchmark binaries count C++ `operator new` per iteration "
        "(`allocs/op`).",
        "- **Tree removal**: bench/remove_tree_bench `--clock cpu` builds a fresh tree per remover and run "
        "(not timed) and measures the CPU time of the removal: ours and `std::filesystem::remove_all` in the "
        "process, `rm -rf` from `wait4` (its process start included), `shutil.rmtree` inside Python.",
        "- **The command**: `tempfile-run -- true` against `sh -c '" + "d=$(mktemp -d); trap \"rm -rf $d\" EXIT; "
        "true'`, alternating, CPU time of the command and all it waited for (`wait4`).",
        "",
        "## Create + destroy",
        "",
        f"![CPU time per create + destroy]({rel}/create-destroy.png)",
        "",
    ]
    for fs, rows in res["time"].items():
        md += [f"### {fs} ({m['file_systems'][fs]})", ""] + time_table(rows, res["per_operation"] if fs == "tmpfs"
                                                                           else None) + [""]
    md += ["### System calls, by name (per operation, tmpfs)", ""] + syscall_table(res["per_operation"]) + [""]
    md += ["## Tree removal", "",
           f"Trees of empty files in directories ({s['tree_sizes'].replace('x', ' directories × ')} files each), "
           f"and a chain {s['chain_depth']} directories deep (its paths pass `PATH_MAX`); median of "
           f"{s['tree_runs']} runs each.", "",
           f"![Tree removal time]({rel}/tree-removal.png)", ""] + tree_table(res["tree"]) + [""]
    starts = ", ".join(f"{fs} {t['rm_start_seconds'] * 1000:.2f} ms" for fs, t in res["tree"].items()
                       if t["rm_start_seconds"] is not None)
    md += [f"`rm -rf` on a missing path (its process start alone, CPU): {starts}.", ""]
    md += ["## The command", ""] + command_table(res["command"]) + [""]
    if res["microbench"]:
        md += ["## Microbenchmarks (Google Benchmark)", "",
               f"Run with `{s['microbench_args']}` in a fresh directory on tmpfs. `allocs/op` counts C++ "
               "`operator new` calls per iteration; `dir:0` is the default directory, `dir:1` an absolute "
               "`dir`, `dir:2` a relative one.", ""]
        for name, out in res["microbench"].items():
            md += [f"### {name}", "", "```", out.rstrip(), "```", ""]
    analysis = os.path.join(os.path.dirname(os.path.abspath(__file__)), "analysis.md")
    if os.path.exists(analysis):  # hand-written: where the instructions go, and what remains
        with open(analysis) as f:
            md += [f.read().rstrip(), ""]
    md += ["## Machine and versions", "",
           f"- CPU: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Linux {m['kernel']}",
           "- File systems: " + ", ".join(f"{k} `{s[k]}` ({v})" for k, v in m["file_systems"].items()),
           f"- Load average: {', '.join(f'{x:.2f}' for x in res['load_before'])} before, "
           f"{', '.join(f'{x:.2f}' for x in res['load_after'])} after; the run took {res['elapsed_s']} s.", ""]
    md += [f"- {k}: {v}" for k, v in res["versions"].items()] + [""]
    md += ["## How to rerun", "",
           "```sh",
           "bench/compare.sh            # the full run: writes docs/benchmarks.md and docs/benchmarks/*.png",
           "bench/compare.sh --smoke    # tiny counts, no Rust, report under build/compare-smoke",
           "bench/compare.sh --smoke DIR --build BUILD   # the same on an existing -DTEMPFILE_BUILD_BENCH=ON build "
           "(what scripts/test.sh runs, in seconds)",
           "```", "",
           "It installs what it needs with apt-get (scripts/ensure-packages.sh: cargo, librust-tempfile-dev, "
           "libbenchmark-dev, gnuplot-nox, strace), builds this library in Release, the C floor, the malloc "
           "counter and the Rust peer (offline, from Debian's crates in /usr/share/cargo/registry), then runs "
           "bench/compare.py and bench/report.py. `--rounds N`, `--count N` and the other options of "
           "bench/compare.py pass through. Timing is a benchmark here, never a test assertion.", ""]
    with open(a.report, "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    main()
