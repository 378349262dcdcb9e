"""Generate the code blocks of SKILL.md and references/*.md from named regions in snippets/.

A page marks a block with a start and an end marker; the generator replaces what lies between them:

    <!-- snippet: async_vs_sync/handlers.py#sync-def -->
    ...generated fenced block...
    <!-- /snippet -->

The part after `#` names a region (omit it for the whole module). A module marks a region with
`# region <name>` and `# endregion <name>`; marker lines never appear in the output.

Usage: build_skill.py [--check] [--root DIR]
Exit codes: 0 in sync (or written), 1 drift found by --check (a diff is printed), 2 error.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKILL_NAME = "fastapi-async-patterns"
ALLOWED_KEYS = {"name", "description", "license", "allowed-tools", "metadata", "compatibility"}
MAX_BODY_LINES = 500
TOC_THRESHOLD = 100

BLOCK = re.compile(
    r"(?P<start><!-- snippet: (?P<file>[^#\s]+)(?:#(?P<region>[\w-]+))? -->\n)"
    r"(?P<body>.*?)"
    r"(?P<end><!-- /snippet -->)",
    re.DOTALL,
)
START_MARK = re.compile(r"<!-- snippet:")
REGION_MARK = re.compile(r"^\s*# (?P<kind>region|endregion) (?P<name>[\w-]+)\s*$")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\((?P<target>[^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


class BuildError(Exception):
    """A problem that stops the build: exit code 2."""


def parse_regions(path: Path) -> dict[str, str]:
    """Map region names of a module to their text (marker lines removed, dedented)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    open_at: dict[str, int] = {}
    spans: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(lines):
        match = REGION_MARK.match(line)
        if not match:
            continue
        name = match["name"]
        if match["kind"] == "region":
            if name in open_at or name in spans:
                raise BuildError(f"{path}: duplicate region '{name}' (line {number + 1})")
            open_at[name] = number
        else:
            if name not in open_at:
                raise BuildError(f"{path}: 'endregion {name}' without a start (line {number + 1})")
            spans[name] = (open_at.pop(name), number)
    if open_at:
        name = next(iter(open_at))
        raise BuildError(f"{path}: region '{name}' is not closed (opened on line {open_at[name] + 1})")

    def render(start: int, stop: int) -> str:
        kept = [line for line in lines[start:stop] if not REGION_MARK.match(line)]
        return textwrap.dedent("\n".join(kept)).strip("\n")

    regions = {"": render(0, len(lines))}
    for name, (start, stop) in spans.items():
        text = render(start + 1, stop)
        if not text.strip():
            raise BuildError(f"{path}: region '{name}' is empty")
        regions[name] = text
    return regions


def render_block(root: Path, page: Path, file: str, region: str | None) -> str:
    module = root / "snippets" / file
    where = f"{page.relative_to(root)}: snippet {file}" + (f"#{region}" if region else "")
    if not module.is_file():
        raise BuildError(f"{where}: no such file snippets/{file}")
    regions = parse_regions(module)
    if (region or "") not in regions:
        raise BuildError(f"{where}: region '{region}' not found in snippets/{file}")
    code = regions[region or ""]
    return f"```python\n# snippets/{file}\n{code}\n```\n"


def render_page(root: Path, page: Path, text: str, used: set[Path]) -> str:
    """Return the page with every snippet block regenerated."""
    if len(START_MARK.findall(text)) != len(BLOCK.findall(text)):
        raise BuildError(f"{page.relative_to(root)}: a snippet marker is malformed or has no end marker")

    def replace(match: re.Match[str]) -> str:
        used.add((root / "snippets" / match["file"]).resolve())
        block = render_block(root, page, match["file"], match["region"])
        return match["start"] + block + match["end"]

    return BLOCK.sub(replace, text)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def prose_lines(text: str) -> list[str]:
    """Lines outside fenced code blocks."""
    kept, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            kept.append(line)
    return kept


def check_links(root: Path, page: Path, text: str) -> None:
    lines = prose_lines(text)
    anchors = {slug(line.lstrip("#")) for line in lines if line.startswith("#")}
    for line in lines:
        for match in LINK.finditer(line):
            target = match["target"]
            if re.match(r"^[a-z]+:", target):
                continue  # external link (https:, mailto:)
            path, _, anchor = target.partition("#")
            where = f"{page.relative_to(root)}: broken link '{target}'"
            if not path:
                if anchor not in anchors:
                    raise BuildError(where)
                continue
            linked = (page.parent / path).resolve()
            if not linked.exists() or not linked.is_relative_to(root):
                raise BuildError(where)
            if anchor and linked.suffix == ".md":
                linked_lines = prose_lines(linked.read_text(encoding="utf-8"))
                if anchor not in {slug(h.lstrip("#")) for h in linked_lines if h.startswith("#")}:
                    raise BuildError(where)


def check_frontmatter(text: str) -> int:
    """Validate SKILL.md's frontmatter; return the number of lines it takes."""
    lines = text.splitlines()
    if not lines or lines[0] != "---" or "---" not in lines[1:]:
        raise BuildError("SKILL.md: must start with YAML frontmatter between '---' lines")
    end = lines.index("---", 1)
    fields: dict[str, str] = {}
    for line in lines[1:end]:
        if line.startswith((" ", "\t")) or not line.strip():
            continue  # nested value (metadata) or blank line
        key, sep, value = line.partition(":")
        if not sep:
            raise BuildError(f"SKILL.md: frontmatter line is not 'key: value': {line!r}")
        fields[key.strip()] = value.strip().strip("\"'")
    unknown = set(fields) - ALLOWED_KEYS
    if unknown:
        raise BuildError(f"SKILL.md: frontmatter keys not allowed: {', '.join(sorted(unknown))}")
    name, description = fields.get("name", ""), fields.get("description", "")
    if name != SKILL_NAME or not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name) or len(name) > 64:
        raise BuildError(f"SKILL.md: name must be '{SKILL_NAME}' (lowercase, digits, single hyphens, <= 64)")
    if not 1 <= len(description) <= 1024 or re.search(r"[<>]", description):
        raise BuildError("SKILL.md: description must be 1 to 1024 characters without '<' or '>'")
    if re.search(r"\b(I|me|my|we|our|you|your)\b", description):
        raise BuildError("SKILL.md: description must be in the third person (no I/we/you)")
    if not re.search(r"\bwhen\b", description, re.IGNORECASE):
        raise BuildError("SKILL.md: description must say when to use the skill ('Use when ...')")
    return end + 1


def check_shape(root: Path, pages: dict[Path, str]) -> None:
    skill = root / "SKILL.md"
    body_lines = len(pages[skill].splitlines()) - check_frontmatter(pages[skill])
    if body_lines >= MAX_BODY_LINES:
        raise BuildError(f"SKILL.md: body has {body_lines} lines; keep it under {MAX_BODY_LINES}")
    nested = [p for p in (root / "references").rglob("*") if p.parent != root / "references"]
    if nested:
        raise BuildError(f"{nested[0].relative_to(root)}: references must sit directly in references/")
    for page, text in pages.items():
        if page.parent != root / "references" or len(text.splitlines()) <= TOC_THRESHOLD:
            continue
        head = "\n".join(text.splitlines()[:12])
        if not re.search(r"^## Contents\s*$", head, re.MULTILINE):
            raise BuildError(
                f"{page.relative_to(root)}: over {TOC_THRESHOLD} lines; start with a '## Contents' list"
            )


def build(root: Path) -> dict[Path, tuple[str, str]]:
    """Return {page: (current text, generated text)}; raise BuildError on any problem."""
    skill = root / "SKILL.md"
    if not skill.is_file():
        raise BuildError("SKILL.md: missing")
    pages = [skill, *sorted((root / "references").glob("*.md"))]
    used: set[Path] = set()
    result = {}
    for page in pages:
        current = page.read_text(encoding="utf-8")
        generated = render_page(root, page, current, used)
        check_links(root, page, generated)
        result[page] = (current, generated)
    check_shape(root, {page: generated for page, (_, generated) in result.items()})
    for module in sorted((root / "snippets").rglob("*.py")):
        if module.resolve() not in used:
            raise BuildError(f"{module.relative_to(root)}: snippet module is not referenced by any page")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail with a diff instead of writing")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this repo)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    try:
        pages = build(root)
    except (BuildError, OSError, UnicodeDecodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    drift = False
    for page, (current, generated) in pages.items():
        if current == generated:
            continue
        name = str(page.relative_to(root))
        if args.check:
            drift = True
            sys.stdout.writelines(
                difflib.unified_diff(
                    current.splitlines(keepends=True), generated.splitlines(keepends=True), name, name
                )
            )
        else:
            page.write_text(generated, encoding="utf-8", newline="\n")
            print(f"updated {name}")
    if drift:
        print("pages are out of date: run scripts/build_skill.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
