"""Production settings pass Django's deployment checklist, and refuse to start without a secret key."""

import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings


def manage(*arguments, **environment):
    """Run our own manage.py in a child process with the production settings and `environment` over ours
    (a value of None removes the variable)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.production"}
    # The browser tests lift Django's async guard for their live server; a deployment never does.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    for name, value in environment.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="sse.example.org",
        DEBUG="",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# DEBUG=1 lets base.py fall back to its development key; production turns DEBUG off and must not keep it.
@pytest.mark.parametrize(
    "debug, refusal",
    [(None, "SECRET_KEY must be set"), ("1", "SECRET_KEY must be set in production")],
    ids=["debug unset", "debug set"],
)
def test_production_refuses_to_start_without_secret_key(debug, refusal):
    result = manage("check", SECRET_KEY=None, DEBUG=debug, ALLOWED_HOSTS="sse.example.org")
    assert result.returncode != 0
    assert refusal in result.stderr
