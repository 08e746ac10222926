"""The deployment files mean what they say: parsed as YAML (and nginx's locations as text), their security flags,
published ports and services are what the security checklist of deploy/README.md promises.

No container can be built or run here (no Docker engine); these tests read the configuration the containers get.
"""

from __future__ import annotations

import re

import yaml

from tests.support.paths import ROOT

DEPLOY = ROOT / "deploy"


def helm_values() -> dict:
    return yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())


def chart_args(values: dict) -> list[str]:
    """The Rasa container's arguments as Rasa's chart (charts/rasa/templates/deployment.yaml) renders them: its own
    command line from applicationSettings, unless `args` replaces it wholesale."""
    if values.get("args"):
        return list(values["args"])
    settings = values["applicationSettings"]
    args = [
        "run",
        *(["--enable-api"] if settings.get("enableAPI") else []),
        "--port",
        str(settings["port"]),
        "--cors",
        settings.get("cors") or "",
        "--jwt-method",
        "HS256",
        "--jwt-secret",
        "$(JWT_SECRET)",
        "--auth-token",
        "$(RASA_TOKEN)",
    ]
    return args + list(values.get("extraArgs") or [])


def test_helm_keeps_the_charts_cors_api_and_token_flags():
    values = helm_values()
    assert "args" not in values and "command" not in values, "args/command would replace the chart's command line"
    args = chart_args(values)
    assert args[args.index("--cors") + 1] not in ("", "*", '"*"')
    assert args[args.index("--auth-token") + 1] == "$(RASA_TOKEN)"
    assert "--enable-api" in args
    assert "token" not in values["applicationSettings"], "the API token is given at install time, not committed"
    extra = values.get("extraArgs") or []
    assert not {"--cors", "--auth-token", "--enable-api", "--endpoints", "--credentials"} & set(extra)
    assert values["applicationSettings"]["telemetry"]["enabled"] is False


def test_helm_uses_the_projects_stores_and_channels():
    settings = helm_values()["applicationSettings"]
    endpoints = settings["endpoints"]["additionalEndpoints"]
    assert endpoints["tracker_store"]["type"] == "addons.tracker_store.EnvSQLTrackerStore"
    assert endpoints["lock_store"]["type"] == "addons.lock_store.AtomicRedisLockStore"
    channels = settings["credentials"]["additionalChannelCredentials"]
    assert "addons.rest_channel.SafeRestInput" in channels and "rest" not in channels


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def test_compose_publishes_only_nginx_on_loopback():
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "actions", "rasa", "retention", "nginx"}
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert list(published) == ["nginx"]
    assert all(str(port).startswith("127.0.0.1:") for port in published["nginx"])


def test_compose_rasa_has_cors_and_a_required_token():
    command = compose()["services"]["rasa"]["command"]
    assert re.search(r"--cors \$\{ATROPHY_WEB_ORIGIN:-http://localhost:8080\}", command)
    assert re.search(r"--enable-api --auth-token \$\{RASA_AUTH_TOKEN:\?", command), "the API only with a token"
    assert compose()["services"]["rasa"]["environment"]["RASA_TELEMETRY_ENABLED"] == "false"


def nginx_locations() -> dict[str, str]:
    text = (DEPLOY / "nginx.conf").read_text()
    text = re.sub(r"#[^\n]*", "", text)
    return {match.group(1).strip(): match.group(2) for match in re.finditer(r"location\s+([^{]+)\{([^}]*)\}", text)}


def test_nginx_forwards_the_channels_and_not_the_http_api():
    locations = nginx_locations()
    forwarded = {path for path, body in locations.items() if "proxy_pass" in body}
    assert forwarded == {"= /", "/webhooks/", "/socket.io/"}
    assert "return 404" in locations["/"], "everything else, Rasa's HTTP API included, is refused"
    assert "upgrade" in locations["/socket.io/"].lower()


def test_every_replica_signs_web_sessions_with_the_same_configured_secret():
    """Without it each replica (and each restart) would sign with a random secret of its own, and a web visitor's
    session would be refused by the next replica that serves it."""
    compose_value = compose()["services"]["rasa"]["environment"]["ATROPHY_SESSION_SECRET"]
    assert compose_value.startswith("${ATROPHY_SESSION_SECRET:?"), "required, from .env"
    helm_env = {e["name"]: e for e in helm_values()["extraEnv"]}
    assert helm_env["ATROPHY_SESSION_SECRET"]["valueFrom"]["secretKeyRef"]["key"] == "session-secret"


def copied(dockerfile: str) -> list[str]:
    """The project paths a Dockerfile copies into its image."""
    sources = []
    for line in (DEPLOY / dockerfile).read_text().splitlines():
        if line.startswith("COPY "):
            sources += line.split()[1:-1]
    return sources


def installed(dockerfile: str) -> set[str]:
    return {m.group(1).lower() for m in re.finditer(r'"([A-Za-z0-9_.-]+)==', (DEPLOY / dockerfile).read_text())}


def test_each_image_holds_the_files_its_server_reads_and_the_packages_it_imports():
    """The Rasa image runs the project's NLU components (stroke and topic classifiers over the sentence encoder);
    the action server answers from the knowledge base and chooses topics (data/questions)."""
    rasa = copied("rasa.Dockerfile")
    for needed in (
        "build/spacy/",
        "build/encoder/",
        "build/red_flags/classifier.joblib",
        "build/questions/topic_classifier.joblib",
        "data/red_flags/",
        "data/questions/topics.yml",
        "data/questions/subject_cues.yml",
        "data/knowledge/",
        "models/atrophy.tar.gz",
        "addons/",
        "atrophy/",
    ):
        assert needed in rasa, f"the Rasa image lacks {needed}"
    needed = {"transformers", "scikit-learn", "joblib", "symspellpy", "rapidfuzz", "spacy"}
    assert needed <= installed("rasa.Dockerfile")
    actions = copied("actions.Dockerfile")
    for needed in (
        "actions/",
        "atrophy/",
        "data/knowledge/",
        "data/questions/topics.yml",
        "data/questions/subject_cues.yml",
    ):
        assert needed in actions, f"the action server image lacks {needed}"
    assert {"rapidfuzz", "sqlalchemy", "pyyaml"} <= installed("actions.Dockerfile")


def test_the_rasa_image_and_run_sh_serve_with_the_launchers_tensorflow_threads():
    """The bench measures the launcher's set-up (scripts/processes.py SERVING_ENV); the Rasa image and scripts/run.sh
    write the same variables themselves, and must not drift from it."""
    from scripts.processes import SERVING_ENV

    dockerfile = (ROOT / "deploy" / "rasa.Dockerfile").read_text()
    image = dict(re.findall(r"\b(TF_\w+)=(\S+)", " ".join(re.findall(r"^ENV (.+)$", dockerfile, re.MULTILINE))))
    run_sh = dict(re.findall(r'^export (TF_\w+)="\$\{\1:-(\S+?)\}"$', (ROOT / "scripts" / "run.sh").read_text(), re.M))
    assert image == SERVING_ENV
    assert run_sh == SERVING_ENV
