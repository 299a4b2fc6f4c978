"""What the claims tests share: a real SMTP server (aiosmtpd) on loopback that keeps the
mails it gets, and a project copy with one synthetic organisation that has a web address
(the curated data gives no organisation's website)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller

from endpoint.app import create_app
from kg.build import pipeline as build
from kg.settings import Settings
from tests.asgi import app_client
from tests.conftest import ROOT, copy_sources, free_port

#: synthetic: an organisation that exists only in the tests, on a reserved domain
SYNTHETIC = """# Synthetic test data (tests/claims_fixtures.py): no such organisation exists.
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix foaf: <http://xmlns.com/foaf/0.1/> .
@prefix cci: <https://data.creative.brussels/ontology#> .
@prefix o: <https://data.creative.brussels/id/organisation/> .

<> dct:title "Synthetic organisations for the claims tests"@en ;
    dct:source <https://data.creative.brussels/id/document/synthetic-claims-test> .

<https://data.creative.brussels/id/document/synthetic-claims-test> a foaf:Document ;
    dct:title "Synthetic test fixture (no real source)"@en .

o:test-studio a org:Organization , foaf:Agent , cci:OrganisationOfUnstatedKind ;
    skos:prefLabel "Test Studio"@en ;
    foaf:homepage <https://www.studio.example/> .
"""
STUDIO = "https://data.creative.brussels/id/organisation/test-studio"
HUB = "https://data.creative.brussels/id/organisation/hub-brussels"


def add_synthetic(root: Path) -> None:
    (root / "data" / "curated" / "synthetic-claims-test.ttl").write_text(SYNTHETIC, "utf-8")


class Mailbox:
    """aiosmtpd's handler: every message received, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def body(self, message: EmailMessage) -> str:
        part = message.get_body(("plain",))
        assert part is not None
        return part.get_content()

    def link(self, address: str) -> str:
        """The token of the last sign-in link mailed to ``address``."""
        found = re.search(r"/signin/link\?token=([A-Za-z0-9_-]+)", self.body(self.to(address)[-1]))
        assert found, "no sign-in link in the mail"
        return found.group(1)


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, port
    finally:
        controller.stop()


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, "the page has no form token"
    return found.group(1)


def sign_in(client: httpx.Client, box: Mailbox, email: str) -> None:
    """The whole sign-in: ask for the link, open the mailed link, press the button."""
    page = client.get("/signin")
    answer = client.post(
        "/signin", data={"email": email, "csrf": csrf_of(page), "next": "/account"}
    )
    assert answer.status_code == 200, answer.text
    token = box.link(email)
    confirm = client.get(f"/signin/link?token={token}")
    done = client.post("/signin/link", data={"token": token, "csrf": csrf_of(confirm)})
    assert done.status_code == 200 and email in done.text, done.text


@dataclass
class Site:
    settings: Settings
    box: Mailbox


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    top = tmp_path_factory.mktemp("claims")
    root = copy_sources(top / "project")
    add_synthetic(root)
    (root / "node_modules").symlink_to(ROOT / "node_modules")  # the pages' libraries
    with smtp_server() as (box, port):
        settings = Settings(
            root=root, var_dir=top / "var", smtp_host="127.0.0.1", smtp_port=port,
            smtp_from="map@example.org",
        )  # fmt: skip
        build.run(settings)
        yield Site(settings, box)


@pytest.fixture
def client(site: Site) -> Iterator[httpx.Client]:
    with app_client(create_app(site.settings)) as c:
        c.headers["Accept-Language"] = "en"  # the words the tests look for
        yield c
