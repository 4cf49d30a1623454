"""``pijplijn serve``: workers that import the web app only, and the server's options (timeouts,
forwarded headers trusted from nobody unless named)."""

from __future__ import annotations

import subprocess
import sys

from pijplijn.cli.serve import uvicorn_command

HEAVY = ("pijplijn.cli", "typer", "rich", "altair", "vl_convert", "weasyprint")


def test_a_worker_imports_the_web_app_without_the_cli_or_the_charting_stack() -> None:
    # What a worker runs at start (``python -m uvicorn`` re-imports uvicorn's main module,
    # then the app factory's module), in a fresh interpreter.
    probe = (
        "import sys, uvicorn.main, pijplijn.web.app\n"
        f"print(sorted({{m.split('.')[0] if not m.startswith('pijplijn.') else m "
        f"for m in sys.modules if m.startswith({HEAVY!r})}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=300
    )
    assert done.stdout.strip() == "[]"


def test_serve_runs_uvicorn_as_a_module_with_timeouts_and_no_trusted_proxy() -> None:
    command = uvicorn_command("127.0.0.1", 8000, 2, 60, 5, False, "10.0.0.1")
    assert command[:4] == [sys.executable, "-m", "uvicorn", "pijplijn.web.app:create_app"]
    options = dict(zip(command[4::1], command[5::1], strict=False))
    assert options["--workers"] == "2"
    # The h11 protocol with a deadline on the request head (uvicorn has none: slowloris).
    assert options["--http"] == "pijplijn.web.limits:HeaderTimeoutProtocol"
    assert options["--timeout-worker-healthcheck"] == "60"
    assert options["--timeout-keep-alive"] == "5"
    assert "--no-proxy-headers" in command
    assert options["--forwarded-allow-ips"] == ""  # listed proxies count only when trusted
    trusting = uvicorn_command("127.0.0.1", 8000, 2, 60, 5, True, "10.0.0.1")
    assert "--proxy-headers" in trusting
    assert dict(zip(trusting, trusting[1:], strict=False))["--forwarded-allow-ips"] == "10.0.0.1"
