"""Every test a page cites exists, and the pitfalls gallery shows every wrong snippet."""

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "SKILL.md", *sorted((ROOT / "references").glob("*.md"))]
# tests/<dir>/test_x.py, optionally ::test_name and a parametrize id: ::test_name[param]
CITATION = re.compile(r"(?P<file>tests/[\w/]+\.py)(?:::(?P<test>\w+)(?:\[[^\]\s]*\])?)?")
SNIPPET_MARKER = re.compile(r"<!-- snippet: (?P<file>[^#\s]+)(?:#(?P<region>[\w-]+))? -->")
WRONG_REGION = re.compile(r"^\s*# region (?P<name>wrong-[\w-]+)\s*$", re.MULTILINE)


@cache
def defined_tests(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return frozenset(
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test_")
    )


def citations(page: Path) -> list[tuple[str, str | None]]:
    return [(m["file"], m["test"]) for m in CITATION.finditer(page.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_cited_test_exists(page):
    missing = []
    for file, test in citations(page):
        path = ROOT / file
        if not path.is_file():
            missing.append(f"{file}: no such file")
        elif test is not None and test not in defined_tests(path):
            missing.append(f"{file}::{test}: no such test function")
    assert missing == [], f"{page.name} cites tests that do not exist"


def test_citations_are_found():
    """Guards the pattern itself: the gallery cites tests with and without parametrize ids."""
    cited = citations(ROOT / "references" / "pitfalls.md")
    assert len(cited) >= 40
    text = (ROOT / "references" / "pitfalls.md").read_text(encoding="utf-8")
    assert "::test_failed_commit_answers_409[/bookings]" in text
    assert ("tests/sqlalchemy/test_commit_scope.py", "test_failed_commit_answers_409") in cited


def test_only_functions_named_test_count(tmp_path):
    module = tmp_path / "test_demo.py"
    module.write_text("async def test_here():\n    pass\n\ndef helper():\n    pass\n")
    assert defined_tests(module) == {"test_here"}


def test_the_gallery_shows_every_wrong_snippet():
    shown = {
        (m["file"], m["region"] or "")
        for m in SNIPPET_MARKER.finditer((ROOT / "references" / "pitfalls.md").read_text(encoding="utf-8"))
    }
    wrong = set()
    for module in sorted((ROOT / "snippets").rglob("*.py")):
        name = module.relative_to(ROOT / "snippets").as_posix()
        regions = WRONG_REGION.findall(module.read_text(encoding="utf-8"))
        wrong.update((name, region) for region in regions)
        if module.name.startswith("wrong_") and not regions:
            wrong.add((name, ""))
    assert sorted(wrong - shown) == [], "add these wrong snippets to references/pitfalls.md"
