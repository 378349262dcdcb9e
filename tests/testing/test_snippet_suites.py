"""Run every test module under snippets/testing with pytest, the way a reader would run them."""

import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUITES = ROOT / "snippets" / "testing"


def run_pytest(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def suite_results(tmp_path_factory):
    """Run snippets/testing once; map each test module's name to its test cases' outcomes."""
    report = tmp_path_factory.mktemp("suite") / "report.xml"
    # The repository's pytest settings apply (asyncio_mode=auto, warnings as errors); the snippets
    # import main.py and harness.py as top-level modules, as they would in a project.
    result = run_pytest(str(SUITES), "-o", "pythonpath=snippets/testing", f"--junitxml={report}")
    outcomes: dict[str, dict[str, str]] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)[-1]
        failed = [child.tag for child in case if child.tag in {"failure", "error", "skipped"}]
        outcomes.setdefault(module, {})[case.get("name", "")] = failed[0] if failed else "passed"
    return result, outcomes


@pytest.mark.parametrize("module", sorted(p.stem for p in SUITES.glob("test_*.py")))
def test_snippet_test_module_passes(suite_results, module):
    result, outcomes = suite_results
    assert outcomes.get(module), f"no tests ran from {module}.py\n{result.stdout}{result.stderr}"
    assert set(outcomes[module].values()) == {"passed"}, f"{outcomes[module]}\n{result.stdout}"


SESSION_FIXTURE_ON_TEST_LOOP = """
import asyncio
import pytest_asyncio

@pytest_asyncio.fixture(scope="module")
async def shared():
    yield asyncio.get_running_loop()

async def test_uses_it(shared):
    pass
"""

FIXTURE_LOOP_WITHOUT_TEST_LOOP = """
import asyncio
import pytest_asyncio

@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared():
    yield asyncio.get_running_loop()

async def test_uses_it(shared):
    assert shared is asyncio.get_running_loop()
"""


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (SESSION_FIXTURE_ON_TEST_LOOP, "ScopeMismatch"),  # a module fixture cannot use a per-test loop
        (FIXTURE_LOOP_WITHOUT_TEST_LOOP, "assert <"),  # the test runs on another loop than the fixture
    ],
    ids=["no-loop-scope", "fixture-loop-only"],
)
def test_a_wider_async_fixture_needs_a_matching_loop_scope(tmp_path, source, expected):
    (tmp_path / "test_wrong_loop.py").write_text(source)
    result = run_pytest(str(tmp_path / "test_wrong_loop.py"), "-q", "-c", str(ROOT / "pyproject.toml"))
    assert result.returncode == 1
    assert expected in result.stdout


def test_pytest_asyncio_warns_while_the_fixture_loop_scope_is_unset(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    (tmp_path / "test_nothing.py").write_text("async def test_nothing():\n    pass\n")
    result = run_pytest("-q", cwd=tmp_path)
    assert "asyncio_default_fixture_loop_scope" in result.stdout + result.stderr
