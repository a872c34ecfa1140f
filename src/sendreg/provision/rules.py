"""Pure rules of the provision map: what provision costs, in which year, and whether it works.

Nothing here touches the database or a request. Pages, exports, the command line and
the import all call these functions, so a figure is worked out one way everywhere.

Money is ``Decimal`` and is rounded once, to the penny, half up (``ROUND_HALF_UP``, which
is what Excel's ``ROUND`` does with positive amounts):

1. a pupil's cost in one run is rounded when it is worked out (``pupil_run_cost``);
2. the part of that cost falling in a school year is rounded when a run spans two years
   (``in_school_year``); a run inside one year keeps its cost unchanged;
3. totals are sums of those rounded amounts, so they need no rounding of their own.

The XLSX export writes the same steps as formulas (``ROUND(...,2)`` at steps 1 and 2,
``SUM`` at step 3), so the workbook and the page agree to the penny.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models

from sendreg import codes

PENNY = Decimal("0.01")
#: Hours and statistics are shown to two decimal places, rounded the same way as money.
HUNDREDTH = Decimal("0.01")
ZERO = Decimal(0)
#: The notional SEN budget meets costed provision up to this much per pupil a year; above it
#: a school may ask the local authority for top-up funding. The default of the setting.
DEFAULT_TOPUP_THRESHOLD = Decimal("6000.00")
#: The school year starts on 1 September.
YEAR_START_MONTH = 9


class Wave(models.IntegerChoices):
    UNIVERSAL = 1, "Wave 1: universal (quality first teaching for all)"
    TARGETED = 2, "Wave 2: targeted (small groups)"
    SPECIALIST = 3, "Wave 3: specialist (individual or highly personalised)"


#: Short names for a wave in tables and headings.
WAVE_SHORT = {1: "Wave 1", 2: "Wave 2", 3: "Wave 3"}


class Measure(models.TextChoices):
    STANDARDISED = "standardised", "Standardised score"
    READING_AGE = "reading_age", "Reading age in months"
    SPELLING_AGE = "spelling_age", "Spelling age in months"
    SCALE = "scale", "A named scale"
    NONE = "none", "Not measured"


class TrainingLevel(models.TextChoices):
    AWARENESS = "awareness", "Awareness"
    ENHANCED = "enhanced", "Enhanced"
    SPECIALIST = "specialist", "Specialist"


#: The plausible range of each kind of measure, so that a typing slip is caught.
MEASURE_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    Measure.STANDARDISED: (Decimal(40), Decimal(160)),
    Measure.READING_AGE: (Decimal(12), Decimal(240)),
    Measure.SPELLING_AGE: (Decimal(12), Decimal(240)),
}


# --- Messages -------------------------------------------------------------------------------

GROUP_SIZE_POSITIVE = "The group size must be a whole number of pupils, 1 or more."
SESSIONS_POSITIVE = (
    "Sessions a week must be a number above 0 (write 0.5 for one session a fortnight)."
)
MINUTES_POSITIVE = "Minutes a session must be a whole number above 0."
WEEKS_POSITIVE = "The number of weeks must be a whole number, 1 or more."
RATE_NOT_NEGATIVE = "The hourly rate must be an amount in pounds, 0 or more."
RESOURCES_NOT_NEGATIVE = "Resources per pupil must be an amount in pounds, 0 or more."
END_BEFORE_START = "The end date ({end:%d/%m/%Y}) is before the start date ({start:%d/%m/%Y})."
PUPIL_OUTSIDE_RUN = (
    "A pupil's dates must fall within the run's, {start:%d/%m/%Y} to {end:%d/%m/%Y}."
)
SCORE_OUT_OF_RANGE = "The {which} score {score} is outside {range_}."
SCALE_NEEDS_NAME = "Give the scale's name, such as “Boxall Profile” or “SDQ total”."
SCALE_RANGE_ORDER = "The bottom of the scale must be below its top."
SCALE_ONLY = "A scale's name and range are kept only when progress is measured on a named scale."
TARGET_WITHOUT_MEASURE = "This intervention's progress is not measured, so it takes no scores."
TRAINING_WHO_MISSING = "Say who was trained: choose them from the list or type their name."
TRAINING_WHO_TWICE = "Choose the member of staff from the list or type their name, not both."
TRAINING_AREA_UNKNOWN = "{area!r} is not a need type or a broad area of need."
THRESHOLD_POSITIVE = "The top-up threshold must be an amount in pounds above 0."
NAME_TAKEN = "The catalogue already has an intervention called “{name}”."
TARGET_UNKNOWN = "{value!r} is not a need type code or a broad area of need."
#: How the effect size is worked out, shown beside every effect size.
EFFECT_SIZE_METHOD = (
    "Effect size is the mean gain divided by the standard deviation of the entry scores, "
    "both over the pupils with an entry and an exit score (the sample standard deviation, "
    "dividing by one less than the number of pupils). Around 0.2 is small, 0.5 medium and "
    "0.8 or more large. It needs at least two pupils with both scores whose entry scores differ."
)
NOT_ENOUGH_SCORES = "not enough scores"
ENTRY_SCORES_SAME = "entry scores all the same"


# --- Money and hours ------------------------------------------------------------------------


def money(value: Decimal) -> Decimal:
    """An amount rounded to the penny, half up."""
    return value.quantize(PENNY, rounding=ROUND_HALF_UP)


def hundredths(value: Decimal) -> Decimal:
    return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def format_pounds(value: Decimal | None) -> str:
    """£10,545.00; an empty string for no amount."""
    if value is None:
        return ""
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(money(value)):,.2f}"


def money_text(value: Decimal | None) -> str | None:
    """An amount as the command line's JSON gives it: "10545.00", or None."""
    return None if value is None else f"{money(value):.2f}"


@dataclass(frozen=True)
class Costing:
    """What a run's cost depends on: the same for every pupil in the run."""

    hourly_rate: Decimal
    sessions_per_week: Decimal
    minutes_per_session: int
    weeks: int
    group_size: int
    resources_per_pupil: Decimal


def pupil_run_cost(costing: Costing) -> Decimal:
    """One pupil's cost in one run, to the penny.

    hourly rate × sessions a week × minutes ÷ 60 × weeks ÷ group size + resources per pupil.
    A pupil who joins late or leaves early costs the same: the group was staffed for the
    whole run, and each place in it costs its share.
    """
    staff = (
        costing.hourly_rate
        * costing.sessions_per_week
        * costing.minutes_per_session
        * costing.weeks
        / (60 * costing.group_size)
    )
    return money(staff + costing.resources_per_pupil)


def run_hours(costing: Costing) -> Decimal:
    """Hours of provision each pupil in the run receives (sessions × minutes × weeks ÷ 60)."""
    minutes = costing.sessions_per_week * costing.minutes_per_session * costing.weeks
    return hundredths(minutes / 60)


def validate_costing(costing: Costing) -> None:
    """Raise ValidationError naming each field whose value cannot be costed."""
    errors: dict[str, str] = {}
    if costing.group_size < 1:
        errors["group_size"] = GROUP_SIZE_POSITIVE
    if costing.sessions_per_week <= 0:
        errors["sessions_per_week"] = SESSIONS_POSITIVE
    if costing.minutes_per_session < 1:
        errors["minutes_per_session"] = MINUTES_POSITIVE
    if costing.weeks < 1:
        errors["weeks"] = WEEKS_POSITIVE
    if costing.hourly_rate < 0:
        errors["hourly_rate"] = RATE_NOT_NEGATIVE
    if costing.resources_per_pupil < 0:
        errors["resources_per_pupil"] = RESOURCES_NOT_NEGATIVE
    if errors:
        raise ValidationError(errors)


def over_threshold(cost: Decimal, threshold: Decimal) -> bool:
    """Whether a year's costed provision is above the threshold (exactly at it is not)."""
    return cost > threshold


def validate_threshold(threshold: Decimal) -> None:
    if threshold <= 0:
        raise ValidationError(THRESHOLD_POSITIVE)


# --- School years ---------------------------------------------------------------------------


def school_year_of(day: dt.date) -> int:
    """The school year a day falls in, by its first calendar year: 2025 is 2025/26."""
    return day.year if day.month >= YEAR_START_MONTH else day.year - 1


def school_year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """1 September to 31 August, both included."""
    return dt.date(year, YEAR_START_MONTH, 1), dt.date(
        year + 1, YEAR_START_MONTH, 1
    ) - dt.timedelta(days=1)


def school_year_label(year: int) -> str:
    return f"{year}/{(year + 1) % 100:02d}"


def days_between(start: dt.date, end: dt.date) -> int:
    """Days from ``start`` to ``end``, both included."""
    return (end - start).days + 1


def days_in_school_year(start: dt.date, end: dt.date, year: int) -> int:
    """How many days of ``start``..``end`` (both included) fall in the school year."""
    first, last = school_year_bounds(year)
    return max(0, days_between(max(start, first), min(end, last)))


def overlaps_school_year(start: dt.date, end: dt.date, year: int) -> bool:
    return days_in_school_year(start, end, year) > 0


def in_school_year(amount: Decimal, *, start: dt.date, end: dt.date, year: int) -> Decimal:
    """The part of a run's ``amount`` (money or hours) that falls in the school year.

    A run inside one school year keeps all of it. A run across two is shared by the share
    of its days in each (the same as the share of its weeks), rounded to the hundredth.
    """
    inside, days = days_in_school_year(start, end, year), days_between(start, end)
    if inside >= days:
        return amount
    return hundredths(amount * inside / days)


def validate_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError({"end_date": END_BEFORE_START.format(start=start, end=end)})


def validate_pupil_dates(
    *, start: dt.date, end: dt.date, run_start: dt.date, run_end: dt.date
) -> None:
    validate_dates(start, end)
    if start < run_start or end > run_end:
        raise ValidationError(PUPIL_OUTSIDE_RUN.format(start=run_start, end=run_end))


# --- Measures -------------------------------------------------------------------------------


def score_range(
    measure: str, low: Decimal | None, high: Decimal | None
) -> tuple[Decimal | None, Decimal | None]:
    """The scores an intervention's measure allows: fixed for ages and standardised scores,
    the scale's own range for a named scale (either end may be open)."""
    if measure in MEASURE_RANGES:
        return MEASURE_RANGES[measure]
    return low, high


def _range_text(low: Decimal | None, high: Decimal | None) -> str:
    if low is not None and high is not None:
        return f"the range {low.normalize():f} to {high.normalize():f}"
    if low is not None:
        return f"the range: at least {low.normalize():f}"
    return f"the range: at most {high.normalize():f}" if high is not None else "the range"


def validate_measure(measure: str, name: str, low: Decimal | None, high: Decimal | None) -> None:
    errors: dict[str, str] = {}
    if measure == Measure.SCALE:
        if not name.strip():
            errors["scale_name"] = SCALE_NEEDS_NAME
        if low is not None and high is not None and low >= high:
            errors["scale_max"] = SCALE_RANGE_ORDER
    elif name.strip() or low is not None or high is not None:
        errors["scale_name"] = SCALE_ONLY
    if errors:
        raise ValidationError(errors)


def validate_scores(
    *,
    measure: str,
    low: Decimal | None,
    high: Decimal | None,
    scores: dict[str, Decimal | None],
) -> None:
    """Each score (``entry_score``, ``exit_score``, ``target_score``) within the measure's range."""
    given = {field: score for field, score in scores.items() if score is not None}
    if not given:
        return
    if measure == Measure.NONE:
        raise ValidationError(dict.fromkeys(given, TARGET_WITHOUT_MEASURE))
    low, high = score_range(measure, low, high)
    errors = {
        field: SCORE_OUT_OF_RANGE.format(
            which=field.removesuffix("_score"),
            score=f"{score.normalize():f}",
            range_=_range_text(low, high),
        )
        for field, score in given.items()
        if (low is not None and score < low) or (high is not None and score > high)
    }
    if errors:
        raise ValidationError(errors)


# --- Impact ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scores:
    """One pupil's measures in a run; any may be missing."""

    entry: Decimal | None
    exit: Decimal | None
    target: Decimal | None = None


@dataclass(frozen=True)
class Impact:
    """What a run or an intervention achieved, over the pupils in it.

    ``pupils`` counts everyone enrolled; the gain statistics use only the pupils with
    both an entry and an exit score (``pupils_with_scores``). A statistic that cannot be
    worked out is None, never a division by zero.
    """

    pupils: int
    pupils_with_scores: int
    mean_gain: Decimal | None
    sd_gain: Decimal | None
    sd_entry: Decimal | None
    effect_size: Decimal | None
    with_target: int
    met_target: int
    met_target_share: Decimal | None
    total_cost: Decimal
    cost_per_pupil: Decimal | None
    cost_per_point: Decimal | None

    @property
    def effect_size_note(self) -> str:
        """Why there is no effect size, when there is none."""
        if self.effect_size is not None:
            return ""
        if self.pupils_with_scores < 2:
            return NOT_ENOUGH_SCORES
        return ENTRY_SCORES_SAME

    @property
    def measured(self) -> bool:
        return self.pupils_with_scores > 0


def _mean(values: Sequence[Decimal]) -> Decimal:
    return sum(values, ZERO) / len(values)


def sample_sd(values: Sequence[Decimal]) -> Decimal | None:
    """The sample standard deviation (dividing by n − 1), or None for fewer than two values."""
    if len(values) < 2:
        return None
    mean = _mean(values)
    variance = sum(((v - mean) ** 2 for v in values), ZERO) / (len(values) - 1)
    return variance.sqrt()


def impact(scores: Sequence[Scores], costs: Iterable[Decimal]) -> Impact:
    """Impact statistics for the pupils in a run (or all runs of an intervention).

    ``costs`` are the pupils' costs, one each; the cost per pupil is their mean, and the
    cost per point of gain is that divided by the mean gain (only when the mean gain is
    above 0: a run that made no progress has no cost per point).
    """
    pairs = [(s.entry, s.exit) for s in scores if s.entry is not None and s.exit is not None]
    entries = [entry for entry, _ in pairs]
    gains = [exit_ - entry for entry, exit_ in pairs]
    mean_gain = _mean(gains) if gains else None
    sd_gain = sample_sd(gains)
    sd_entry = sample_sd(entries)
    effect = None
    if mean_gain is not None and sd_entry is not None and sd_entry > 0:
        effect = hundredths(mean_gain / sd_entry)
    targeted = [s for s in scores if s.target is not None and s.exit is not None]
    met = sum(
        1 for s in targeted if s.exit is not None and s.target is not None and s.exit >= s.target
    )
    total = sum(costs, ZERO)
    per_pupil = money(total / len(scores)) if scores else None
    per_point = None
    if per_pupil is not None and mean_gain is not None and mean_gain > 0:
        per_point = money(per_pupil / mean_gain)
    return Impact(
        pupils=len(scores),
        pupils_with_scores=len(pairs),
        mean_gain=hundredths(mean_gain) if mean_gain is not None else None,
        sd_gain=hundredths(sd_gain) if sd_gain is not None else None,
        sd_entry=hundredths(sd_entry) if sd_entry is not None else None,
        effect_size=effect,
        with_target=len(targeted),
        met_target=met,
        met_target_share=hundredths(Decimal(met) / len(targeted)) if targeted else None,
        total_cost=total,
        cost_per_pupil=per_pupil,
        cost_per_point=per_point,
    )


# --- Needs ----------------------------------------------------------------------------------


def targets_need(
    *, need: str, need_area: str, target_needs: Iterable[str], target_areas: Iterable[str]
) -> bool:
    """Whether an intervention that targets these needs and broad areas targets ``need``."""
    return need in set(target_needs) or need_area in set(target_areas)


def area_of(need: str) -> str:
    """The broad area of a need type code ("" for an unknown code)."""
    found = codes.need_type(need)
    return found.area.value if found else ""


#: Broad areas an intervention or a course can be about (not "no broad area").
TARGET_AREAS = tuple(a for a in codes.BroadArea if a != codes.BroadArea.NONE)


def need_area_label(value: str) -> str:
    """A need type code or a broad area, in words: "SPLD – Specific learning difficulty"."""
    found = codes.need_type(value)
    if found is not None:
        return str(found)
    try:
        return codes.BroadArea(value).label
    except ValueError:
        return value


def need_area_choices() -> list[tuple[str, str]]:
    """Broad areas first, then need types, for a training record's need area."""
    return [(a.value, a.label) for a in TARGET_AREAS] + [
        (n.code, str(n)) for n in codes.need_types()
    ]


def validate_need_area(value: str) -> None:
    if value not in {v for v, _ in need_area_choices()}:
        raise ValidationError({"need_area": TRAINING_AREA_UNKNOWN.format(area=value)})


def validate_trainee(*, has_user: bool, name: str) -> None:
    if has_user and name.strip():
        raise ValidationError({"name": TRAINING_WHO_TWICE})
    if not has_user and not name.strip():
        raise ValidationError({"name": TRAINING_WHO_MISSING})


def targets_label(needs: Iterable[str], areas: Iterable[str]) -> str:
    """What an intervention targets, as the command line and exports write it: "SPLD, MLD"."""
    words = [n for n in needs] + [codes.BroadArea(a).label for a in areas]
    return ", ".join(words)


def validate_targets(needs: Iterable[str], areas: Iterable[str]) -> None:
    """Need type codes and broad areas an intervention may target."""
    known_areas = {a.value for a in TARGET_AREAS}
    for need in needs:
        if codes.need_type(need) is None:
            raise ValidationError({"need_codes": TARGET_UNKNOWN.format(value=need)})
    for area in areas:
        if area not in known_areas:
            raise ValidationError({"areas": TARGET_UNKNOWN.format(value=area)})
