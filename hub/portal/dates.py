"""Weeks and months as the portal shows them: Monday to Sunday, Europe/Paris."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from hub.portal.i18n import PARIS


@dataclass(frozen=True)
class Week:
    monday: date

    @classmethod
    def of(cls, day: date) -> Week:
        return cls(day - timedelta(days=day.weekday()))

    @classmethod
    def parse(cls, value: str | None, today: date) -> Week:
        """``2026-W03`` (an <input type=week> value), or the current week."""
        if value:
            try:
                return cls(date.fromisoformat(f"{value}-1") if "W" in value else today)
            except ValueError:
                pass
        return cls.of(today)

    @property
    def key(self) -> str:
        year, number, _ = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=n) for n in range(7)]

    @property
    def start(self) -> datetime:
        return datetime.combine(self.monday, time(), PARIS)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.monday + timedelta(days=7), time(), PARIS)

    def shifted(self, weeks: int) -> Week:
        return Week(self.monday + timedelta(weeks=weeks))


@dataclass(frozen=True)
class MonthGrid:
    """A month as a calendar shows it: whole weeks, Monday to Sunday, around its days."""

    first: date

    @classmethod
    def of(cls, day: date) -> MonthGrid:
        return cls(day.replace(day=1))

    @classmethod
    def parse(cls, value: str | None, today: date) -> MonthGrid:
        """``2026-12`` (an <input type=month> value), or the current month."""
        try:
            return cls(datetime.strptime(value or "", "%Y-%m").date())
        except ValueError:
            return cls.of(today)

    @property
    def key(self) -> str:
        return self.first.strftime("%Y-%m")

    @property
    def last(self) -> date:
        return first_of(shift_month(self.key, 1)) - timedelta(days=1)

    @property
    def days(self) -> list[date]:
        begin = self.first - timedelta(days=self.first.weekday())
        end = self.last + timedelta(days=6 - self.last.weekday())
        return [begin + timedelta(days=n) for n in range((end - begin).days + 1)]

    @property
    def weeks(self) -> list[list[date]]:
        days = self.days
        return [days[index : index + 7] for index in range(0, len(days), 7)]

    @property
    def start(self) -> datetime:
        return datetime.combine(self.days[0], time(), PARIS)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.days[-1] + timedelta(days=1), time(), PARIS)

    def shifted(self, months: int) -> MonthGrid:
        return MonthGrid(first_of(shift_month(self.key, months)))


def today() -> date:
    return datetime.now(PARIS).date()


def parse_month(value: str | None) -> str:
    """``YYYY-MM`` as the API wants it; the current month when absent or malformed."""
    if value:
        try:
            datetime.strptime(value, "%Y-%m")
            return value
        except ValueError:
            pass
    return today().strftime("%Y-%m")


def first_of(month: str) -> date:
    return datetime.strptime(month, "%Y-%m").date()


def shift_month(month: str, months: int) -> str:
    day = first_of(month)
    index = day.year * 12 + day.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def local(day: str, clock: str) -> datetime:
    """A date and a time typed in a form, in Paris; ValueError when malformed."""
    return datetime.combine(date.fromisoformat(day), time.fromisoformat(clock), PARIS)


def parse_instant(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
