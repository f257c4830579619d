#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every relative link of README.md and docs/*.md resolves: the file or
directory it names exists, and its #anchor is a heading of the target page
(GitHub's anchor rule, the one docs/markdown-anchors.py gives Doxygen) or an
explicit {#label}. Links with a scheme (https:, mailto:) are not followed.
Links inside code (fenced blocks, `inline`) are not links.
Also, as Doxygen needs for the API reference: no heading anchor is used by
two pages (its labels are global), and no link's text is split across lines.
Usage: check-links.py [FILE.md...] (default: README.md, CHANGELOG.md,
SECURITY.md and docs/*.md, the Markdown that Doxygen reads)."""
import importlib.util
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("anchors", ROOT / "docs" / "markdown-anchors.py")
anchors_module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(anchors_module)

FENCE = re.compile(r"^\s*(```|~~~)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
LINK = re.compile(r"\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
LABEL = re.compile(r"\{#([A-Za-z0-9_-]+)\}")


def prose_lines(path: pathlib.Path):
    """(line number, text) of the lines outside fenced code blocks."""
    fence = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        match = FENCE.match(line)
        if match:
            fence = match.group(1) if fence is None else (None if match.group(1) == fence else fence)
            continue
        if fence is None:
            yield number, line


def anchors_of(path: pathlib.Path, cache: dict, labels_only: bool = False) -> set:
    """The anchors of path's headings; labels_only: only those that
    docs/markdown-anchors.py gives Doxygen (levels 2 to 6)."""
    key = (path, labels_only)
    if key not in cache:
        seen: dict = {}
        found = set()
        for _, line in prose_lines(path):
            found.update(LABEL.findall(line))
            match = HEADING.match(line)
            if not match or (labels_only and len(match.group(1)) < 2):
                continue
            slug = anchors_module.slug(LABEL.sub("", match.group(2)).strip())
            count = seen.get(slug, 0)
            seen[slug] = count + 1
            found.add(f"{slug}-{count}" if count else slug)
        cache[key] = found
    return cache[key]


def main() -> int:
    files = [pathlib.Path(f).resolve() for f in sys.argv[1:]] or \
        [ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "SECURITY.md", *sorted((ROOT / "docs").glob("*.md"))]
    cache: dict = {}
    errors = 0
    links = 0
    for path in files:
        shown = path.relative_to(ROOT)
        for number, line in prose_lines(path):
            text = INLINE_CODE.sub("", line)
            if re.search(r"\[[^\]]*$", text):
                # Doxygen 1.9 then reads the fenced code blocks further down
                # the page as text (a "\n" in them becomes a command).
                print(f"{shown}:{number}: a link's text is split across lines: keep it on one line")
                errors += 1
            targets = LINK.findall(text) + REFERENCE.findall(text)
            for target in targets:
                if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", target):
                    continue  # https:, mailto:
                links += 1
                name, _, anchor = target.partition("#")
                where = (path.parent / name).resolve() if name else path
                if not where.exists():
                    print(f"{shown}:{number}: {target}: no such file {where.relative_to(ROOT) if ROOT in where.parents else where}")
                    errors += 1
                    continue
                if anchor:
                    if where.suffix != ".md":
                        print(f"{shown}:{number}: {target}: an anchor into a file that is not Markdown")
                        errors += 1
                    elif anchor not in anchors_of(where, cache):
                        print(f"{shown}:{number}: {target}: no heading with anchor #{anchor} in {where.relative_to(ROOT)}")
                        errors += 1
    # Doxygen's section labels are global: a heading's anchor may be used by
    # one page only, or the API reference fails (scripts/check-docs.sh).
    owner: dict = {}
    for path in files:
        for anchor in sorted(anchors_of(path, cache, labels_only=True)):
            if anchor in owner:
                print(f"{path.relative_to(ROOT)}: heading anchor #{anchor} is also one of "
                      f"{owner[anchor].relative_to(ROOT)}'s (Doxygen labels are global)")
                errors += 1
            else:
                owner[anchor] = path
    print(f"links: {links} relative links in {len(files)} files, {errors} broken")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
