"""The census check page shows its findings fifty at a time; totals and downloads count all.

A school whose MIS export went wrong can have thousands of findings. The check still runs over
every pupil (its totals need them all), but only one page of the table is rendered.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from sendreg.accounts.models import School, User
from sendreg.census import rulebook, selectors
from sendreg.census.views import FINDINGS_PER_PAGE
from sendreg.register.models import CensusCheckRun, MisSenRecord
from sendreg.register.rules import Severity
from tests.factories import PupilFactory
from tests.queries import assert_flat

Login = Callable[[User], Client]
SPRING = dt.date(2026, 1, 15)
URL = "/census/?date=2026-01-15"

pytestmark = pytest.mark.usefixtures("on_today")


def break_rule_2175(school: School, pupils: int) -> None:
    """Pupils the MIS says have an EHC plan with need NSA and the register never had.

    Each makes three findings: rule 2175 (NSA only with K) and two MIS-REG differences.
    """
    for _ in range(pupils):
        MisSenRecord.objects.create(
            pupil=PupilFactory(school=school), status="E", needs=["NSA"],
            imported_at=timezone.now(),
        )  # fmt: skip


def findings_table(html: str) -> str:
    return html.split('<section id="findings"', 1)[1].split("</section>", 1)[0]


def rows(html: str) -> list[str]:
    """The UPN of each finding in the table, in order ("" for a finding about the school)."""
    body = findings_table(html).split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        (match.group(1) if (match := re.search(r"\(UPN ([A-Z0-9]+)\)", row)) else "")
        for row in body.split("<tr>")[1:]
    ]


def next_link(html: str) -> str:
    match = re.search(r'<a href="(\?[^"#]*)#findings" rel="next">', findings_table(html))
    assert match, "no link to the next page"
    return "/census/" + match.group(1).replace("&amp;", "&")


@pytest.fixture
def busy(school: School) -> selectors.CensusCheck:
    break_rule_2175(school, 40)
    check = selectors.census_check(school=school, census_date=SPRING)
    assert len(check.findings) > 2 * FINDINGS_PER_PAGE
    return check


def test_findings_are_shown_fifty_to_a_page(
    busy: selectors.CensusCheck, senco: User, login: Login
) -> None:
    client = login(senco)
    total = len(busy.findings)

    first = client.get(URL).content.decode()
    second = client.get(next_link(first)).content.decode()
    third = client.get(next_link(second)).content.decode()

    assert len(rows(first)) == len(rows(second)) == FINDINGS_PER_PAGE
    assert len(rows(third)) == total - 2 * FINDINGS_PER_PAGE
    # Every finding is on exactly one page, in the check's order.
    assert rows(first) + rows(second) + rows(third) == [f.upn for f in busy.findings]
    assert f"{total} findings: page 1 of 3</h2>" in first
    assert f"Showing 1 to 50 of {total} findings (page 1 of 3)" in first
    assert f"Showing 51 to 100 of {total} findings (page 2 of 3)" in second
    assert 'rel="prev"' in second and 'rel="next"' not in third
    # A GET never records a check, whichever page it shows.
    assert not CensusCheckRun.objects.exists()


def test_totals_and_filter_counts_cover_every_page(
    busy: selectors.CensusCheck, senco: User, login: Login
) -> None:
    for url in (URL, f"{URL}&page=3"):
        html = login(senco).get(url).content.decode()
        for severity in Severity:
            label = rulebook.SEVERITY_PLURALS[severity]
            count = busy.counts[severity]
            assert f"<dt>{label}</dt><dd>{count}</dd>" in html
            assert f">{label} ({count})</option>" in html
        assert re.search(r'<option value="MIS-REG">MIS-REG – [^<]* \(80\)</option>', html)
        assert re.search(r'<option value="2175">2175 – [^<]* \(40\)</option>', html)


def test_downloads_from_any_page_hold_every_finding(
    busy: selectors.CensusCheck, senco: User, login: Login
) -> None:
    client = login(senco)
    html = client.get(f"{URL}&page=2").content.decode()
    total = len(busy.findings)
    assert f"Download all {total} of these findings:" in html
    # The download links leave the page out: a download is never one page of the findings.
    links = re.findall(r'href="(/census/\?[^"]*export=csv)"', html)
    assert links and all("page=" not in link for link in links)

    response = client.get(f"{URL}&page=2&export=csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(lines) - 1 == total

    extract = client.get(f"{URL}&page=2&extract=csv").content.decode("utf-8-sig")
    assert len(extract.splitlines()) - 1 == 40


def test_the_pages_keep_the_filters_and_a_new_filter_starts_at_page_one(
    busy: selectors.CensusCheck, senco: User, login: Login
) -> None:
    client = login(senco)
    first = client.get(f"{URL}&rule=MIS-REG").content.decode()
    assert "80 findings matching the filters: page 1 of 2" in first
    link = next_link(first)
    assert "rule=MIS-REG" in link and "date=2026-01-15" in link and "page=2" in link

    second = client.get(link).content.decode()
    assert len(rows(second)) == 30
    assert "Showing 51 to 80 of 80 findings (page 2 of 2)" in second
    assert '<option value="MIS-REG" selected>' in second
    # The filter form carries no page: changing a filter shows the first page of what it finds.
    form = second.split('aria-label="Filter the findings"', 1)[1].split("</form>", 1)[0]
    assert 'name="page"' not in form
    # The htmx fragment is paged the same way, with the same links.
    fragment = client.get(link, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.lstrip().startswith('<section id="findings"')
    assert len(rows(fragment)) == 30 and "rule=MIS-REG" in fragment
    assert "80 findings found, showing 51 to 80" in fragment


def test_a_page_past_the_end_or_not_a_number_shows_a_page_that_exists(
    busy: selectors.CensusCheck, senco: User, login: Login
) -> None:
    client = login(senco)
    total = len(busy.findings)
    assert "(page 3 of 3)" in client.get(f"{URL}&page=99").content.decode()
    assert f"Showing 1 to 50 of {total}" in client.get(f"{URL}&page=last").content.decode()


def test_the_page_makes_the_same_queries_for_ten_findings_as_for_three_pages(
    school: School, senco: User, login: Login
) -> None:
    client = login(senco)
    break_rule_2175(school, 3)
    urls = [URL, f"{URL}&page=3", f"{URL}&rule=MIS-REG&page=2"]
    assert_flat(client, urls, lambda: break_rule_2175(school, 37))
