#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# Doxygen input filter for Markdown (docs/Doxyfile.in): gives every heading
# below the title the anchor GitHub gives it, so that links such as
# [Quick start](#quick-start) resolve in the API reference as on GitHub.
# GitHub's rule: the heading's text, lower case, with everything but letters,
# digits, spaces, '-' and '_' dropped, spaces made '-'; a repeated anchor
# gets -1, -2, ... Fenced code blocks are left alone. Lines are neither
# added nor removed, so Doxygen's line numbers stay right.
import re
import sys

heading = re.compile(r"^(#{2,6})[ \t]+(.*?)[ \t]*#*[ \t]*$")
fence = re.compile(r"^[ \t]*(```|~~~)")


def slug(text: str) -> str:
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link counts by its text
    text = text.lower()
    text = "".join(c for c in text if c.isalnum() or c in " -_")
    return text.replace(" ", "-")


def main() -> None:
    seen: dict[str, int] = {}
    in_fence = None
    with open(sys.argv[1], encoding="utf-8") as source:
        for line in source:
            match = fence.match(line)
            if match:
                if in_fence is None:
                    in_fence = match.group(1)
                elif match.group(1) == in_fence:
                    in_fence = None
            match = heading.match(line.rstrip("\n")) if in_fence is None else None
            if match and "{#" not in line:
                anchor = slug(match.group(2))
                count = seen.get(anchor, 0)
                seen[anchor] = count + 1
                if count:
                    anchor = f"{anchor}-{count}"
                line = f"{match.group(1)} {match.group(2)} {{#{anchor}}}\n"
            sys.stdout.write(line)


if __name__ == "__main__":
    main()
