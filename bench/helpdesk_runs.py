"""django-helpdesk's run in ``bench/peers.py``: a throw-away Django project, driven in process.

The project is what django-helpdesk needs for its mail import and nothing more:
one Queue, SQLite, Django's locmem e-mail backend (so nothing is sent). Inside
the helpdesk's venv ``bench/peer_helpdesk.py`` calls
``helpdesk.email.extract_email_metadata`` per message, the function its IMAP,
POP3 and local-folder loops call; fetching is not measured.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.corpus_gen import Corpus
from bench.peers_table import BATCH, Row, top
from bench.peers_venvs import RUN_TIMEOUT, peer_env, run, run_json

HELPDESK = "django-helpdesk==2.6.1"
HELPDESK_DRIVER = Path(__file__).resolve().parent / "peer_helpdesk.py"

HELPDESK_SETTINGS = """\
# Written by bench/peers.py: a throw-away project for django-helpdesk's mail import.
SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["localhost"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.sites",
    "django.contrib.humanize", "rest_framework", "helpdesk",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "bench_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages"]},
}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATABASE_PATH}}
MEDIA_ROOT = MEDIA_PATH
STATIC_URL = "/static/"
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEFAULT_FROM_EMAIL = "support@example.test"
HELPDESK_TEAMS_MODE_ENABLED = False  # teams need pinax-teams, not installed
"""
HELPDESK_URLS = """\
from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""


def helpdesk_project(bin_dir: Path, root: Path) -> dict[str, str]:
    """Settings, urls and a migrated SQLite database; returns the environment to use."""
    root.mkdir(parents=True)
    settings = HELPDESK_SETTINGS.replace("DATABASE_PATH", repr(str(root / "db.sqlite3"))).replace(
        "MEDIA_PATH", repr(str(root / "media"))
    )
    (root / "bench_settings.py").write_text(settings, encoding="utf-8")
    (root / "bench_urls.py").write_text(HELPDESK_URLS, encoding="utf-8")
    env = peer_env() | {"DJANGO_SETTINGS_MODULE": "bench_settings", "PYTHONPATH": str(root)}
    run([bin_dir / "python", "-m", "django", "migrate", "--noinput", "-v", "0"], cwd=root, env=env)
    return env


def helpdesk_inprocess(bin_dir: Path, corpus: Corpus, raws: list[bytes], work: Path) -> Row:
    root = work / "helpdesk"
    env = helpdesk_project(bin_dir, root)
    data = run_json(
        [bin_dir / "python", HELPDESK_DRIVER, root, corpus.folder],
        cwd=root,
        env=env,
        timeout=RUN_TIMEOUT,
    )
    crashed = Counter(err for _, err in data["crashed"])
    row = Row(
        f"django-helpdesk {data['version']}",
        "extract_email_metadata()",
        BATCH,
        data["messages"],
        data["seconds"],
        data["cpu"],
        data["tickets"],
        data["returned_none"] + data["ignored"],
        sum(crashed.values()),
    )
    row.notes += [
        f"{data['followups']} follow-ups, {data['attachments']} attachments, "
        f"{data['mails_sent']} mails to locmem (Django {data['django']}; "
        f"django.setup() took {data['setup_seconds']:.1f} s, not timed)",
        f"errors: {top(crashed)}",
        f"logged: {top(data['logged'])}",
    ]
    return row
