"""Neo4j Browser in a real headless Chromium (Debian's package) draws a scope's memory with
the graphmem style: the saved query runs, nodes and relation captions are on the canvas.
The screenshot is kept under .artifacts/browser/ (git-ignored)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from graphmem import GraphMemory
from graphmem.browser_kit import KitServer, kit_dir
from graphmem.localserver import Neo4jServer
from graphmem.testing import Script

ARTIFACTS = Path(__file__).resolve().parents[2] / ".artifacts" / "browser"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[WebDriver]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("install Debian's chromium and chromium-driver (scripts/bootstrap does)")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-sync",
        "--disable-component-update",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def _run(driver: WebDriver, command: str) -> None:
    wait = WebDriverWait(driver, 60)
    editor = wait.until(
        ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='activeEditor']"))
    )
    editor.click()
    ActionChains(driver).send_keys(command).perform()
    driver.find_element(By.CSS_SELECTOR, "[data-testid='editor-Run']").click()


def _log_in(driver: WebDriver, server: Neo4jServer) -> None:
    """The local server has a password: type it into Browser's connect form."""
    wait = WebDriverWait(driver, 90)
    username = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "[data-testid='username']")))
    assert username.get_attribute("value") == server.user  # the URL fills in the user
    assert server.password, "the local server must have a password"
    driver.find_element(By.CSS_SELECTOR, "[data-testid='password']").send_keys(server.password)
    driver.find_element(By.CSS_SELECTOR, "[data-testid='connect']").click()


def test_browser_draws_a_scope_with_the_graphmem_style(
    chromium: WebDriver,
    neo4j_server: Neo4jServer,
    memory: GraphMemory,
    script: Script,
    uid: str,
) -> None:
    if not neo4j_server.browser_url:
        pytest.fail("this test needs a server that serves Neo4j Browser (the local one does)")
    script.enqueue_extraction(
        [(uid, "Person"), ("Oslo", "City"), ("Rex", "Dog")],
        [(uid, "lives_in", "Oslo"), (uid, "has_pet", "Rex")],
    )
    memory.add("I live in Oslo with my dog Rex.", user_id=uid)
    script.enqueue_extraction([(uid, "Person"), ("Bergen", "City")], [(uid, "lives_in", "Bergen")])
    script.enqueue_decisions(("UPDATE", "N1", "E1", "moved"))
    memory.add("I moved to Bergen.", user_id=uid)

    with tempfile.TemporaryDirectory() as root:
        kit = KitServer(Path(root)).start()
        try:
            chromium.get(neo4j_server.browser_url)
            _log_in(chromium, neo4j_server)
            WebDriverWait(chromium, 90).until(
                ec.presence_of_element_located(
                    (By.XPATH, "//*[contains(text(), 'Connected to Neo4j')]")
                )
            )
            _run(chromium, f":style {kit.base_url}/graphmem.grass")
            WebDriverWait(chromium, 30).until(
                ec.presence_of_element_located(
                    (By.XPATH, "//*[contains(text(), 'caption: \"{display}\"')]")
                )
            )
            _run(chromium, f":param scope_key => '[\"{uid}\",null,null]'")
            query = (kit_dir() / "01_scope_memory.cypher").read_text()
            _run(chromium, " ".join(x for x in query.splitlines() if not x.startswith("//")))
            WebDriverWait(chromium, 60).until(
                lambda d: len(d.find_elements(By.CSS_SELECTOR, "svg g.node")) >= 4
            )
        finally:
            kit.stop()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        chromium.save_screenshot(str(ARTIFACTS / "scope_memory.png"))

    nodes = {t.text for t in chromium.find_elements(By.CSS_SELECTOR, "svg g.node text")}
    captions = [t.text for t in chromium.find_elements(By.CSS_SELECTOR, "svg g.relationship text")]
    assert {"Oslo", "Bergen", "Rex"} <= nodes  # and the user, whose long id may be cut
    assert "has_pet" in captions and "lives_in" in captions
    assert any(c.startswith("lives_in ✗ 20") for c in captions)  # the retired fact
