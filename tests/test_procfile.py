"""The Procfile is the list of processes in development (`make run`) and in production: each line
must name a command that exists."""
from __future__ import annotations

import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def processes() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text(encoding="utf-8").splitlines()
    return dict(line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_the_procfile_runs_the_web_server_the_mail_worker_and_the_scheduler(runner):
    procs = {name: command.strip() for name, command in processes().items()}
    assert set(procs) == {"web", "worker", "scheduler"}
    assert procs["web"].startswith("gunicorn ") and procs["web"].endswith(" wsgi:app")
    assert "${PORT" in procs["web"] and "${HOST" in procs["web"]
    for name in ("worker", "scheduler"):
        words = shlex.split(procs[name])
        assert words[:3] == ["flask", "--app", "wsgi"], words
        r = runner.invoke(args=[*words[3:], "--help"])
        assert r.exit_code == 0, (name, r.output)
    assert shlex.split(procs["worker"])[3:] == ["mail", "deliver"]
    assert shlex.split(procs["scheduler"])[3:] == ["schedule", "run"]


def test_make_run_prints_the_demo_logins_before_it_starts_honcho():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile[makefile.index("\nrun:"):].split("\n\n", 1)[0]
    assert recipe.index("demo load") < recipe.index("demo logins") < recipe.index("honcho start")
    assert "BASE_URL" in recipe
