"""scripts/check_async.py: what it flags, what it leaves alone, its exit codes, and our own snippets."""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import build_skill
import check_async
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_async.py"
SNIPPETS = ROOT / "snippets"


def flagged(source: str) -> list[str]:
    """The call each finding names, as written (`pause()`), in line order."""
    findings = check_async.check_source(textwrap.dedent(source))
    return [finding.call for finding in findings]


def called(call: str) -> str:
    """`requests.get(url, timeout=5)` -> `requests.get()`, as findings name a call."""
    return ast.unparse(ast.parse(call, mode="eval").body.func) + "()"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60
    )


# --- each rule ---------------------------------------------------------------------------------------

BLOCKING_SAMPLES = {
    "time.sleep": ("import time", "time.sleep(1)"),
    "requests.get": ("import requests", "requests.get(url, timeout=5)"),
    "requests.post": ("import requests", "requests.post(url, json={}, timeout=5)"),
    "requests.Session": ("import requests", "requests.Session()"),
    "httpx.get": ("import httpx", "httpx.get(url)"),
    "httpx.Client": ("import httpx", "httpx.Client()"),
    "urlopen": ("import urllib.request", "urllib.request.urlopen(url)"),
    "open": ("", "open('data.txt')"),
    "Path.read_text": ("from pathlib import Path", "Path('a').read_text()"),
    "Path.read_bytes": ("from pathlib import Path", "Path('a').read_bytes()"),
    "Path.write_text": ("from pathlib import Path", "Path('a').write_text('x')"),
    "Path.write_bytes": ("from pathlib import Path", "Path('a').write_bytes(b'x')"),
    "Path.open": ("from pathlib import Path", "Path('a').open()"),
    "os.read": ("import os", "os.read(fd, 10)"),
    "shutil.copy": ("import shutil", "shutil.copy('a', 'b')"),
    "subprocess.run": ("import subprocess", "subprocess.run(['ls'], check=True)"),
    "subprocess.call": ("import subprocess", "subprocess.call(['ls'])"),
    "subprocess.check_output": ("import subprocess", "subprocess.check_output(['ls'])"),
    "os.system": ("import os", "os.system('ls')"),
    "socket.create_connection": ("import socket", "socket.create_connection(('db', 5432))"),
    "socket.getaddrinfo": ("import socket", "socket.getaddrinfo('example.com', 443)"),
    "psycopg2.connect": ("import psycopg2", "psycopg2.connect(dsn)"),
    "psycopg.connect": ("import psycopg", "psycopg.connect(dsn)"),
    "pymongo.MongoClient": ("import pymongo", "pymongo.MongoClient(url)"),
    "sqlite3.connect": ("import sqlite3", "sqlite3.connect('app.db')"),
    "redis.Redis": ("import redis", "redis.Redis()"),
    "redis.StrictRedis": ("import redis", "redis.StrictRedis()"),
    "redis.from_url": ("import redis", "redis.from_url(url)"),
    "create_engine": ("import sqlalchemy", "sqlalchemy.create_engine(url)"),
    "input": ("", "input('name? ')"),
    "getpass": ("import getpass", "getpass.getpass()"),
    "urllib3.request": ("import urllib3", "urllib3.request('GET', url)"),
    "urllib3.PoolManager": ("import urllib3", "urllib3.PoolManager()"),
    "gzip.open": ("import gzip", "gzip.open('a.gz')"),
    "os.fsync": ("import os", "os.fsync(fd)"),
    "os.walk": ("import os", "os.walk('.')"),
    "shutil.rmtree": ("import shutil", "shutil.rmtree('a')"),
    "os.popen": ("import os", "os.popen('ls')"),
    "os.waitpid": ("import os", "os.waitpid(fd, 0)"),
    "socket.gethostbyname": ("import socket", "socket.gethostbyname('example.com')"),
    "pymysql.connect": ("import pymysql", "pymysql.connect(host=url)"),
    "mysql.connector.connect": ("import mysql.connector", "mysql.connector.connect(host=url)"),
}


@pytest.mark.parametrize(("imports", "call"), BLOCKING_SAMPLES.values(), ids=BLOCKING_SAMPLES.keys())
def test_each_rule_flags_its_call_inside_async_def(imports: str, call: str) -> None:
    source = f"{imports}\n\nasync def handler(url, dsn, fd):\n    return {call}\n"
    findings = check_async.check_source(source, "app.py")
    assert len(findings) == 1, findings
    assert (findings[0].line, findings[0].col) == (4, 12)
    assert findings[0].message.startswith(called(call) + " ")
    assert "async def handler()" in findings[0].message


def test_calls_on_a_bound_sync_client_are_flagged() -> None:
    source = """
        import subprocess, socket, sqlite3, requests
        http = requests.Session()

        class Repository:
            def __init__(self):
                self.db = sqlite3.connect("app.db")

            async def count(self):
                return self.db.execute("select count(*) from t").fetchone()

        async def handler():
            http.get("https://example.com", timeout=5)
            process = subprocess.Popen(["sleep", "1"])
            process.wait()
            process.communicate()
            sock = socket.socket()
            sock.recv(10)
            sock.setblocking(False)
            sock.recv(10)
    """
    assert flagged(source) == [
        "self.db.execute()",
        "http.get()",
        "process.wait()",
        "process.communicate()",
        "sock.recv()",
    ]


def test_parameters_annotated_with_a_sync_client_type_are_checked() -> None:
    source = """
        from typing import Annotated, Optional
        import requests
        from fastapi import Depends
        from sqlalchemy.orm import Session
        from sqlalchemy.ext.asyncio import AsyncSession

        def get_db(): ...

        SessionDep = Annotated[Session, Depends(get_db)]

        async def a(db: Session): db.query(1).all()
        async def b(db: Annotated[Session, Depends(get_db)]): db.execute(1)
        async def c(db: SessionDep): db.commit()
        async def d(db: "Session | None" = None): db.commit()
        async def e(http: Optional[requests.Session]): http.get("u")
        async def f(sessions: list[Session], db: AsyncSession): sessions.append(1); await db.commit()
    """
    findings = check_async.check_source(textwrap.dedent(source))
    assert [finding.message.split(" in async def")[0] for finding in findings] == [
        "db.query() blocks (db: sqlalchemy.orm.Session)",
        "db.execute() blocks (db: sqlalchemy.orm.Session)",
        "db.commit() blocks (db: sqlalchemy.orm.Session)",
        "db.commit() blocks (db: sqlalchemy.orm.Session)",
        "http.get() blocks (http: requests.Session)",
    ]


def test_open_counts_only_on_a_pathlib_path_and_file_methods_only_with_their_arguments() -> None:
    source = """
        from pathlib import Path

        async def handler(path: Path, monitor, other):
            path.open()
            Path.read_bytes(path)
            (path / "a").read_text(encoding="utf-8")
            monitor.open()
            other.read_text()
            coroutine = other.write_bytes(1, 2, 3)
            other.write_bytes(b"data")
    """
    assert flagged(source) == [
        "path.open()",
        "Path.read_bytes()",
        "(path / 'a').read_text()",
        "other.read_text()",
        "other.write_bytes()",
    ]


def test_a_name_rebound_to_something_else_is_no_longer_a_sync_client() -> None:
    source = """
        import httpx

        async def handler(client: httpx.AsyncClient):
            with httpx.Client() as sync_client:
                sync_client.get("u")
            sync_client = client
            await sync_client.get("u")
    """
    assert flagged(source) == ["httpx.Client()", "sync_client.get()"]


def test_the_message_names_what_an_alias_stands_for_and_the_fix() -> None:
    [finding] = check_async.check_source("from time import sleep as pause\nasync def f():\n    pause(1)\n")
    assert finding.message == (
        "pause() (time.sleep) blocks in async def f(): use await asyncio.sleep() (or anyio.sleep())"
    )


# --- import aliases ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("imports", "call"),
    [
        ("import time as t", "t.sleep(1)"),
        ("from time import sleep", "sleep(1)"),
        ("from time import sleep as pause", "pause(1)"),
        ("from requests import get", "get(url, timeout=5)"),
        ("import requests as r", "r.Session()"),
        ("from urllib import request", "request.urlopen(url)"),
        ("from urllib.request import urlopen as fetch", "fetch(url)"),
        ("from subprocess import run", "run(['ls'])"),
        ("from sqlalchemy import create_engine as make_engine", "make_engine(url)"),
        ("from redis import Redis", "Redis()"),
        ("import os.path", "os.system('ls')"),
        ("import io", "io.open('a')"),
    ],
)
def test_import_aliases_are_followed(imports: str, call: str) -> None:
    source = f"{imports}\n\nasync def handler(url):\n    {call}\n"
    assert flagged(source) == [called(call)]


def test_a_module_level_function_named_like_a_builtin_is_not_the_builtin() -> None:
    source = "def open(name):\n    return name\n\nasync def handler():\n    open('x')\n"
    assert flagged(source) == []


# --- what is not flagged -----------------------------------------------------------------------------

NOT_BLOCKING = {
    "asyncio.to_thread": """
        import asyncio, time
        async def f():
            await asyncio.to_thread(time.sleep, 1)
    """,
    "anyio run_sync": """
        import anyio, time
        async def f():
            await anyio.to_thread.run_sync(time.sleep, 1)
    """,
    "starlette run_in_threadpool lambda": """
        from pathlib import Path
        from starlette.concurrency import run_in_threadpool
        async def f():
            return await run_in_threadpool(lambda: Path("a").read_text())
    """,
    "fastapi run_in_threadpool lambda": """
        from fastapi.concurrency import run_in_threadpool
        async def f():
            return await run_in_threadpool(lambda: open("a").read())
    """,
    "run_in_executor lambda": """
        import asyncio, time
        async def f():
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, lambda: time.sleep(1))
            await loop.run_in_executor(None, time.sleep, 1)
    """,
    "executor submit lambda": """
        import time
        from concurrent.futures import ThreadPoolExecutor
        async def f(executor: ThreadPoolExecutor):
            return executor.submit(lambda: time.sleep(1))
    """,
    "metadata calls": """
        import os
        from pathlib import Path
        async def f(path: Path):
            return os.path.exists(path), path.stat(), os.listdir(path)
    """,
    "plain def": "import time\ndef f():\n    time.sleep(1)\n",
    "sync def nested in async def": """
        import time
        async def f():
            def work():
                time.sleep(1)
                return open("a").read()
            return work
    """,
    "module level": "import time\ntime.sleep(1)\n",
    "httpx.AsyncClient": """
        import httpx
        async def f():
            async with httpx.AsyncClient(timeout=5) as client:
                return (await client.get("u")).json()
    """,
    "aiofiles": """
        import aiofiles
        async def f():
            async with aiofiles.open("a") as file:
                return await file.read()
    """,
    "anyio.Path and open_file": """
        import asyncio, anyio
        async def f():
            path = anyio.Path("a")
            await path.write_text("x")
            await asyncio.wait_for(path.read_bytes(), 5)
            async with await anyio.open_file("a") as file:
                return await file.read()
    """,
    "redis.asyncio": """
        import redis.asyncio as redis
        from redis import asyncio as aioredis
        async def f():
            client = redis.Redis()
            other = aioredis.from_url("redis://")
            await client.get("k")
            await other.aclose()
    """,
    "async database drivers": """
        import asyncpg
        from pymongo import AsyncMongoClient
        from sqlalchemy.ext.asyncio import create_async_engine
        async def f(url):
            engine = create_async_engine(url)
            pool = await asyncpg.create_pool(url)
            mongo = AsyncMongoClient(url)
            await mongo.db.users.find_one({})
    """,
    "asyncio subprocess and sleep": """
        import asyncio
        async def f():
            process = await asyncio.create_subprocess_exec("ls")
            await process.wait()
            await asyncio.sleep(1)
    """,
    "ignore comment": """
        import time
        async def f():
            time.sleep(0.01)  # check-async: ignore
    """,
}


@pytest.mark.parametrize("source", NOT_BLOCKING.values(), ids=NOT_BLOCKING.keys())
def test_not_flagged(source: str) -> None:
    assert flagged(source) == []


def test_only_the_lambda_body_runs_in_the_thread_not_the_arguments() -> None:
    source = """
        import asyncio, time
        async def f(process):
            await asyncio.to_thread(process, open("a").read())
            sorted(["a"], key=lambda name: open(name).read())
    """
    assert flagged(source) == ["open()", "open()"]


def test_a_class_body_inside_an_async_def_runs_there_but_its_methods_do_not() -> None:
    source = """
        import time
        async def f():
            class Config:
                text = open("settings.toml").read()
                def reload(self):
                    return open("settings.toml").read()
            return Config
    """
    findings = check_async.check_source(textwrap.dedent(source))
    assert [finding.line for finding in findings] == [5]


def test_a_call_to_a_blocking_sync_function_of_the_same_module_is_flagged() -> None:
    source = """
        import asyncio, time
        from sqlalchemy.orm import Session

        def fetch_report():
            time.sleep(1)

        def build_report():
            return fetch_report()

        def load_user(db: Session, user_id: int):
            return db.get(dict, user_id)

        def pure(x):
            return x * 2

        async def handler(db: Session):
            build_report()
            load_user(db, 1)
            pure(1)
            await asyncio.to_thread(build_report)
    """
    findings = check_async.check_source(textwrap.dedent(source))
    assert [finding.message.split(": use")[0] for finding in findings] == [
        "build_report() calls fetch_report() (line 9) in async def handler()",
        "load_user() calls db.get() (line 12) in async def handler()",
    ]


def test_limit_blocking_inside_imported_functions_and_methods_is_not_seen() -> None:
    source = """
        from reports import fetch_report_blocking
        import time

        class Reports:
            def fetch(self):
                time.sleep(1)

            async def handler(self):
                self.fetch()
                fetch_report_blocking()
    """
    assert flagged(source) == []


def test_limit_a_client_reached_through_app_state_is_not_followed_but_its_creation_is() -> None:
    source = """
        from contextlib import asynccontextmanager
        import sqlite3
        from fastapi import FastAPI, Request

        @asynccontextmanager
        async def lifespan(app: FastAPI):
            app.state.db = sqlite3.connect("app.db")
            yield
            app.state.db.close()

        async def handler(request: Request):
            return request.app.state.db.execute("select 1")
    """
    assert flagged(source) == ["sqlite3.connect()", "app.state.db.close()"]


def test_an_async_def_inside_a_sync_def_is_checked() -> None:
    source = """
        import time
        def make_handler():
            async def handler():
                time.sleep(1)
            return handler
    """
    assert flagged(source) == ["time.sleep()"]


def test_the_ignore_comment_silences_only_its_own_line_and_only_as_a_comment() -> None:
    source = """
        import time
        async def f():
            time.sleep(1)  # check-async: ignore
            time.sleep(2)
            print("# check-async: ignore"); time.sleep(3)
            time.sleep(  # check-async: ignore
                4
            )
            time.sleep(
                5
            )  # check-async: ignore
    """
    findings = check_async.check_source(textwrap.dedent(source))
    assert [finding.line for finding in findings] == [5, 6, 10]


# --- command line ------------------------------------------------------------------------------------


def write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def test_exit_1_and_path_line_col_message_for_each_finding(tmp_path: Path, capsys) -> None:
    app = write(tmp_path / "app" / "main.py", "import time\n\nasync def handler():\n    time.sleep(1)\n")
    write(
        tmp_path / "app" / "routers" / "users.py", "import requests\nasync def f():\n    requests.get('u')\n"
    )
    assert check_async.main([str(tmp_path / "app")]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"{app}:4:5: time.sleep() blocks in async def handler(): "
        "use await asyncio.sleep() (or anyio.sleep())",
        f"{tmp_path / 'app' / 'routers' / 'users.py'}:3:5: requests.get() blocks in async def f(): "
        "use a shared httpx.AsyncClient and await its calls",
    ]
    assert err == "2 blocking call(s) inside async def\n"


def test_exit_0_and_no_output_when_clean(tmp_path: Path, capsys) -> None:
    write(tmp_path / "main.py", "import asyncio\n\nasync def handler():\n    await asyncio.sleep(1)\n")
    assert check_async.main([str(tmp_path)]) == 0
    assert capsys.readouterr() == ("", "")


def test_folders_skip_hidden_folders_and_virtualenvs(tmp_path: Path, capsys) -> None:
    blocking = "import time\nasync def f():\n    time.sleep(1)\n"
    write(tmp_path / ".git" / "hook.py", blocking)
    write(tmp_path / "venv" / "pyvenv.cfg", "home = /usr/bin\n")
    write(tmp_path / "venv" / "lib" / "dep.py", blocking)
    write(tmp_path / "app.py", "async def f():\n    pass\n")
    assert check_async.main([str(tmp_path)]) == 0
    assert check_async.main([str(tmp_path / "venv" / "lib" / "dep.py")]) == 1  # named files always count


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.py", b"async def f(:\n    pass\n", "broken.py:1:13: error: syntax error: "),
        ("latin1.py", b"name = '\xe9t\xe9'\n", "latin1.py: error: cannot read: "),
        ("nul.py", b"x = 1\x00\n", "nul.py"),
    ],
)
def test_exit_2_with_one_line_on_bad_input(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    (tmp_path / name).write_bytes(content)
    result = run(tmp_path / name)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(str(tmp_path / expected))
    assert "Traceback" not in result.stderr


def test_exit_2_on_a_missing_path_or_a_folder_without_python(tmp_path: Path) -> None:
    missing = run(tmp_path / "nope.py")
    assert (missing.returncode, missing.stderr) == (
        2,
        f"{tmp_path / 'nope.py'}: error: no such file or directory\n",
    )
    (tmp_path / "docs").mkdir()
    empty = run(tmp_path / "docs")
    assert (empty.returncode, empty.stderr) == (2, f"{tmp_path / 'docs'}: error: no Python files found\n")


def test_a_bad_file_does_not_hide_findings_in_the_others(tmp_path: Path) -> None:
    write(tmp_path / "a_bad.py", "def (\n")
    write(tmp_path / "b_blocking.py", "import time\nasync def f():\n    time.sleep(1)\n")
    result = run(tmp_path)
    assert result.returncode == 2
    assert result.stdout.startswith(f"{tmp_path / 'b_blocking.py'}:3:5: time.sleep()")
    assert "a_bad.py:1:" in result.stderr


def test_help_explains_rules_exit_codes_and_the_ignore_comment() -> None:
    result = run("--help")
    assert result.returncode == 0
    for phrase in ("async def", "# check-async: ignore", "Exit codes: 0", "asyncio.to_thread", "syntactic"):
        assert phrase in result.stdout


# --- our own snippets --------------------------------------------------------------------------------


def wrong_regions(path: Path) -> list[range]:
    """Line ranges of the `wrong-*` regions of a snippet module."""
    starts: dict[str, int] = {}
    ranges = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = build_skill.REGION_MARK.match(line)
        if match and match["name"].startswith("wrong-"):
            if match["kind"] == "region":
                starts[match["name"]] = number
            else:
                ranges.append(range(starts.pop(match["name"]), number + 1))
    return ranges


def unlabelled_blocking(folder: Path) -> list[str]:
    """Findings outside modules named wrong_* and outside regions named wrong-*."""
    found = []
    for file in check_async.python_files(folder):
        regions = wrong_regions(file)
        for finding in check_async.check_file(file):
            if not file.name.startswith("wrong_") and not any(finding.line in r for r in regions):
                found.append(str(finding))
    return found


def test_unlabelled_blocking_catches_a_blocking_snippet_not_labelled_wrong(tmp_path: Path) -> None:
    blocking = "import time\n\n\nasync def handler() -> None:\n    time.sleep(1)\n"
    write(tmp_path / "topic" / "wrong_sleep.py", blocking)
    write(
        tmp_path / "topic" / "good.py",
        "import asyncio\n\n\nasync def f() -> None:\n    await asyncio.sleep(1)\n",
    )
    labelled = """
        import time


        # region wrong-sleep
        async def wrong() -> None:
            time.sleep(1)
        # endregion wrong-sleep


        # region right
        async def right() -> None:
            time.sleep(2)
        # endregion right
    """
    write(tmp_path / "other" / "regions.py", labelled)
    assert unlabelled_blocking(tmp_path) == [
        f"{tmp_path / 'other' / 'regions.py'}:13:5: time.sleep() blocks in async def right(): "
        "use await asyncio.sleep() (or anyio.sleep())"
    ]


def test_snippets_block_only_where_labelled_wrong() -> None:
    if not any(SNIPPETS.rglob("*.py")):
        pytest.skip("no snippet modules yet")
    assert unlabelled_blocking(SNIPPETS) == []
