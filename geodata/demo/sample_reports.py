"""A history of citizens' reports for the demo city: every category, every ward, handled the way a
ward's staff handle them, so every figure of the dashboard, the statistics page and the kiosk
shows something.

Plausible and deterministic for a given seed and end time:

- **arrival**: waste, street lights and the rest come all year, more on weekdays and in the day,
  in proportion to a ward's people (street lights, encroachment and pollution more in the urban
  districts); flooding follows the water: rare in the dry season, more in the rainy months and
  most in September–November when a spring tide (the monitoring sample's own tide model) tops
  the Mekong's flood-season swell, in the low riverside wards;
- **handling**: staff act on working days in office hours (``domain.workdays``): most reports are
  acknowledged within 3 working days and resolved within 5, a tail late, and a few older ones are
  still open and overdue now; each ward has its own pace. Outcomes are mostly fixed, some not the
  city's to handle or impossible, a little spam (often hidden); duplicates are marked within a
  day; citizens add themselves to open reports, rate closed ones (mostly 4–5, some low, many
  not at all) and now and then reopen one that was not fixed;
- **history**: every step is a ``report_event`` written as ``geodata.reports.service`` writes it
  (kind, actor, public or internal, reply texts, details), and the report's row is the result of
  replaying them up to now. Staff publish most descriptions; some citizens leave a contact.

A year is a few thousand reports, written in a handful of bulk statements (the service writes
one report at a time). The audit log is not written: it records what people did on this server,
and nobody did this. The flood reports of the monitoring sample (its last ``days``) are taken
into the same history rather than drawn twice. Everything carries ``source = 'demo'``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Connection, text

from domain import reports as rules
from domain.clock import CITY_TZ
from domain.workdays import WorkCalendar
from geodata.demo.common import DEMO_SOURCE
from geodata.demo.sample_monitoring import tide_level
from geodata.settings import get_settings, work_calendar

# Reports a day in the whole city (1.25 million people) by category, before season and weekday.
DAILY_RATE = {
    "flooding": 0.6, "waste": 4.5, "streetlight": 2.8, "road_damage": 2.6, "pollution": 1.2,
    "encroachment": 1.8, "water_supply": 1.0, "other": 1.1,
}  # fmt: skip
URBAN_DISTRICTS = ("916", "917", "918", "919", "923")
# Where the water comes into the streets: the low riverside wards (the monitoring sample's own).
LOW_DISTRICTS = ("916", "918", "919")
# Working days from acknowledgement to a fix, on average, by category (a ward's pace scales it).
RESOLVE_DAYS = {
    "flooding": 0.6, "waste": 0.8, "streetlight": 1.6, "road_damage": 2.6, "pollution": 2.2,
    "encroachment": 1.8, "water_supply": 0.7, "other": 1.8,
}  # fmt: skip
STREETS = (
    "30 Tháng 4", "Nguyễn Văn Cừ", "Trần Hưng Đạo", "Mậu Thân", "3 Tháng 2", "Nguyễn Trãi",
    "Hòa Bình", "Cách Mạng Tháng 8", "Võ Văn Kiệt", "Trần Văn Khéo", "Lý Tự Trọng",
    "Nguyễn Văn Linh", "Trần Phú", "Đinh Tiên Hoàng", "Lê Hồng Phong", "Quang Trung",
    "Phạm Ngũ Lão", "Huỳnh Cương", "Lê Lợi", "Tầm Vu",
)  # fmt: skip
DESCRIPTIONS = {
    "flooding": (
        "Nước ngập ngang bánh xe trên đường {street}, nhiều xe máy chết máy.",
        "Triều cường tràn vào hẻm {n} đường {street}, nước vào nhà dân.",
        "Cống thoát nước trên đường {street} bị nghẹt, mưa xong vẫn ngập.",
    ),
    "waste": (
        "Rác thải tập kết bừa bãi ở đầu hẻm {n} đường {street}, bốc mùi hôi.",
        "Xe thu gom rác không đến hẻm {n} đường {street} đã ba ngày.",
        "Có người đổ xà bần xuống kênh gần đường {street}.",
    ),
    "streetlight": (
        "Đèn đường trên đường {street} tắt cả đoạn, buổi tối rất tối và nguy hiểm.",
        "Trụ đèn số {n} đường {street} chập chờn suốt đêm.",
        "Đèn đường đoạn gần cầu trên đường {street} bị hỏng.",
    ),
    "road_damage": (
        "Ổ gà lớn giữa đường {street}, đã có người té xe.",
        "Mặt đường {street} bị lún, đọng nước sau mưa.",
        "Nắp hố ga trên đường {street} bị bể, rất nguy hiểm.",
    ),
    "pollution": (
        "Khói đốt rác gần hẻm {n} đường {street} vào buổi tối, mùi rất khó chịu.",
        "Cơ sở sản xuất trên đường {street} xả nước thải có mùi ra kênh.",
        "Tiếng ồn từ công trình trên đường {street} kéo dài sau 22 giờ.",
    ),
    "encroachment": (
        "Quán xá lấn chiếm vỉa hè đường {street}, người đi bộ phải xuống lòng đường.",
        "Xe đậu hai bên đường {street} gây ùn tắc giờ tan học.",
        "Dựng lều bạt chiếm lòng đường hẻm {n} đường {street}.",
    ),
    "water_supply": (
        "Mất nước từ sáng tại hẻm {n} đường {street}.",
        "Ống nước bị vỡ trên đường {street}, nước chảy tràn ra đường.",
        "Nước máy có màu đục ở khu vực đường {street}.",
    ),
    "other": (
        "Cây xanh trên đường {street} gãy nhánh, có nguy cơ đổ.",
        "Biển báo giao thông trên đường {street} bị che khuất.",
        "Chó thả rông ở hẻm {n} đường {street}.",
    ),
}
ACK_REPLY = "Đã tiếp nhận phản ánh và chuyển {agency} kiểm tra hiện trường."
PROGRESS_REPLY = "Đơn vị đang xử lý, dự kiến hoàn thành trong tuần."
FIXED_REPLIES = (
    "Đơn vị đã xử lý xong. Cảm ơn bạn đã phản ánh.",
    "Đã khắc phục tại hiện trường, mời bạn kiểm tra lại.",
    "Đội công tác đã xử lý dứt điểm.",
)
CLOSING_REPLIES = {
    "not_competent": "Nội dung không thuộc thẩm quyền của phường; đã hướng dẫn liên hệ {agency}.",
    "cannot_fix": "Chưa thể xử lý do cần kinh phí sửa chữa lớn; đã đưa vào kế hoạch năm sau.",
    "spam": "Phản ánh không có nội dung cụ thể.",
}
NOTES = (
    "Đã liên hệ tổ trưởng khu vực để xác minh.",
    "Chuyển đội thi công kiểm tra, chờ vật tư.",
    "Người dân đã gọi đường dây nóng, cùng một vụ việc.",
    "Cần phối hợp với phường bên cạnh.",
)
REOPEN_REASONS = ("Vẫn chưa được khắc phục.", "Sau hai ngày lại như cũ.")
RATING_COMMENTS = {
    5: ("Xử lý rất nhanh, cảm ơn phường.", "Rất hài lòng."),
    4: ("Đã xử lý, hơi chậm một chút.",),
    3: ("Tạm được.",),
    2: ("Xử lý chưa triệt để.",),
    1: ("Không hài lòng, vẫn như cũ.",),
}
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi")
GIVEN = ("An", "Bình", "Chi", "Dũng", "Hạnh", "Khoa", "Lan", "Minh", "Ngọc", "Phúc", "Tâm", "Vy")
ASCII_GIVEN = {"An": "an", "Bình": "binh", "Chi": "chi", "Dũng": "dung", "Hạnh": "hanh",
               "Khoa": "khoa", "Lan": "lan", "Minh": "minh", "Ngọc": "ngoc", "Phúc": "phuc",
               "Tâm": "tam", "Vy": "vy"}  # fmt: skip


@dataclass(frozen=True)
class ReportCounts:
    """What was written, for the command's summary."""

    reports: int
    events: int
    open: int
    overdue: int
    rated: int
    duplicates: int

    def describe(self) -> str:
        return (
            f"{self.reports:,} citizens' reports ({self.open:,} open, {self.overdue:,} overdue, "
            f"{self.rated:,} rated, {self.duplicates:,} duplicates), {self.events:,} events"
        )


@dataclass(frozen=True)
class _Ward:
    id: int
    code: str
    district: str
    population: float
    shape: BaseGeometry
    pace: float  # how slowly its staff work: 1 typical, 2 twice as slow


@dataclass
class _Event:
    at: dt.datetime
    kind: str
    actor: str | None
    public: bool
    body: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Report:
    code: str
    category: str
    ward: _Ward
    lon: float
    lat: float
    reported_at: dt.datetime
    description: str
    agency: str | None
    ack_due: dt.datetime
    resolve_due: dt.datetime
    events: list[_Event] = field(default_factory=list)
    duplicate_of: str | None = None  # the other report's code
    contact: tuple[str | None, str | None, str | None, str] | None = None
    rating_comment: str | None = None
    existing_id: int | None = None  # a monitoring flood report taken into the history
    depth_cm: float | None = None


def delete_reports_demo(conn: Connection) -> None:
    """Remove the demo reports (their history, contacts and photos go with them)."""
    conn.execute(text("DELETE FROM citizen_report WHERE source = :s"), {"s": DEMO_SOURCE})


def _wards(conn: Connection, rng: np.random.Generator) -> list[_Ward]:
    rows = conn.execute(
        text(
            """
            SELECT w.id, w.code, d.code AS district, coalesce(w.population, 1000) AS population,
                   ST_AsBinary(w.geom) AS wkb
            FROM admin_unit w JOIN admin_unit d ON d.id = w.parent_id
            WHERE w.level = 'ward' AND w.source = :s AND w.valid_to IS NULL ORDER BY w.code
            """
        ),
        {"s": DEMO_SOURCE},
    ).all()
    # A few wards are slow (short of staff), most keep pace.
    paces = np.clip(rng.lognormal(0.0, 0.35, len(rows)), 0.5, 2.6)
    return [
        _Ward(r.id, r.code, r.district, float(r.population), shapely.from_wkb(r.wkb), float(p))
        for r, p in zip(rows, paces, strict=True)
    ]


def _point_in(shape: BaseGeometry, rng: np.random.Generator) -> tuple[float, float]:
    xmin, ymin, xmax, ymax = shape.bounds
    for _ in range(200):
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if shapely.contains_xy(shape, x, y):
            return float(x), float(y)
    point = shape.representative_point()
    return point.x, point.y


def _flood_factor(days: list[dt.date]) -> np.ndarray:
    """How much more flooding is reported each day than on a dry-season day: the day's highest
    water at Cần Thơ (tide on the flood-season swell), plus the rainy season's showers."""
    starts = np.array(
        [dt.datetime.combine(d, dt.time(0), tzinfo=CITY_TZ).timestamp() / 3600 for d in days]
    )
    hours = starts[:, None] + np.arange(24)[None, :]
    high = tide_level(hours).max(axis=1)
    months = np.array([d.month for d in days])
    rainy = np.isin(months, (5, 6, 7, 8, 9, 10, 11)).astype(float)
    peak = np.isin(months, (9, 10, 11)).astype(float)
    # Above about 1.7 m the low streets of Ninh Kiều and Cái Răng take water.
    over = np.clip((high - 1.55) / 0.25, 0, None)
    return 0.3 + 0.8 * rainy + 1.2 * peak + 6.0 * over**2


class _Clock:
    """Office time on working days: when staff act."""

    def __init__(self, calendar: WorkCalendar, rng: np.random.Generator) -> None:
        self.calendar, self.rng = calendar, rng

    def office(self, after: dt.datetime, working_days: int) -> dt.datetime:
        """A moment in office hours on the ``working_days``-th working day from ``after``'s
        day (0: that day, if worked), never before ``after``."""
        local = after.astimezone(CITY_TZ)
        day = local.date()
        if not self.calendar.is_working_day(day):
            day = self.calendar.next_working_day(day)
        for _ in range(working_days):
            day = self.calendar.next_working_day(day)
        minutes = float(self.rng.uniform(7.5 * 60, 17 * 60))
        moment = dt.datetime.combine(day, dt.time(0), tzinfo=CITY_TZ) + dt.timedelta(
            minutes=minutes
        )
        if moment <= local:
            moment = local + dt.timedelta(minutes=float(self.rng.uniform(15, 120)))
        return moment


def _arrivals(
    rng: np.random.Generator, start: dt.date, end: dt.date, skip_flooding_from: dt.date | None
) -> Iterator[tuple[dt.date, str, int]]:
    """(day, category, how many) for every day in [start, end)."""
    days = [start + dt.timedelta(days=k) for k in range((end - start).days)]
    if not days:
        return
    flood = _flood_factor(days)
    for k, day in enumerate(days):
        weekday = 1.1 if day.weekday() < 5 else 0.75
        for category, rate in DAILY_RATE.items():
            mean = rate * weekday
            if category == "flooding":
                if skip_flooding_from is not None and day >= skip_flooding_from:
                    continue  # the monitoring sample's own flood reports cover these days
                mean = rate * flood[k]
            elif category == "waste" and day.month in (1, 2):
                mean *= 1.3  # around Tết
            count = int(rng.poisson(mean))
            if count:
                yield day, category, count


def _arrival_time(day: dt.date, rng: np.random.Generator) -> dt.datetime:
    # Reports come in the day and evening, few at night.
    hour = float(np.clip(rng.normal(13.5, 4.0), 0, 23.99))
    return dt.datetime.combine(day, dt.time(0), tzinfo=CITY_TZ) + dt.timedelta(hours=hour)


class _History:
    """Draws each report's handling, step by step, as staff and citizens would take it."""

    def __init__(
        self,
        conn: Connection,
        rng: np.random.Generator,
        now: dt.datetime,
        calendar: WorkCalendar,
    ) -> None:
        self.rng, self.now, self.calendar = rng, now, calendar
        self.clock = _Clock(calendar, rng)
        self.categories = {
            r.code: r
            for r in conn.execute(
                text("SELECT code, agency_code, ack_days, resolve_days FROM report_category")
            ).all()
        }
        self.agencies: dict[str, str] = {
            str(r.code): str(r.name_vi)
            for r in conn.execute(text("SELECT code, name_vi FROM agency")).all()
        }
        self.overrides = {
            (r.category_code, r.admin_unit_code): r.agency_code
            for r in conn.execute(text("SELECT * FROM category_agency")).all()
        }
        self.codes: set[str] = set(
            conn.scalars(
                text("SELECT code FROM citizen_report WHERE source <> :s"), {"s": DEMO_SOURCE}
            )
        )

    def code(self) -> str:
        while True:
            code = rules.new_tracking_code(choice=lambda letters: letters[self.pick(len(letters))])
            if code not in self.codes:
                self.codes.add(code)
                return code

    def pick(self, n: int) -> int:
        return int(self.rng.integers(n))

    def choose(self, options: tuple[str, ...]) -> str:
        return options[self.pick(len(options))]

    def text_for(self, category: str) -> str:
        return self.choose(DESCRIPTIONS[category]).format(
            street=self.choose(STREETS), n=int(self.rng.integers(1, 120))
        )

    def new(self, category: str, ward: _Ward, at: dt.datetime, lon: float, lat: float) -> _Report:
        spec = self.categories[category]
        agency = self.overrides.get((category, ward.code)) or self.overrides.get(
            (category, ward.district), spec.agency_code
        )
        return _Report(
            code=self.code(), category=category, ward=ward, lon=lon, lat=lat, reported_at=at,
            description=self.text_for(category), agency=agency,
            ack_due=self.calendar.add_working_days(at, spec.ack_days),
            resolve_due=self.calendar.add_working_days(at, spec.resolve_days),
            events=[_Event(at, "received", None, True)],
        )  # fmt: skip

    def contact(self, report: _Report) -> None:
        if self.rng.random() >= 0.35:
            return  # "ẩn danh": most leave nothing
        given = self.choose(GIVEN)
        name = f"{self.choose(FAMILY)} {given}" if self.rng.random() < 0.8 else None
        phone = f"09{int(self.rng.integers(10_000_000, 99_999_999))}"
        email = (
            f"{ASCII_GIVEN[given]}{int(self.rng.integers(10, 99))}@example.vn"
            if self.rng.random() < 0.6
            else None
        )
        language = "en" if self.rng.random() < 0.05 else "vi"
        report.contact = (name, phone if self.rng.random() < 0.7 or not email else None, email,
                          language)  # fmt: skip

    def staff(self, report: _Report) -> str:
        return f"canbo.{report.ward.code}"

    def handle(self, report: _Report, open_reports: list[_Report]) -> None:
        """The report's life after it was received: duplicate, spam, or handled and closed."""
        rng, ward = self.rng, report.ward
        staff = self.staff(report)
        events = report.events
        # Citizens who find it on the map and add themselves instead of sending another.
        if rng.random() < 0.18:
            for _ in range(int(rng.geometric(0.5))):
                at = report.reported_at + dt.timedelta(hours=float(rng.exponential(20)))
                events.append(_Event(at, "supported", None, True))
        # A second report of the same problem nearby: marked as a duplicate within a day.
        same = [
            o
            for o in open_reports
            if o.category == report.category and o.ward is ward
            and dt.timedelta(0) < report.reported_at - o.reported_at < dt.timedelta(days=3)
        ]  # fmt: skip
        if same and rng.random() < (0.35 if report.category == "flooding" else 0.12):
            other = same[self.pick(len(same))]
            report.lon = other.lon + float(rng.normal(0, 0.0004))
            report.lat = other.lat + float(rng.normal(0, 0.0004))
            if not shapely.contains_xy(ward.shape, report.lon, report.lat):
                report.lon, report.lat = other.lon, other.lat
            report.duplicate_of = other.code
            at = self.clock.office(report.reported_at, int(rng.random() < 0.4))
            events.append(_Event(at, "duplicate", staff, True, detail={"of": other.code}))
            return
        if rng.random() < 0.025:  # spam: closed at once, often hidden
            at = self.clock.office(report.reported_at, int(rng.integers(0, 2)))
            if rng.random() < 0.5:
                events.append(_Event(at, "hidden", staff, False, detail={"hidden": True}))
            events.append(
                _Event(at, "resolved", staff, True, CLOSING_REPLIES["spam"], {"resolution": "spam"})
            )
            return
        # Acknowledged: most the same or next working day, some late, a few very late.
        days = int(rng.exponential(0.85 * ward.pace))
        if rng.random() < 0.04:
            days += int(rng.integers(3, 9))
        acknowledged = self.clock.office(report.reported_at, days)
        agency = self.agencies.get(report.agency or "", "đơn vị chuyên môn")
        if rng.random() < 0.03:  # sent as "other", put right
            wrong = "other" if report.category != "other" else "waste"
            events.append(
                _Event(acknowledged, "recategorised", staff, True,
                       detail={"from": wrong, "to": report.category})
            )  # fmt: skip
        events.append(
            _Event(acknowledged, "acknowledged", staff, True,
                   ACK_REPLY.format(agency=agency) if rng.random() < 0.5 else None)
        )  # fmt: skip
        # Most descriptions are fit to publish (no names, no addresses). The monitoring sample's
        # flood reports keep theirs unpublished: the flood layer has always held them personal,
        # and its tests check that no public collection carries them.
        if rng.random() < 0.72 and report.existing_id is None:
            at = acknowledged + dt.timedelta(minutes=2)
            events.append(
                _Event(at, "published", staff, False, detail={"description_public": True})
            )
        elif rng.random() < 0.04:
            at = acknowledged + dt.timedelta(minutes=2)
            events.append(_Event(at, "hidden", staff, False, detail={"hidden": True}))
        outcome = rng.choice(["fixed", "not_competent", "cannot_fix"], p=[0.9, 0.06, 0.04]).item()
        if outcome == "not_competent":
            work = int(rng.integers(0, 2))
        else:
            work = int(rng.gamma(2.0, RESOLVE_DAYS[report.category] / 2.0) * ward.pace)
            if rng.random() < 0.06:  # waiting for parts, money or another agency
                work += int(rng.integers(4, 30))
        busy_until = acknowledged
        if outcome == "fixed" and rng.random() < 0.45:
            busy_until = acknowledged + dt.timedelta(minutes=float(rng.uniform(5, 90)))
            events.append(
                _Event(busy_until, "assigned", staff, True,
                       detail={"agency": report.agency, "assignee": None})
            )  # fmt: skip
        if rng.random() < 0.3:
            at = acknowledged + dt.timedelta(hours=float(rng.uniform(0.2, 30)))
            events.append(_Event(at, "note", staff, False, self.choose(NOTES)))
        resolved = max(
            self.clock.office(acknowledged, work),
            busy_until + dt.timedelta(minutes=float(rng.uniform(20, 180))),
        )
        if work >= 3 and rng.random() < 0.5:
            at = self.clock.office(acknowledged, max(1, work // 2))
            if at < resolved:
                events.append(_Event(at, "reply", staff, True, PROGRESS_REPLY))
        body = (
            self.choose(FIXED_REPLIES)
            if outcome == "fixed"
            else CLOSING_REPLIES[outcome].format(agency=agency)
        )
        events.append(_Event(resolved, "resolved", staff, True, body, {"resolution": outcome}))
        late = resolved > report.resolve_due
        if outcome == "fixed" and rng.random() < 0.025:  # not fixed after all
            at = resolved + dt.timedelta(days=float(rng.uniform(0.5, 10)))
            events.append(_Event(at, "reopened", None, True, self.choose(REOPEN_REASONS)))
            again = self.clock.office(at, int(rng.integers(1, 6)))
            events.append(
                _Event(again, "resolved", staff, True, self.choose(FIXED_REPLIES),
                       {"resolution": "fixed"})
            )  # fmt: skip
            resolved, late = again, True
        # Rated by about half of those whose report was closed, mostly well.
        if rng.random() < (0.55 if outcome == "fixed" else 0.35):
            if outcome == "fixed":
                weights = (
                    [0.03, 0.04, 0.08, 0.33, 0.52] if not late else [0.1, 0.15, 0.25, 0.3, 0.2]
                )
            else:
                weights = [0.3, 0.3, 0.25, 0.1, 0.05]
            rating = int(rng.choice([1, 2, 3, 4, 5], p=weights))
            at = resolved + dt.timedelta(hours=float(rng.exponential(30)) + 0.2)
            events.append(_Event(at, "rated", None, True, detail={"rating": rating}))
            if rng.random() < 0.4:
                report.rating_comment = self.choose(RATING_COMMENTS[rating])


def _replay(report: _Report, now: dt.datetime) -> dict[str, Any]:
    """The report's row as the service leaves it after its events up to ``now``; an event the
    service would refuse in the state reached (a supporter of a closed report, a second
    acknowledgement) is dropped, as the service would have dropped it."""
    row: dict[str, Any] = {
        "status": "received", "resolution": None, "acknowledged_at": None, "resolved_at": None,
        "description_public": False, "hidden": False, "supporters": 0, "rating": None,
        "rated_at": None, "reopened_at": None, "assignee": None,
        "agency_code": report.agency, "updated_at": report.reported_at, "duplicate": False,
    }  # fmt: skip
    kept: list[_Event] = []
    for event in sorted((e for e in report.events if e.at <= now), key=lambda e: e.at):
        kind, status, closed = event.kind, row["status"], row["status"] == "resolved"
        if kind == "supported":
            if closed or row["hidden"]:
                continue
            row["supporters"] += 1
        elif kind == "acknowledged":
            if status != "received":
                continue
            row |= {"status": "acknowledged", "acknowledged_at": event.at}
        elif kind == "assigned":
            if closed:
                continue
            if status == "received":
                row["acknowledged_at"] = event.at
            row |= {"status": "in_progress", "agency_code": event.detail["agency"]}
        elif kind == "duplicate":
            row |= {"status": "resolved", "resolution": rules.DUPLICATE, "resolved_at": event.at,
                    "duplicate": True}  # fmt: skip
        elif kind == "published":
            row["description_public"] = True
        elif kind == "hidden":
            row["hidden"] = True
        elif kind == "resolved":
            if closed:
                continue
            if status == "received":
                row["acknowledged_at"] = event.at
            row |= {"status": "resolved", "resolution": event.detail["resolution"],
                    "resolved_at": event.at}  # fmt: skip
        elif kind == "reopened":
            if row["resolution"] in ("spam", rules.DUPLICATE) or not rules.may_reopen(
                status, row["resolved_at"], event.at
            ):
                continue
            row |= {"status": "acknowledged", "resolution": None, "resolved_at": None,
                    "reopened_at": event.at, "rating": None, "rated_at": None}  # fmt: skip
        elif kind == "rated":
            if not closed or row["rating"] is not None or row["hidden"]:
                continue
            row |= {"rating": event.detail["rating"], "rated_at": event.at}
        row["updated_at"] = event.at
        kept.append(event)
    report.events = kept
    return row


def write_reports_sample(
    conn: Connection,
    seed: int = 2004,
    days: int = 365,
    end: dt.datetime | None = None,
    monitoring_days: int = 0,
) -> ReportCounts:
    """Write ``days`` of citizens' reports up to ``end`` (now) with their history, replacing the
    demo's earlier reports other than the monitoring sample's flood reports, which are taken into
    the history (``monitoring_days``: the days they cover, where no other flooding is drawn)."""
    rng = np.random.default_rng(seed + 12)
    now = end or dt.datetime.now(dt.UTC)
    calendar = work_calendar(get_settings())
    # Drawn here before: gone. The monitoring sample's flood reports (codes of their own) stay,
    # back to just received, and are taken in again.
    params = {"s": DEMO_SOURCE, "pa": rules.CODE_PREFIX + "%"}
    conn.execute(text("DELETE FROM citizen_report WHERE source = :s AND code LIKE :pa"), params)
    for table in ("report_event", "report_contact"):
        conn.execute(
            text(
                f"DELETE FROM {table} WHERE report_id IN (SELECT id FROM citizen_report "
                "WHERE source = :s AND code NOT LIKE :pa)"
            ),
            params,
        )
    wards = _wards(conn, rng)
    if not wards or days <= 0:
        return ReportCounts(0, 0, 0, 0, 0, 0)
    history = _History(conn, rng, now, calendar)
    population = np.array([w.population for w in wards])
    urban = np.array([1.8 if w.district in URBAN_DISTRICTS else 0.6 for w in wards])
    low = np.array([1.0 if w.district in LOW_DISTRICTS else 0.08 for w in wards])
    weights = {
        "flooding": population * low,
        "streetlight": population * urban,
        "encroachment": population * urban**1.5,
        "pollution": population * urban,
    }
    today = now.astimezone(CITY_TZ).date()
    start = today - dt.timedelta(days=days - 1)
    skip_from = today - dt.timedelta(days=monitoring_days) if monitoring_days else None
    drawn: list[_Report] = []
    for day, category, count in _arrivals(rng, start, today + dt.timedelta(days=1), skip_from):
        w = weights.get(category, population)
        picks = rng.choice(len(wards), size=count, p=w / w.sum())
        for k in picks:
            ward = wards[int(k)]
            at = _arrival_time(day, rng)
            if at > now:
                continue
            lon, lat = _point_in(ward.shape, rng)
            drawn.append(history.new(category, ward, at, lon, lat))
    drawn += _taken_in(conn, history, wards)
    drawn.sort(key=lambda r: r.reported_at)
    recent: list[_Report] = []
    for report in drawn:
        recent = [o for o in recent if report.reported_at - o.reported_at < dt.timedelta(days=3)]
        history.contact(report)
        history.handle(report, [o for o in recent if o.duplicate_of is None])
        recent.append(report)
    return _store(conn, drawn, now)


def _taken_in(conn: Connection, history: _History, wards: list[_Ward]) -> list[_Report]:
    """The monitoring sample's flood reports (written through the ``flood_report`` view, so only
    received), as reports of this history."""
    by_id = {w.id: w for w in wards}
    rows = conn.execute(
        text(
            """
            SELECT id, code, ST_X(geom) AS lon, ST_Y(geom) AS lat, admin_unit_id, reported_at,
                   description, depth_cm
            FROM citizen_report
            WHERE source = :s AND category = 'flooding' AND code NOT LIKE :pa
            ORDER BY reported_at, id
            """
        ),
        {"s": DEMO_SOURCE, "pa": rules.CODE_PREFIX + "%"},
    ).all()
    taken = []
    for row in rows:
        ward = by_id.get(row.admin_unit_id)
        if ward is None:
            continue
        report = history.new("flooding", ward, row.reported_at, row.lon, row.lat)
        report.code = row.code  # its own, as the monitoring sample wrote it
        report.description = row.description or report.description
        report.existing_id, report.depth_cm = int(row.id), row.depth_cm
        taken.append(report)
    return taken


def _store(conn: Connection, drawn: list[_Report], now: dt.datetime) -> ReportCounts:
    """Write the reports, their contacts and events in a few statements."""
    rows = [(report, _replay(report, now)) for report in drawn]
    new = [(r, row) for r, row in rows if r.existing_id is None]
    taken = [(r, row) for r, row in rows if r.existing_id is not None]
    columns = {
        "code": lambda r, row: r.code,
        "category": lambda r, row: r.category,
        "lon": lambda r, row: r.lon,
        "lat": lambda r, row: r.lat,
        "unit": lambda r, row: r.ward.id,
        "reported_at": lambda r, row: r.reported_at,
        "description": lambda r, row: r.description,
        "attributes": lambda r, row: json.dumps(
            {"depth_cm": r.depth_cm} if r.depth_cm is not None else {}
        ),
        "status": lambda r, row: row["status"],
        "resolution": lambda r, row: row["resolution"],
        "agency": lambda r, row: row["agency_code"],
        "acknowledged_at": lambda r, row: row["acknowledged_at"],
        "resolved_at": lambda r, row: row["resolved_at"],
        "ack_due": lambda r, row: r.ack_due,
        "resolve_due": lambda r, row: r.resolve_due,
        "description_public": lambda r, row: row["description_public"],
        "hidden": lambda r, row: row["hidden"],
        "supporters": lambda r, row: row["supporters"],
        "rating": lambda r, row: row["rating"],
        "rating_comment": lambda r, row: r.rating_comment if row["rating"] else None,
        "rated_at": lambda r, row: row["rated_at"],
        "reopened_at": lambda r, row: row["reopened_at"],
        "updated_at": lambda r, row: row["updated_at"],
        "existing": lambda r, row: r.existing_id or 0,
    }
    arrays = {name: [get(r, row) for r, row in new + taken] for name, get in columns.items()}
    # One statement for the new reports, one for the flood reports taken in; both from arrays.
    names = list(columns)
    source = (
        "FROM unnest("
        + ", ".join(f"CAST(:{n} AS {_TYPES[n]}[])" for n in names)
        + f") AS s({', '.join(names)})"
    )
    typed = arrays
    ids: dict[str, int] = dict(
        conn.execute(
            text(
                f"""
                INSERT INTO citizen_report (code, source, geom, admin_unit_id, reported_at,
                  description, category, attributes, status, resolution, agency_code,
                  acknowledged_at, resolved_at, ack_due, resolve_due, description_public,
                  hidden, supporters, rating, rating_comment, rated_at, reopened_at, updated_at)
                SELECT s.code, :source, ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326), s.unit,
                  s.reported_at, s.description, s.category, s.attributes::jsonb, s.status,
                  s.resolution, s.agency, s.acknowledged_at, s.resolved_at, s.ack_due,
                  s.resolve_due, s.description_public, s.hidden, s.supporters, s.rating,
                  s.rating_comment, s.rated_at, s.reopened_at, s.updated_at
                {source} WHERE s.existing = 0
                RETURNING code, id
                """
            ),
            {**typed, "source": DEMO_SOURCE},
        ).all()
    )
    conn.execute(
        text(
            f"""
            UPDATE citizen_report r SET status = s.status, duplicate_of = NULL,
              resolution = s.resolution, agency_code = s.agency,
              acknowledged_at = s.acknowledged_at, resolved_at = s.resolved_at,
              ack_due = s.ack_due, resolve_due = s.resolve_due,
              description_public = s.description_public, hidden = s.hidden,
              supporters = s.supporters, rating = s.rating, rating_comment = s.rating_comment,
              rated_at = s.rated_at, reopened_at = s.reopened_at, updated_at = s.updated_at,
              attributes = s.attributes::jsonb
            {source} WHERE s.existing <> 0 AND r.id = s.existing
            """
        ),
        typed,
    )
    ids |= {r.code: int(r.existing_id) for r, _ in taken if r.existing_id is not None}
    # Events and contacts go by id; a taken-in report keeps its own code.
    duplicates = [(ids[r.code], ids[r.duplicate_of]) for r, row in rows
                  if r.duplicate_of and row["duplicate"]]  # fmt: skip
    if duplicates:
        conn.execute(
            text(
                "UPDATE citizen_report r SET duplicate_of = d.other "
                "FROM unnest(CAST(:ids AS bigint[]), CAST(:others AS bigint[])) AS d(id, other) "
                "WHERE r.id = d.id"
            ),
            {"ids": [d[0] for d in duplicates], "others": [d[1] for d in duplicates]},
        )
    contacts = [(ids[r.code], *r.contact) for r, _ in rows if r.contact]
    if contacts:
        conn.execute(
            text(
                "INSERT INTO report_contact (report_id, name, phone, email, language) "
                "SELECT * FROM unnest(CAST(:r AS bigint[]), CAST(:n AS text[]), "
                "CAST(:p AS text[]), CAST(:e AS text[]), CAST(:l AS text[]))"
            ),
            {key: [c[k] for c in contacts] for k, key in enumerate("rnpel")},
        )
    events = [(ids[r.code], e) for r, _ in rows for e in r.events]
    conn.execute(
        text(
            "INSERT INTO report_event (report_id, at, kind, actor, public, body, detail) "
            "SELECT r, at, kind, actor, public, body, detail::jsonb FROM unnest("
            "CAST(:r AS bigint[]), CAST(:at AS timestamptz[]), CAST(:kind AS text[]), "
            "CAST(:actor AS text[]), CAST(:public AS boolean[]), CAST(:body AS text[]), "
            "CAST(:detail AS text[])) AS s(r, at, kind, actor, public, body, detail) "
            "ORDER BY at"
        ),
        {
            "r": [i for i, _ in events],
            "at": [e.at for _, e in events],
            "kind": [e.kind for _, e in events],
            "actor": [e.actor for _, e in events],
            "public": [e.public for _, e in events],
            "body": [e.body for _, e in events],
            "detail": [json.dumps(e.detail, ensure_ascii=False) for _, e in events],
        },
    )
    open_rows = [(r, row) for r, row in rows if row["status"] != "resolved"]
    overdue = sum(
        rules.is_overdue(row["status"], r.ack_due, r.resolve_due, now) for r, row in open_rows
    )
    return ReportCounts(
        reports=len(rows), events=len(events), open=len(open_rows), overdue=overdue,
        rated=sum(row["rating"] is not None for _, row in rows),
        duplicates=sum(bool(row["duplicate"]) for _, row in rows),
    )  # fmt: skip


_TYPES = {
    "code": "text", "category": "text", "lon": "float8", "lat": "float8", "unit": "bigint",
    "reported_at": "timestamptz", "description": "text", "attributes": "text", "status": "text",
    "resolution": "text", "agency": "text", "acknowledged_at": "timestamptz",
    "resolved_at": "timestamptz", "ack_due": "timestamptz", "resolve_due": "timestamptz",
    "description_public": "boolean", "hidden": "boolean", "supporters": "integer",
    "rating": "smallint", "rating_comment": "text", "rated_at": "timestamptz",
    "reopened_at": "timestamptz", "updated_at": "timestamptz", "existing": "bigint",
}  # fmt: skip
