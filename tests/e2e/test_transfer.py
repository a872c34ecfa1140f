"""The SENCO sends a leaver's record on in a real browser: a CTF, a record pack and its receipt."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
import pyzipper
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from sendreg.accounts.models import School, User
from sendreg.lib.dates import today
from sendreg.pupils.models import Pupil
from sendreg.transfer.ctf import parse_ctf
from sendreg.transfer.models import RecordPack
from tests.conftest import put_on_register
from tests.factories import ContactFactory, PupilFactory
from tests.security.conftest import authenticator, code_now

pytestmark = pytest.mark.e2e

SECRET = "9 Secret Lane"
PASSWORD = "a long and private passphrase"


@pytest.fixture
def leaver(school: School, senco: User) -> Pupil:
    pupil = PupilFactory(
        school=school, legal_forename="Lena", legal_surname="Leaver", year_group=11
    )
    day = today()
    put_on_register(pupil, by=senco, status="K", needs=("SPLD", "SLCN"), on=day, today=day)
    ContactFactory(pupil=pupil, name="Foster Carer", address=SECRET, address_protected=True)
    return pupil


@pytest.fixture
def senco_page(context: BrowserContext, senco: User, settings: Any) -> Page:
    """The SENCO logs in as in production: a password, then the authenticator's code."""
    settings.SENDREG_TWO_FACTOR = True
    senco.set_password(PASSWORD)
    senco.save(update_fields=["password"])
    device = authenticator(senco)
    page = context.new_page()
    page.goto("/login/")
    page.get_by_label("Email address").fill(senco.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Enter the code from your authenticator app"
    )
    page.get_by_label("Code").fill(code_now(device))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/$"))
    return page


def _no_serious_violations(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    blocking = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert not blocking, blocking


def test_senco_exports_a_ctf_and_a_record_pack_and_records_the_acknowledgement(
    senco_page: Page, leaver: Pupil
) -> None:
    page = senco_page
    page.goto(leaver.get_absolute_url())
    section = page.get_by_role("region", name="Moving school: records, transfers and consent")
    expect(section).to_be_visible()
    _no_serious_violations(page)

    section.get_by_label("Receiving school's LAESTAB").fill("8012345")
    with page.expect_download() as download_info:
        section.get_by_role("button", name="Download the Common Transfer File (CTF)").click()
    download = download_info.value
    assert download.suggested_filename == "8012000_CTF_8012345_001.xml"
    ctf = parse_ctf(download.path().read_bytes(), max_bytes=10**6)
    assert ctf.pupils[0].upn == leaver.upn and ctf.pupils[0].needs == ("SPLD", "SLCN")
    assert SECRET.encode() not in download.path().read_bytes()

    section.get_by_role("link", name="Make a record pack for the receiving school").click()
    expect(
        page.get_by_text("No consent in force covers sharing with the next school")
    ).to_be_visible()
    page.get_by_label("Receiving school or setting").fill("Northgate College")
    page.get_by_label("Why it is shared without consent").select_option("next_setting")
    page.get_by_role("button", name="Make the record pack").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "The record pack for Lena Leaver is ready"
    )
    password = page.locator(".password code").inner_text()
    assert re.fullmatch(r"(\w{4}-){4}\w{4}", password)
    _no_serious_violations(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download the record pack")).click()
    pack_bytes = download_info.value.path().read_bytes()
    with pyzipper.AESZipFile(io.BytesIO(pack_bytes)) as archive:
        archive.setpassword(password.encode())
        names = archive.namelist()
        assert names[0].startswith("00 Acknowledgement form")
        assert all(archive.read(name).startswith(b"%PDF") for name in names)

    page.get_by_role("link", name="Back to Lena Leaver").click()
    log = page.get_by_role("table", name=re.compile("Record packs sent for Lena Leaver"))
    expect(log).to_contain_text("Northgate College")
    expect(log).to_contain_text("Waiting for the acknowledgement")
    log.get_by_role("link", name=re.compile("Record the acknowledgement")).click()
    page.get_by_label("Who acknowledged it").fill("Mr Okafor, Learning Support")
    page.get_by_role("button", name="Record the acknowledgement").click()

    expect(page.get_by_text("The acknowledgement of")).to_be_visible()
    log = page.get_by_role("table", name=re.compile("Record packs sent for Lena Leaver"))
    expect(log).to_contain_text("by Mr Okafor, Learning Support")
    assert RecordPack.objects.get().acknowledged_by_name == "Mr Okafor, Learning Support"
    _no_serious_violations(page)


def test_transfer_log_has_no_serious_accessibility_problems(
    senco_page: Page, leaver: Pupil
) -> None:
    senco_page.goto("/transfer/log/")
    expect(senco_page.get_by_role("heading", level=1)).to_have_text("Transfer log")
    _no_serious_violations(senco_page)
