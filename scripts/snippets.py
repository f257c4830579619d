#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Extracts every ```cpp block of the given Markdown files into a compilable
file, for scripts/check-snippets.sh.

A block that defines `int main(` is a complete program and is written as it
is. Any other block is a fragment: its lines become the body of a function
in the harness below (the library's header, the usual standard headers,
`namespace fs = std::filesystem;`), so a fragment may use `fs` and the
standard library without including it, but every other name it uses must be
declared in the block itself (a placeholder is a real function, a lambda, or
a comment).

An HTML comment on the line just before the fence, invisible on GitHub,
changes that; its words are separated by commas:

    <!-- snippet: compile-only REASON -->   compiled, not run
    <!-- snippet: skip REASON -->           neither compiled nor run
    <!-- snippet: std=c++20 -->             compiled as C++20 (default C++17)
    <!-- snippet: copy-of PATH -->          must equal the file PATH (from the
                                             repository's root; its SPDX line aside)

compile-only and skip need a reason. Writes DIR/NNN.cpp and DIR/manifest.tsv:
one line per block with the file name, source location, standard, whether to
run it, and what it is (program or fragment)."""
import pathlib
import re
import sys

HARNESS_HEAD = """\
// A fragment from {where}, wrapped by scripts/snippets.py.
#include <tempfile/tempfile.hpp>

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

static void snippet() {{
#line {line} "{file}"
"""
HARNESS_TAIL = """\
}

int main() {
    snippet();
    return 0;
}
"""

FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*([A-Za-z0-9_+-]*)\s*$")
MARKER = re.compile(r"^\s*<!--\s*snippet:\s*(.*?)\s*-->\s*$")
MAIN = re.compile(r"\bint\s+main\s*\(")


def fail(message: str) -> None:
    print(f"snippets.py: {message}", file=sys.stderr)
    sys.exit(1)


def parse_marker(text: str, where: str) -> dict:
    options = {"run": True, "skip": False, "std": "c++17", "copy_of": None, "why": ""}
    for word in (w.strip() for w in text.split(",") if w.strip()):
        name, _, rest = word.partition(" ")
        rest = rest.strip()
        if name in ("compile-only", "skip"):
            if not rest:
                fail(f"{where}: '{name}' needs a reason")
            options["run"] = False
            options["skip"] = name == "skip"
            options["why"] = rest
        elif name.startswith("std="):
            options["std"] = name[4:]
        elif name == "copy-of" and rest:
            options["copy_of"] = rest
        else:
            fail(f"{where}: unknown snippet marker '{word}'")
    return options


def blocks(path: pathlib.Path):
    """(first line number of the code, the code, the marker text or None)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, language = match.group(2), match.group(3)
        start = i + 1
        j = start
        while j < len(lines) and not (lines[j].strip().startswith(fence[0] * len(fence)) and
                                      lines[j].strip().strip(fence[0]) == ""):
            j += 1
        if language == "cpp":
            marker = MARKER.match(lines[i - 1]) if i > 0 else None
            yield start + 1, lines[start:j], marker.group(1) if marker else None
        i = j + 1


def main() -> None:
    if len(sys.argv) < 4:
        fail("usage: snippets.py ROOT OUT-DIR FILE.md...")
    root = pathlib.Path(sys.argv[1]).resolve()
    out = pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    count = 0
    for name in sys.argv[3:]:
        path = pathlib.Path(name).resolve()
        shown = str(path.relative_to(root))
        for line, code, marker in blocks(path):
            where = f"{shown}:{line}"
            options = parse_marker(marker, where) if marker is not None else parse_marker("", where)
            count += 1
            if options["skip"]:
                manifest.append(f"{where}\t-\t{options['std']}\tskip\t{options['why']}")
                continue
            if options["copy_of"]:
                original = (root / options["copy_of"]).read_text(encoding="utf-8").splitlines()
                original = [l for l in original if not l.startswith("// SPDX-License-Identifier:")]
                if original != code:
                    fail(f"{where}: differs from {options['copy_of']} (copy it again)")
            file = out / f"{count:03}.cpp"
            if MAIN.search("\n".join(code)):
                kind = "program"
                text = f'#line {line} "{shown}"\n' + "\n".join(code) + "\n"
            else:
                kind = "fragment"
                text = (HARNESS_HEAD.format(where=where, line=line, file=shown) + "\n".join(code) + "\n" +
                        HARNESS_TAIL)
            file.write_text(text, encoding="utf-8")
            run = "run" if options["run"] else "compile-only"
            manifest.append(f"{where}\t{file.name}\t{options['std']}\t{run}\t{kind}")
    (out / "manifest.tsv").write_text("".join(m + "\n" for m in manifest), encoding="utf-8")
    print(f"{count} cpp blocks")


if __name__ == "__main__":
    main()
