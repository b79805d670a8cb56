"""README's example requests, parsed out of README.md and run against a gateway loaded the way
`scripts/demo` loads it (`gateway demo`'s seed and loader, a smaller population), so the README
cannot drift from what a newcomer's first hour finds."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi.testclient import TestClient

from adapters.nhs_number import NHS_NUMBER_SYSTEM
from gateway.app import build_repository, create_app
from gateway.assessments.questionnaire import publish_questionnaire
from gateway.imports.terminology import publish_terminology
from gateway.samples import import_samples, write_samples
from gateway.settings import Settings
from gateway.storage.migrate import upgrade

REPO_ROOT = Path(__file__).resolve().parents[1]
README = REPO_ROOT / "README.md"
DEMO_ORIGIN = "http://127.0.0.1:8000"
# `gateway demo` writes 300 people with seed 1; each person depends only on the seed and their
# position, so the first people of the demo are these (test_demo_defaults_match checks the seed).
DEMO_SEED, PEOPLE = 1, 12


@dataclass(frozen=True)
class Curl:
    """One `curl` line of README: its URL and headers, `$TOKEN` still unexpanded."""

    url: str
    headers: dict[str, str]


def shell_blocks(text: str) -> list[str]:
    return re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)


def token_commands(text: str) -> dict[str, list[str]]:
    """`NAME=$(.venv/bin/gateway token ...)` lines: variable -> the command's arguments after `gateway`."""
    found = {}
    for block in shell_blocks(text):
        for name, command in re.findall(r"^(\w+)=\$\((.*)\)\s*$", block, flags=re.MULTILINE):
            words = shlex.split(command)
            assert words[0] == ".venv/bin/gateway", f"README runs {words[0]}, not the venv's gateway"
            found[name] = words[1:]
    return found


def curl_commands(text: str) -> list[Curl]:
    out = []
    for block in shell_blocks(text):
        for line in block.replace("\\\n", " ").splitlines():
            if not line.startswith("curl "):
                continue
            words = shlex.split(line, posix=True)
            headers: dict[str, str] = {}
            urls = []
            it = iter(words[1:])
            for word in it:
                if word == "-H":
                    name, _, value = next(it).partition(":")
                    headers[name.strip()] = value.strip()
                elif not word.startswith("-"):
                    urls.append(word)
            assert len(urls) == 1, line
            out.append(Curl(urls[0], headers))
    return out


def demo_urls(text: str) -> list[str]:
    """Every page or resource on the demo's origin that README names outside its curl examples (the
    bare origin, as the default of GATEWAY_BASE_URL, is a setting rather than an address to visit)."""
    prose = "\n".join(line for line in text.splitlines() if not line.startswith("curl "))
    return sorted(set(re.findall(re.escape(DEMO_ORIGIN) + r"/[^\s\"'<>`)]*", prose)))


@pytest.fixture(scope="module")
def readme() -> str:
    return README.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A migrated SQLite gateway with the demo's terminology, Questionnaire and sample of every source."""
    root = tmp_path_factory.mktemp("readme-demo")
    settings = Settings(database_url=f"sqlite:///{root / 'gateway.db'}", key_dir=root / "keys",
                        base_url=DEMO_ORIGIN, audit_flush_ms=1.0, delivery_worker=False,
                        export_dir=root / "exports")
    upgrade(settings.database_url)
    repo = build_repository(settings)
    try:
        publish_terminology(repo)
        publish_questionnaire(repo)
        exports = write_samples(PEOPLE, root / "sample-data", DEMO_SEED)
        for _source, _described in import_samples(repo, settings, exports, "test:readme"):
            pass
    finally:
        repo.db.dispose()
    return settings


@pytest.fixture(scope="module")
def client(demo: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(demo), base_url=DEMO_ORIGIN, raise_server_exceptions=False,
                    follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def variables(readme: str, demo: Settings) -> dict[str, str]:
    """README's shell variables, each made by running its command (the real CLI) on the demo's key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update(GATEWAY_DATABASE_URL=demo.database_url, GATEWAY_KEY_DIR=str(demo.key_dir),
               PYTHONPATH=str(REPO_ROOT))
    out = {}
    for name, args in token_commands(readme).items():
        done = subprocess.run([sys.executable, "-m", "gateway.cli", *args], env=env, capture_output=True,
                              text=True, timeout=120, check=False)
        assert done.returncode == 0, done.stderr
        out[name] = done.stdout.strip()
    return out


def expand(value: str, variables: dict[str, str]) -> str:
    """README's shell variables (upper case) replaced; a `$` of FHIR's (`$export`) left as it is."""
    return re.sub(r"\$([A-Z][A-Z0-9_]*)", lambda m: variables[m.group(1)], value)


def test_readme_has_examples_to_run(readme: str) -> None:
    assert token_commands(readme), "README lost its token example"
    assert curl_commands(readme), "README lost its curl example"
    assert all(c.url.startswith(DEMO_ORIGIN + "/") for c in curl_commands(readme))


def test_demo_defaults_match() -> None:
    """The smaller load stands for the demo only while the demo keeps seed 1 and at least PEOPLE people."""
    import inspect

    from gateway.cli import demo as demo_command

    defaults = {name: p.default.default for name, p in inspect.signature(demo_command).parameters.items()}
    assert defaults["seed"] == DEMO_SEED
    assert defaults["people"] >= PEOPLE
    assert defaults["port"] == int(urlsplit(DEMO_ORIGIN).port or 0)


def test_every_curl_example_answers_what_it_promises(readme: str, client: TestClient,
                                                     variables: dict[str, str]) -> None:
    for curl in curl_commands(readme):
        headers = {k: expand(v, variables) for k, v in curl.headers.items()}
        url = expand(curl.url, variables)
        response = client.get(url.removeprefix(DEMO_ORIGIN), headers=headers)
        if headers.get("Prefer") == "respond-async":
            _export_runs_to_its_files(client, response, headers)
            continue
        assert response.status_code == 200, (url, response.text)
        body = response.json()
        if body.get("resourceType") != "Bundle" or body.get("type") != "searchset":
            continue
        resources = [e["resource"] for e in body.get("entry", []) if e.get("search", {}).get("mode") != "include"]
        assert resources, f"README's example {url} finds nothing on the demo's data"
        for name, value in parse_qsl(urlsplit(url).query):
            if name != "identifier":
                continue
            system, _, code = value.rpartition("|")
            for resource in resources:
                assert {"system": system, "value": code}.items() <= next(
                    (i for i in resource.get("identifier", []) if i.get("value") == code), {}).items(), resource


def _export_runs_to_its_files(client: TestClient, kicked: Any, headers: dict[str, str]) -> None:
    """What README says of a bulk export kick-off: 202 and a status address to poll until 200 with the
    manifest, whose every file holds as many resources as it says."""
    assert kicked.status_code == 202, kicked.text
    status = kicked.headers["content-location"].removeprefix(DEMO_ORIGIN)
    auth = {"Authorization": headers["Authorization"]}
    deadline = time.monotonic() + 60
    while (polled := client.get(status, headers=auth)).status_code == 202:
        assert time.monotonic() < deadline, "the export did not finish in a minute"
        time.sleep(0.1)
    assert polled.status_code == 200, polled.text
    manifest = polled.json()
    assert manifest["output"], "the export wrote nothing"
    for output in manifest["output"]:
        lines = client.get(output["url"].removeprefix(DEMO_ORIGIN), headers=auth).text.splitlines()
        assert len(lines) == output["count"] and all(json.loads(line)["resourceType"] == output["type"]
                                                     for line in lines)


def test_the_nhs_number_example_finds_both_records_and_the_golden_one(readme: str, client: TestClient,
                                                                     variables: dict[str, str]) -> None:
    """The prose before the example says what it finds: one person's SystmOne and Liquidlogic
    records and the golden record that links them."""
    [curl] = [c for c in curl_commands(readme) if NHS_NUMBER_SYSTEM in c.url]
    headers = {k: expand(v, variables) for k, v in curl.headers.items()}
    body = client.get(expand(curl.url, variables).removeprefix(DEMO_ORIGIN), headers=headers).json()
    patients = [e["resource"] for e in body["entry"]]
    assert len(patients) == 3
    sources = {i["system"].split("/")[-2] for p in patients for i in p.get("identifier", [])
               if i.get("system") != NHS_NUMBER_SYSTEM}
    assert {"systmone", "liquidlogic"} <= sources
    golden = [p for p in patients if any(t.get("code") == "golden" for t in p.get("meta", {}).get("tag", []))]
    assert len(golden) == 1
    linked = {link["other"]["reference"] for link in golden[0].get("link", [])}
    assert linked == {f"Patient/{p['id']}" for p in patients if p is not golden[0]}
    names = {n.get("family") for p in patients for n in p.get("name", [])}
    assert "Jolly" in names and "Sophie Jolly" in readme


def test_every_demo_address_in_readme_answers(readme: str, client: TestClient) -> None:
    """Addresses the prose names (the team's pages) answer, or send the visitor to sign in."""
    urls = demo_urls(readme)
    assert urls, "README names no page of the demo"
    for url in urls:
        response = client.get(url.removeprefix(DEMO_ORIGIN))
        assert response.status_code in (200, 303, 307), (url, response.status_code)
        if response.status_code != 200:
            assert client.get(response.headers["location"].removeprefix(DEMO_ORIGIN)).status_code == 200
