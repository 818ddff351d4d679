"""The analyst workspace in a real browser (issue 6).

Headless Chromium from Debian's ``chromium`` package (``make test``
installs it), driven by Playwright's Python package; no browser download.
The server is a real uvicorn on 127.0.0.1 over a private SQLite home that
holds only the bundled OFAC SDN list, so its index builds in well under a
minute (the whole file takes about one).

One analyst's day, in file order (the tests share the module's server):
log in; screen a listed company and get an alert; read why it alerted;
decide it a false positive; rescreen and see it suppressed; a new list
version changes the listed entity, so the same screening alerts again;
assess an example order; keep a party under monitoring and see it on the
Parties page; verify the audit chain in the page and with the
CLI; tamper with a row in the database and see both report the break.

Screenshots of the pages are taken on every run; they go to
``docs/screenshots/`` (the README shows them) when ``CHOKEPOINT_SCREENSHOTS=1``
is set (``make screenshots``), else to a temporary folder, so a test run
leaves the working tree clean.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from tests.service.conftest import LiveServer, start_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = (REPO / "docs" / "screenshots" if os.environ.get("CHOKEPOINT_SCREENSHOTS") == "1"
               else Path(tempfile.gettempdir()) / "chokepoint-screenshots")
CHOKEPOINT = Path(sys.executable).parent / "chokepoint"
VIEWPORT = {"width": 1280, "height": 900}

PARTY = "Qods Aviation Industries"
LISTED = "QODS AVIATION INDUSTRIES"
ENTITY_ID = "us-ofac-sdn-16418"
#: The alias the second list version adds to the listed entity (ent_num 16418).
NEW_ALIAS = "QODS AVIATION INDUSTRIES COMPANY"

ANALYST = ("alice", "Correct-Horse-42")
ADMIN = ("olga", "Admin-Passphrase-9")

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _chromium() -> Path:
    """Debian's chromium; installed here if missing and we may (``make test``
    installs it before pytest runs, so this is only for direct pytest runs)."""
    if CHROMIUM.exists():
        return CHROMIUM
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run("apt-get update -qq && apt-get install -y -qq chromium", shell=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=900, check=False)
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is absent and could not be installed "
                    "(apt-get install chromium, or run `make test` as root)")
    return CHROMIUM


# --- the service -----------------------------------------------------------------


@dataclass
class Workspace:
    home: Path
    state: object
    store: object
    server: LiveServer

    @property
    def url(self) -> str:
        return self.server.url

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
        return subprocess.run([str(CHOKEPOINT), "--home", str(self.home), *args], capture_output=True,
                              text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    from chokepoint.lists.catalog import bundled_source, dataset_info
    from chokepoint.lists.parsers import parse_source
    from chokepoint.lists.store import ListStore
    from chokepoint.service.app import create_app
    from chokepoint.service.state import ServiceState
    from chokepoint.settings import Settings

    _chromium()
    home = tmp_path_factory.mktemp("browser") / "home"
    settings = Settings(home=home)
    store = ListStore.open(settings)
    store.load(parse_source(bundled_source(dataset_info("us_ofac_sdn")), "us_ofac_sdn"), source="bundled")
    state = ServiceState(settings, store)
    state.start(background=False)
    assert state.loaded is not None, state.load_error
    for (name, password), role in ((ANALYST, "analyst"), (ADMIN, "admin")):
        state.accounts.create(name, role, password)
    server = start_server(create_app(settings, state=state))
    yield Workspace(home, state, store, server)
    server.stop()
    state.stop()


@pytest.fixture(scope="module")
def browser(workspace):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(_chromium()), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport=VIEWPORT, locale="en-GB", timezone_id="UTC")
    context.set_default_timeout(30_000)
    yield context
    context.close()


def shot(page, name: str, full_page: bool = True) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)


def log_in(page, base_url: str, user: tuple[str, str]) -> None:
    page.goto(f"{base_url}/ui/login")
    page.get_by_label("Username").fill(user[0])
    page.get_by_label("Password").fill(user[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base_url}/ui/")


@pytest.fixture
def analyst_page(context, workspace):
    page = context.new_page()
    log_in(page, workspace.url, ANALYST)
    return page


def screen(page, name: str, schema: str) -> None:
    """Fill and submit the single-party form of the Screen page."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Screen", exact=True).click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Type").select_option(schema)
    page.get_by_role("button", name="Screen", exact=True).click()
    page.get_by_role("heading", name=re.compile("^Results for")).wait_for()


def result_row(page, caption: str):
    from playwright.sync_api import expect

    row = page.get_by_role("row").filter(has_text=caption)
    expect(row).to_have_count(1)
    return row


def alert_number(row) -> int:
    link = row.get_by_role("link", name=re.compile(r"^alert #\d+$"))
    return int(re.search(r"\d+", link.inner_text()).group())


# --- the flow ----------------------------------------------------------------------


def test_login(context, workspace):
    from playwright.sync_api import expect

    page = context.new_page()
    page.goto(f"{workspace.url}/ui/")
    expect(page).to_have_url(re.compile(r"/ui/login"))  # no session: sent to the login page
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    shot(page, "login", full_page=False)

    page.get_by_label("Username").fill(ANALYST[0])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")

    page.get_by_label("Username").fill(ANALYST[0])
    page.get_by_label("Password").fill(ANALYST[1])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{workspace.url}/ui/")
    nav = page.get_by_role("navigation", name="Main")
    for label in ("Dashboard", "Screen", "Alerts", "Orders", "Lists", "Audit"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Admin")).to_have_count(0)  # analysts do not administer
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text("alice")
    shot(page, "dashboard-empty", full_page=False)

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/ui/login"))
    page.goto(f"{workspace.url}/ui/screen")
    expect(page).to_have_url(re.compile(r"/ui/login"))  # the session is gone

    log_in(page, workspace.url, ADMIN)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Admin").click()
    users = page.get_by_role("main")
    expect(users.get_by_role("row").filter(has_text=ANALYST[0]).first).to_contain_text("analyst")
    expect(users.get_by_role("row").filter(has_text=ADMIN[0]).first).to_contain_text("admin")


def test_alert_decision_suppression_and_changed_listing(analyst_page, workspace, tmp_path):
    from playwright.sync_api import expect

    page = analyst_page
    today = datetime.now(timezone.utc).strftime("%Y-%m-%d")

    # 2. a listed company alerts
    screen(page, PARTY, "Company")
    row = result_row(page, LISTED)
    expect(row).to_contain_text("us_ofac_sdn")
    expect(row).to_contain_text("1.000")
    first = alert_number(row)
    shot(page, "screen")

    # 3. the alert: party and listed entity side by side, and why it alerted
    row.get_by_role("link", name=f"alert #{first}").click()
    page.wait_for_url(f"{workspace.url}/ui/alerts/{first}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Alert #{first}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("open")
    party = page.get_by_role("region", name="Screened party")
    expect(party).to_contain_text(PARTY)
    entity = page.get_by_role("region", name="Listed entity")
    expect(entity).to_contain_text(LISTED)
    expect(entity).to_contain_text(ENTITY_ID)
    expect(entity).to_contain_text("GHODS AVIATION INDUSTRIES")  # an alias from alt.csv
    why = page.get_by_role("region", name="Why it alerted")
    expect(why).to_contain_text("Best name pair")
    words = why.get_by_role("table").first
    expect(words.get_by_role("columnheader", name="query word")).to_be_visible()
    expect(words.get_by_role("row").filter(has_text="aviation")).not_to_have_count(0)
    expect(why.get_by_role("heading", name="Features")).to_be_visible()
    decision = page.get_by_role("region", name="Decision")
    expect(decision.get_by_label("Reason (required)")).to_be_visible()
    for outcome in ("true match", "false positive", "escalate"):
        expect(decision.get_by_role("button", name=outcome, exact=True)).to_be_visible()
    expect(decision.get_by_role("table")).to_contain_text("None.")  # no earlier decisions
    shot(page, "alert")

    # the form insists on a reason (the browser's own validation stops an empty one)
    decision.get_by_role("button", name="false positive", exact=True).click()
    expect(page).to_have_url(f"{workspace.url}/ui/alerts/{first}")
    assert page.get_by_label("Reason (required)").evaluate("el => !el.validity.valid")

    # 4. decide it a false positive
    reason = "Our customer is a bakery in Lyon; no link to the Iranian manufacturer."
    page.get_by_label("Reason (required)").fill(reason)
    decision.get_by_role("button", name="false positive", exact=True).click()
    page.wait_for_url(f"{workspace.url}/ui/alerts/{first}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("decided")
    expect(decision).to_contain_text(f"Decided false positive by {ANALYST[0]}")
    expect(decision).to_contain_text(reason)
    expect(decision.get_by_role("button", name="false positive")).to_have_count(0)
    shot(page, "alert-decided")

    # 5. the same screening again: suppressed by that decision
    screen(page, PARTY, "Company")
    row = result_row(page, LISTED)
    expect(row).to_contain_text("suppressed")
    expect(row).to_contain_text(f"decided false positive by {ANALYST[0]} on {today}")
    expect(row.get_by_role("link", name=re.compile(r"^alert #"))).to_have_count(0)
    expect(row.get_by_role("link", name="view")).to_have_attribute("href", re.compile(r"/ui/alerts/\d+$"))
    shot(page, "screen-suppressed")

    # the certificate of that screening
    page.get_by_role("link", name="screening certificate").click()
    expect(page.get_by_role("heading", name="Screening certificate")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text(f"screened by {ANALYST[0]}")
    expect(page.get_by_role("main")).to_contain_text("the record matches its hash")
    expect(page.get_by_role("main")).to_contain_text('"top_score": 1.0')
    # the matched entity with its list version, and the list version screened against
    expect(page.get_by_role("row").filter(has_text="us-ofac-sdn-16418")).to_have_count(1)
    expect(page.get_by_role("row").filter(has_text="us_ofac_sdn@")).to_have_count(2)
    expect(page.get_by_role("link", name="Download as JSON")).to_be_visible()
    shot(page, "certificate")

    # 6. OFAC changes the listing (a new alias); load that version, reload the index
    before = workspace.state.loaded.datasets["us_ofac_sdn"].id
    changed = _sdn_with_new_alias(tmp_path / "sdn-changed")
    _load_version(workspace, changed)
    after = workspace.state.loaded.datasets["us_ofac_sdn"].id
    assert after != before

    screen(page, PARTY, "Company")
    row = result_row(page, LISTED)
    expect(row).not_to_contain_text("suppressed")
    second = alert_number(row)
    assert second != first, "a changed listing must raise a new alert, not reuse the decided one"
    row.get_by_role("link", name=f"alert #{second}").click()
    page.wait_for_url(f"{workspace.url}/ui/alerts/{second}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("open")
    expect(page.get_by_role("region", name="Listed entity")).to_contain_text(NEW_ALIAS)
    expect(page.get_by_role("region", name="Listed entity")).to_contain_text(after)
    history = page.get_by_role("region", name="Decision").get_by_role("table")
    earlier = history.get_by_role("row").filter(has_text=reason)
    expect(earlier).to_contain_text("false positive")
    expect(earlier).to_contain_text("changed since")

    # the Alerts page lists the new one as open
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts").click()
    open_row = page.get_by_role("row").filter(has=page.get_by_role("link", name=str(second), exact=True))
    expect(open_row).to_contain_text(LISTED)
    expect(open_row).to_contain_text("open")
    expect(page.get_by_role("link", name=str(first), exact=True)).to_have_count(0)  # decided: not open
    shot(page, "alerts")

    # the Lists page shows both versions, and the diff names the change
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Lists").click()
    expect(page.get_by_role("heading", name="List versions")).to_be_visible()
    versions = page.get_by_role("row").filter(has_text="us_ofac_sdn")
    expect(versions).to_have_count(2)
    expect(versions.filter(has_text=after)).to_contain_text("active")
    expect(versions.filter(has_text=before)).not_to_contain_text("active")
    shot(page, "lists")
    versions.filter(has_text=after).get_by_role("link", name="changes").click()
    changed_section = page.get_by_role("main").locator("section").filter(
        has=page.get_by_role("heading", name="Changed", exact=True))
    expect(changed_section.get_by_role("row").filter(has_text=ENTITY_ID)).to_contain_text(NEW_ALIAS)
    shot(page, "list-diff")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Dashboard").click()
    expect(page.get_by_role("main")).to_contain_text("us_ofac_sdn")
    shot(page, "dashboard")


def test_order_assessment(analyst_page, workspace):
    from playwright.sync_api import expect

    page = analyst_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Orders").click()
    page.get_by_label("Example order").select_option("uae-microcontrollers-caspian.json")
    page.get_by_role("button", name="Assess").click()
    heading = page.get_by_role("heading", name=re.compile(r"^Order .+:"))
    expect(heading).to_contain_text("block", timeout=60_000)  # examples/orders/expected.yaml
    result = page.get_by_role("region", name=re.compile(r"^Order "))
    expect(result).to_contain_text("reason(s)")
    expect(result.get_by_role("listitem").first).to_be_visible()
    expect(result.get_by_role("link", name="assessment record")).to_be_visible()
    expect(result.get_by_role("link", name=re.compile(r"^decide this order \(alert #\d+"))).to_be_visible()
    report = page.frame_locator("iframe[title='Full assessment report with route map']")
    expect(report.locator("body")).to_contain_text("Caspian", timeout=30_000)
    shot(page, "order")


def test_keep_under_monitoring_and_parties_page(analyst_page, workspace):
    from playwright.sync_api import expect

    page = analyst_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Screen", exact=True).click()
    page.get_by_label("Name", exact=True).fill(PARTY)
    page.get_by_label("Type").select_option("Company")
    page.get_by_label("Keep under monitoring").check()
    page.get_by_label("Party id").fill("CUST-0042")
    page.get_by_role("button", name="Screen", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Kept as CUST-0042")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Parties").click()
    expect(page.get_by_role("heading", name="Parties under monitoring")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="CUST-0042")
    expect(row).to_contain_text(PARTY)
    expect(row).to_contain_text("alert")
    shot(page, "parties")


def test_audit_chain_verified_then_tampered(analyst_page, workspace):
    from playwright.sync_api import expect

    page = analyst_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    records = page.get_by_role("row").filter(has_text=ANALYST[0])
    expect(records.filter(has_text="decision")).not_to_have_count(0)
    expect(records.filter(has_text="screen.ui")).not_to_have_count(0)
    expect(page.get_by_role("link", name="Export CSV")).to_be_visible()
    expect(page.get_by_role("link", name="Export JSONL")).to_be_visible()

    # 7. the chain is intact, in the page and for the CLI
    page.get_by_role("button", name="Verify the chain").click()
    status = page.get_by_role("status")
    expect(status).to_have_text(re.compile(r"^\s*Audit chain intact: \d+ record\(s\)\.\s*$"))
    count = int(re.search(r"(\d+) record", status.inner_text()).group(1))
    assert count >= 8
    shot(page, "audit")
    done = workspace.cli("audit", "verify")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "audit chain intact" in done.stdout and f"{count} record(s)" in done.stdout

    # 8. someone rewrites who did record 2, straight in the database
    with sqlite3.connect(workspace.home / "chokepoint.db") as db:
        (actor,) = db.execute("SELECT actor FROM audit_log WHERE seq = 2").fetchone()
        assert actor != "mallory"
        db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 2")
    db.close()

    done = workspace.cli("audit", "verify")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "audit chain broken at record 2" in done.stdout

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Audit").click()
    page.get_by_role("button", name="Verify the chain").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Audit chain broken at record 2:")
    expect(status).to_contain_text("edited")
    shot(page, "audit-broken", full_page=False)


# --- the changed list version ---------------------------------------------------------


def _sdn_with_new_alias(folder: Path) -> Path:
    """A copy of the bundled SDN files where entity 16418 has one more alias."""
    from chokepoint.lists.catalog import bundled_source, dataset_info

    source = bundled_source(dataset_info("us_ofac_sdn"))
    shutil.copytree(source, folder)
    alt = folder / "alt.csv.gz"
    lines = gzip.decompress(alt.read_bytes()).split(b"\r\n")
    last = max(i for i, line in enumerate(lines) if line.startswith(b"16418,"))
    lines.insert(last + 1, f'16418,990001,"aka","{NEW_ALIAS}",-0- '.encode())
    alt.write_bytes(gzip.compress(b"\r\n".join(lines)))
    return folder


def _load_version(workspace: Workspace, folder: Path) -> None:
    from chokepoint.lists.parsers import parse_source

    outcome = workspace.store.load(parse_source(folder, "us_ofac_sdn"), source="test: alias added", activate=True)
    assert outcome.created and outcome.activated, outcome.note
    workspace.state.load()
    assert workspace.state.load_error is None, workspace.state.load_error
