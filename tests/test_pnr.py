"""Property-based tests of sig.youths.pnr: personal identity numbers and coordination
numbers in every accepted written form, the century of the 10-digit form, each kind
of error, and that nothing but InvalidPersonalNumber (without the number) ever escapes.

Pure functions, no application: ``today`` is always passed explicitly.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from sig.youths.pnr import (
    InvalidPersonalNumber,
    PersonalNumber,
    Problem,
    age_on,
    luhn_check_digit,
    parse,
)

TODAY = dt.date(2026, 11, 21)

# Fast and deterministic: the same examples on every run, no timing-based failures.
# (The autouse fixtures of conftest are function-scoped but stateless for these tests.)
fast = settings(max_examples=200, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

DIGITS = "0123456789"
serials = st.integers(min_value=0, max_value=999)
past_births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)


# --- an independent oracle ---------------------------------------------------------

def reference_luhn_valid(number: str) -> bool:
    """The textbook Luhn test: from the right, double every second digit."""
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def reference_check_digit(payload: str) -> int:
    """The one digit that makes ``payload + digit`` pass the Luhn test."""
    matches = [d for d in range(10) if reference_luhn_valid(payload + str(d))]
    assert len(matches) == 1
    return matches[0]


def build(birth: dt.date, serial: int, coordination: bool = False) -> tuple[str, str]:
    """(the 10 digits YYMMDDNNNC, the normalised 12 digits) for a birth date."""
    day = birth.day + (60 if coordination else 0)
    nine = f"{birth.year % 100:02d}{birth.month:02d}{day:02d}{serial:03d}"
    ten = nine + str(reference_check_digit(nine))
    return ten, f"{birth.year // 100:02d}{ten}"


def written_forms(birth: dt.date, ten: str, normalised: str, today: dt.date) -> list[str]:
    """Every accepted way to write the number on ``today``."""
    forms = [normalised, f"{normalised[:8]}-{normalised[8:]}"]
    if age_on(birth, today) >= 100:
        forms.append(f"{ten[:6]}+{ten[6:]}")
    else:
        forms += [ten, f"{ten[:6]}-{ten[6:]}"]
    return forms


def problem_of(text: str, today: dt.date = TODAY) -> Problem | None:
    try:
        parse(text, today=today)
    except InvalidPersonalNumber as exc:
        return exc.problem
    return None


# --- luhn ----------------------------------------------------------------------------

@fast
@given(st.text(alphabet=DIGITS, min_size=9, max_size=9))
@example("121212121")  # 19121212-1212
@example("000000000")
@example("999999999")
def test_luhn_check_digit_matches_the_textbook_algorithm(nine):
    assert luhn_check_digit(nine) == reference_check_digit(nine)


def test_reference_luhn_on_known_numbers():
    # Skatteverket's examples: 19121212-1212 and the coordination number 701063-2391.
    assert reference_luhn_valid("1212121212")
    assert reference_luhn_valid("7010632391")
    assert not reference_luhn_valid("1212121213")


# --- valid numbers in every form -----------------------------------------------------

@fast
@given(birth=past_births, serial=serials, coordination=st.booleans(),
       left=st.sampled_from(["", " ", "  ", "\t", "\n"]),
       right=st.sampled_from(["", " ", "  ", "\t", "\n"]))
@example(birth=dt.date(1912, 12, 12), serial=121, coordination=False, left="", right="")
@example(birth=TODAY, serial=0, coordination=False, left="", right="")
@example(birth=dt.date(1926, 11, 21), serial=999, coordination=False, left=" ", right=" ")
@example(birth=dt.date(1926, 11, 22), serial=1, coordination=True, left="", right="")
@example(birth=dt.date(2000, 2, 29), serial=500, coordination=True, left="", right="")
@example(birth=dt.date(1900, 1, 1), serial=0, coordination=False, left="", right="")
def test_every_written_form_parses_to_the_same_number(birth, serial, coordination, left,
                                                      right):
    ten, normalised = build(birth, serial, coordination)
    expected = PersonalNumber(normalised, birth, coordination)
    for form in written_forms(birth, ten, normalised, TODAY):
        assert parse(f"{left}{form}{right}", today=TODAY) == expected, form
    assert expected.display == f"{normalised[:8]}-{normalised[8:]}"


@fast
@given(birth=past_births, serial=serials)
def test_wrong_sign_for_the_age_does_not_give_the_same_person(birth, serial):
    """A 10-digit number written with the other sign is another person, a century apart
    (or no person at all, e.g. 29 February 1900)."""
    ten, normalised = build(birth, serial)
    wrong = "-" if age_on(birth, TODAY) >= 100 else "+"
    try:
        other = parse(f"{ten[:6]}{wrong}{ten[6:]}", today=TODAY)
    except InvalidPersonalNumber as exc:
        assert exc.problem is Problem.DATE
        assert (birth.month, birth.day) == (2, 29)
    else:
        assert abs(other.birth_date.year - birth.year) == 100
        assert other.normalised[2:] == normalised[2:]


# --- the century of the 10-digit form -------------------------------------------------

@st.composite
def today_and_birth(draw):
    """A day and a birth date 0 to 199 years before it, often within a few days of
    an anniversary of the day (where the choice of century changes)."""
    today = draw(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2250, 12, 31)))
    if draw(st.booleans()):
        birth = draw(st.dates(min_value=dt.date(today.year - 199, 1, 1), max_value=today))
    else:
        years = draw(st.sampled_from([0, 1, 99, 100, 101, 199]))
        try:
            anniversary = today.replace(year=today.year - years)
        except ValueError:  # today is 29 February
            anniversary = today.replace(year=today.year - years, day=28)
        birth = anniversary + dt.timedelta(days=draw(st.integers(min_value=-3, max_value=3)))
    assume(birth <= today and 0 <= age_on(birth, today) < 200)
    return today, birth


@fast
@given(today_and_birth(), serials)
@example((TODAY, dt.date(2026, 11, 21)), 1)    # born today: '-' and this century
@example((TODAY, dt.date(1926, 11, 22)), 1)    # 99 today, YY same as this year
@example((TODAY, dt.date(1926, 11, 21)), 1)    # turns 100 today: '+'
@example((TODAY, dt.date(1926, 11, 20)), 1)
@example((TODAY, dt.date(1826, 11, 22)), 1)    # 199: '+'
@example((dt.date(2100, 6, 1), dt.date(2000, 2, 29)), 1)  # 2100 is no leap year
@example((dt.date(2100, 2, 28), dt.date(2000, 2, 29)), 1)
@example((dt.date(2000, 2, 29), dt.date(1900, 3, 1)), 1)
def test_ten_digit_form_picks_the_right_century(today_birth, serial):
    """'-' (or nothing): the person is under 100; '+': 100 or older.  Each 10-digit
    number therefore names exactly one birth date on a given day."""
    today, birth = today_birth
    ten, normalised = build(birth, serial)
    sign = "+" if age_on(birth, today) >= 100 else "-"
    expected = PersonalNumber(normalised, birth, False)
    assert parse(f"{ten[:6]}{sign}{ten[6:]}", today=today) == expected
    if sign == "-":
        assert parse(ten, today=today) == expected


@pytest.mark.parametrize(("text", "year"), [
    ("261121-0000", 2026),  # today
    ("261120-0000", 2026),
    ("261122-0000", 1926),  # later in the year than today: the person is 99
    ("261231-0000", 1926),
    ("270101-0000", 1927),
    ("250101-0000", 2025),
    ("261121+0000", 1926),  # turns 100 today
    ("261120+0000", 1926),
    ("261122+0000", 1826),  # not yet 100 if born in 1926
    ("270101+0000", 1827),
    ("250101+0000", 1925),
])
def test_century_around_today(text, year):
    nine = text[:6] + text[7:10]
    text = text[:-1] + str(reference_check_digit(nine))
    number = parse(text, today=TODAY)
    assert number.birth_date == dt.date(year, int(text[2:4]), int(text[4:6]))
    assert number.normalised == f"{year // 100}{text[:6]}{text[7:]}"
    assert (age_on(number.birth_date, TODAY) >= 100) == ("+" in text)
    if "-" in text:
        assert parse(text.replace("-", ""), today=TODAY) == number


# --- coordination numbers ---------------------------------------------------------------

@fast
@given(birth=past_births, serial=serials)
def test_coordination_numbers_carry_the_real_birth_date(birth, serial):
    ten, normalised = build(birth, serial, coordination=True)
    assert int(normalised[6:8]) == birth.day + 60
    for form in written_forms(birth, ten, normalised, TODAY):
        number = parse(form, today=TODAY)
        assert number.coordination is True
        assert number.birth_date == birth
        assert number.normalised == normalised  # the day stays as written (+60)
    _, plain = build(birth, serial)
    assert parse(plain, today=TODAY).coordination is False


# --- single-digit changes ---------------------------------------------------------------

@fast
@given(birth=past_births, serial=serials, coordination=st.booleans(),
       position=st.integers(min_value=0, max_value=11), new=st.sampled_from(DIGITS),
       hyphen=st.booleans())
def test_any_changed_digit_in_the_12_digit_form(birth, serial, coordination, position, new,
                                                hyphen):
    _, normalised = build(birth, serial, coordination)
    assume(normalised[position] != new)
    changed = normalised[:position] + new + normalised[position + 1:]
    text = f"{changed[:8]}-{changed[8:]}" if hyphen else changed
    problem = problem_of(text)
    if position < 2:
        # The century is outside the Luhn sum: another (possibly impossible or future) date.
        assert problem in (None, Problem.DATE, Problem.FUTURE)
        return
    assert not reference_luhn_valid(changed[2:])  # Luhn catches every single-digit change
    if position >= 8:
        assert problem is Problem.CHECK_DIGIT  # serial or check digit: the date is intact
    else:
        assert problem in (Problem.CHECK_DIGIT, Problem.DATE, Problem.FUTURE)


@fast
@given(birth=past_births, serial=serials, coordination=st.booleans(),
       position=st.integers(min_value=0, max_value=9), new=st.sampled_from(DIGITS))
def test_any_changed_digit_in_the_10_digit_form(birth, serial, coordination, position, new):
    ten, normalised = build(birth, serial, coordination)
    assume(ten[position] != new)
    changed = ten[:position] + new + ten[position + 1:]
    assert not reference_luhn_valid(changed)
    sign = "+" if age_on(birth, TODAY) >= 100 else "-"
    problem = problem_of(f"{changed[:6]}{sign}{changed[6:]}")
    if position >= 6:
        assert problem is Problem.CHECK_DIGIT
    else:
        # The 10-digit form always chooses a past date, so never FUTURE.
        assert problem in (Problem.CHECK_DIGIT, Problem.DATE)


@fast
@given(birth=past_births, serial=serials, coordination=st.booleans(),
       new=st.sampled_from(DIGITS))
def test_any_other_check_digit(birth, serial, coordination, new):
    ten, normalised = build(birth, serial, coordination)
    assume(new != ten[-1])
    for form in written_forms(birth, ten, normalised, TODAY):
        assert problem_of(form[:-1] + new) is Problem.CHECK_DIGIT


# --- impossible and future dates ----------------------------------------------------------

def with_check_digit(first_eleven_or_nine: str) -> str:
    """Complete 12 digits ``YYYYMMDDNNN`` (or 10-digit ``YYMMDDNNN``) with the right digit."""
    payload = first_eleven_or_nine[-9:]
    return first_eleven_or_nine + str(reference_check_digit(payload))


@pytest.mark.parametrize("date_digits", [
    "20230230", "20240230", "20230231", "20230431", "20230631", "20230931", "20231131",
    "20231301", "20230001", "20239901", "20230100", "20230132", "20230159",
    "20230229", "19000229", "21000229",
    "20230160", "20230192", "20230199", "20230289", "20230290", "20230491",
    "20250229", "20250289",  # 29 February (+60) in a common year
])
def test_impossible_dates(date_digits):
    full = with_check_digit(date_digits + "123")
    assert problem_of(full) is Problem.DATE
    assert problem_of(f"{full[:8]}-{full[8:]}") is Problem.DATE
    for sign in "-+":
        problem = problem_of(f"{full[2:8]}{sign}{full[8:]}")
        if full[2:8] in ("000229", "000289") and sign == "-":
            assert problem is None  # 29 February 2000
        else:
            assert problem is Problem.DATE


@pytest.mark.parametrize("ten", ["000229-0000", "000289-0000", "000229+0000", "000289+0000"])
def test_29_february_1900_and_2000(ten):
    text = ten[:-1] + str(reference_check_digit(ten[:6] + ten[7:10]))
    if "+" in text:
        assert problem_of(text) is Problem.DATE  # 1900 was no leap year
    else:
        assert parse(text, today=TODAY).birth_date == dt.date(2000, 2, 29)


@fast
@given(year=st.integers(min_value=1900, max_value=2099), month=st.integers(0, 99),
       day=st.integers(0, 99), serial=serials)
def test_dates_in_the_12_digit_form(year, month, day, serial):
    """Against an independent oracle: any month and day digits, right check digit."""
    full = with_check_digit(f"{year:04d}{month:02d}{day:02d}{serial:03d}")
    coordination = day > 60
    real_day = day - 60 if coordination else day
    possible = 1 <= month <= 12 and 1 <= real_day <= calendar.monthrange(year, month)[1]
    try:
        number = parse(full, today=TODAY)
    except InvalidPersonalNumber as exc:
        if not possible:
            assert exc.problem is Problem.DATE
        else:
            assert exc.problem is Problem.FUTURE
            assert dt.date(year, month, real_day) > TODAY
    else:
        assert possible
        assert number == PersonalNumber(full, dt.date(year, month, real_day), coordination)


@fast
@given(birth=st.dates(min_value=TODAY + dt.timedelta(days=1), max_value=dt.date(2999, 12, 31)),
       serial=serials, coordination=st.booleans())
@example(birth=TODAY + dt.timedelta(days=1), serial=0, coordination=False)
@example(birth=TODAY + dt.timedelta(days=1), serial=0, coordination=True)
def test_future_dates_in_the_12_digit_form(birth, serial, coordination):
    ten, normalised = build(birth, serial, coordination)
    assert problem_of(normalised) is Problem.FUTURE
    assert problem_of(f"{normalised[:8]}-{normalised[8:]}") is Problem.FUTURE
    # Written with 10 digits the same digits are a past date, never the future one.
    number = parse(f"{ten[:6]}-{ten[6:]}", today=TODAY)
    assert number.birth_date <= TODAY
    assert age_on(number.birth_date, TODAY) < 100
    assert number.birth_date.year % 100 == birth.year % 100
    assert (number.birth_date.month, number.birth_date.day) == (birth.month, birth.day)


# --- arbitrary input -------------------------------------------------------------------------

def assert_only_invalid_without_digits(text: str) -> Problem | None:
    """Parse ``text``: either a well-formed number or InvalidPersonalNumber whose message
    reveals nothing of the input."""
    try:
        number = parse(text, today=TODAY)
    except InvalidPersonalNumber as exc:
        assert isinstance(exc.problem, Problem)
        for shown in (str(exc), repr(exc), *map(str, exc.args)):
            assert not re.search(r"\d", shown), shown
        assert str(exc) == exc.problem.value
        return exc.problem
    assert re.fullmatch(r"[0-9]{12}", number.normalised), number.normalised
    assert number.birth_date <= TODAY
    return None


@fast
@given(st.text())
@example("")
@example("   ")
@example("\x00")
@example("19121212+1212")
@example("１９１２１２１２-１２１２")  # full-width digits
@example("١٩١٢١٢١٢-١٢١٢")  # Arabic-Indic digits
@example("121212-1212\n")
def test_arbitrary_text_only_raises_invalid_personal_number(text):
    assert_only_invalid_without_digits(text)


@fast
@given(st.text(alphabet=DIGITS, max_size=20).filter(lambda s: len(s) not in (10, 12)))
def test_digit_strings_of_the_wrong_length(digits):
    problem = assert_only_invalid_without_digits(digits)
    assert problem is (Problem.EMPTY if not digits else Problem.FORMAT)


def _foreign(char: str) -> bool:
    """Neither an ASCII digit, nor an accepted separator, nor whitespace."""
    return char not in DIGITS + "-+" and not char.isspace()


@st.composite
def mangled_numbers(draw):
    """A valid number in one of its forms with one character replaced by, or one
    inserted, that is a letter, a non-ASCII digit, punctuation or a symbol."""
    birth = draw(past_births)
    _, normalised = build(birth, draw(serials))
    text = draw(st.sampled_from([normalised, f"{normalised[:8]}-{normalised[8:]}",
                                 normalised[2:], f"{normalised[2:8]}-{normalised[8:]}"]))
    foreign = draw(st.one_of(
        st.sampled_from(list("/._:,;–—‐−xX\u200b")),
        st.characters(categories=["Lu", "Ll", "Lo", "P", "S", "Nd", "Cc"]).filter(_foreign),
    ))
    position = draw(st.integers(min_value=0, max_value=len(text)))
    if position < len(text) and draw(st.booleans()):
        return text[:position] + foreign + text[position + 1:]
    return text[:position] + foreign + text[position:]


@fast
@given(mangled_numbers())
@example("19121212/1212")
@example("19121212.1212")
@example("121212_1212")
@example("19121212\u20131212")  # en dash
@example("１91212121212")
@example("19121212-1212x")
def test_letters_and_other_separators(text):
    assert assert_only_invalid_without_digits(text) is Problem.FORMAT


@pytest.mark.parametrize("text", ["19121212\t1212", "1912\n12121212", "121212\u00a0-1212"])
def test_whitespace_other_than_spaces_inside(text):
    assert assert_only_invalid_without_digits(text) is Problem.FORMAT


def test_full_width_digits_are_not_a_personal_number():
    # int() reads them, but they must not reach the normalised form (the blind index).
    assert problem_of("１９１２１２１２-１２１２") is Problem.FORMAT
    assert problem_of("19121212-121２") is Problem.FORMAT


def test_separators_only_where_allowed():
    assert problem_of("19121212+1212") is Problem.FORMAT  # '+' only in the 10-digit form
    assert problem_of("1912121-21212") is Problem.FORMAT
    assert problem_of("19121212--1212") is Problem.FORMAT
    assert problem_of("121212-+1212") is Problem.FORMAT
    assert problem_of(" 1912 1212 - 1212 ") is None  # spaces are dropped anywhere
    assert problem_of(None) is Problem.EMPTY  # type: ignore[arg-type]


# --- known examples ----------------------------------------------------------------------------

def test_known_examples():
    assert parse("19121212-1212", today=TODAY) == PersonalNumber(
        "191212121212", dt.date(1912, 12, 12), False)
    assert parse("191212121212", today=TODAY).birth_date == dt.date(1912, 12, 12)
    assert parse("121212+1212", today=TODAY).birth_date == dt.date(1912, 12, 12)
    assert parse("121212+1212", today=TODAY).normalised == "191212121212"
    assert parse("121212-1212", today=TODAY).birth_date == dt.date(2012, 12, 12)
    assert parse("1212121212", today=TODAY).normalised == "201212121212"
    assert parse("19121212-1212", today=TODAY).display == "19121212-1212"
    # Skatteverket's example of a coordination number (born 3 October 1970).
    coordination = parse("701063-2391", today=TODAY)
    assert coordination == PersonalNumber("197010632391", dt.date(1970, 10, 3), True)
    assert parse("19701063-2391", today=TODAY) == coordination
    # One constructed here: born 29 February 2008, serial 123.
    nine = "080289123"
    built = f"{nine[:6]}-{nine[6:]}{reference_check_digit(nine)}"
    assert parse(built, today=TODAY) == PersonalNumber(
        f"20{nine}{reference_check_digit(nine)}", dt.date(2008, 2, 29), True)
    assert problem_of("19121212-1213") is Problem.CHECK_DIGIT
    assert problem_of("") is Problem.EMPTY
    assert problem_of("hello") is Problem.FORMAT


def test_default_today_comes_from_the_clock(fake_clock):
    text = f"261122-000{reference_check_digit('261122000')}"
    fake_clock.current = dt.datetime(2026, 11, 21, 12, tzinfo=dt.UTC)
    assert parse(text).birth_date == dt.date(1926, 11, 22)
    fake_clock.current = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    assert parse(text).birth_date == dt.date(2026, 11, 22)
