import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import serve
import servers

ROOT = Path(__file__).resolve().parents[2]


def test_names_resolve_with_or_without_prefix_and_suffix():
    expected = ROOT / "snippets" / "async_vs_sync" / "handlers.py"
    for name in ["async_vs_sync/handlers.py", "async_vs_sync/handlers", "snippets/async_vs_sync/handlers.py"]:
        assert serve.find_snippet(name) == expected


def test_unknown_snippet_is_a_clear_error_with_suggestions():
    with pytest.raises(
        SystemExit, match=r"no snippet 'async_vs_sync/handler\.py'.*async_vs_sync/handlers\.py"
    ):
        serve.find_snippet("async_vs_sync/handler")


def test_detects_the_servers_a_snippet_needs():
    source = 'URL = os.environ["DATABASE_URL"]\nREDIS = os.getenv("REDIS_URL", "redis://x")\n'
    assert serve.needed_services(source) == ["DATABASE_URL", "REDIS_URL"]
    assert serve.needed_services("import os\n") == []


def test_serves_a_snippet_until_interrupted():
    port = servers.free_port()
    command = [
        sys.executable,
        str(ROOT / "scripts" / "serve.py"),
        "async_vs_sync/handlers.py",
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        servers.wait_for_port(port, process, "serve.py")
        assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=10).json() == {"status": "ok"}
    finally:
        servers.stop(process, signal.SIGINT)
    assert process.returncode == 0


def test_starts_the_database_a_snippet_needs(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    port = servers.free_port()
    command = [sys.executable, str(ROOT / "scripts" / "serve.py"), "sqlalchemy/app.py", "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout.readline().startswith("DATABASE_URL=postgresql://")
        servers.wait_for_port(port, process, "serve.py")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            created = client.post("/products", json=[{"sku": "PEN-1", "name": "pen"}])
            assert created.status_code == 201, created.text
            assert client.get(f"/products/{created.json()[0]['id']}").json()["name"] == "pen"
    finally:
        servers.stop(process, signal.SIGINT)
        process.stdout.close()
    assert process.returncode == 0  # and the embedded server was stopped with it
