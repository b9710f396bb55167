"""Importing producers, batches and training attendance from a spreadsheet (trace.spreadsheets).

One column definition per kind (COLUMNS) makes both the template and the reader. Each row goes
through the same services as the staff forms (create_producer, create_batch, create_trainee and
record_attendance: the same rules, audit entries and hash chains), each in a savepoint so that
one bad row does not hide the next: the report lists every row's problems by column. Nothing is
kept unless every row is valid and every duplicate warning is confirmed: the caller commits only
a report whose `imported` is true (one transaction), and rolls back otherwise (a dry run too).

A file whose rows were written is recorded by the SHA-256 of its bytes (SpreadsheetImport,
unique per kind): the same file sent again, even at the same moment from two clients, is
answered "already imported" instead of importing twice.

Enum columns accept the values' display names: the caller (the web layer, which owns them)
passes them as `vocabulary`, a plain mapping that a background job can carry as JSON.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trace.clock import local_today
from trace.errors import Message, Problem, TraceError, problem
from trace.messages import N_
from trace.models.batches import Batch, Unit
from trace.models.imports import SpreadsheetImport
from trace.models.producers import Producer, ProducerKind
from trace.models.products import Product
from trace.models.regions import Township
from trace.models.training import Attendance, Course, Trainee, TrainingSession
from trace.policy import Actor, authorize
from trace.quantities import parse_quantity
from trace.services import batches as batch_service
from trace.services import producers as producer_service
from trace.services import training as training_service
from trace.spreadsheets import Sheet, TemplateColumn

TEXT, CHOICE, DATE, DECIMAL, YES_NO, TOWNSHIP = (
    "text",
    "choice",
    "date",
    "decimal",
    "yes_no",
    "town",
)
# A quantity as farmers write it ("320斤", "1.5公斤", "320"): trace.quantities.parse_quantity,
# the forms' own reading; a unit typed with the number fills an empty 单位 cell.
QUANTITY = "quantity"


class ImportKind(enum.StrEnum):
    PRODUCERS = "producers"
    BATCHES = "batches"
    ATTENDANCE = "attendance"


PERMISSIONS = {
    ImportKind.PRODUCERS: "producer.write",
    ImportKind.BATCHES: "batch.write",
    ImportKind.ATTENDANCE: "training.write",
}


@dataclass(frozen=True)
class Column:
    """One column of a kind's sheet: its Chinese header (the file's contract: never translated),
    what it takes (the template's notes row), and how a cell becomes a value."""

    key: str
    header: str
    note: str
    type: str = TEXT
    required: bool = False
    max_length: int | None = None
    vocabulary: str | None = None  # for CHOICE: a table of `vocabulary` ("producer_kinds")
    example: str = ""
    width: int = 14

    @property
    def shown_header(self) -> str:
        return f"{self.header}*" if self.required else self.header


TOWNSHIP_NOTE = "乡镇名称，如 三台乡、金碧镇（服务站可不填，默认本乡镇）"
YES_NO_NOTE = "是 或 否；不填为否"

COLUMNS: dict[ImportKind, tuple[Column, ...]] = {
    ImportKind.PRODUCERS: (
        Column(
            "name",
            N_("名称"),
            "农户姓名或单位全称，最多 100 字",
            required=True,
            max_length=100,
            example="张秀英（示例）",
            width=18,
        ),
        Column(
            "kind",
            N_("类型"),
            "农户、家庭农场、合作社 或 企业",
            CHOICE,
            required=True,
            vocabulary="producer_kinds",
            example="农户",
        ),
        Column(
            "township_code", N_("乡镇"), TOWNSHIP_NOTE, TOWNSHIP, required=True, example="三台乡"
        ),
        Column("village", N_("村"), "行政村名称，最多 50 字", max_length=50, example="多底河村"),
        Column(
            "credit_code",
            N_("统一社会信用代码"),
            "18 位；合作社和企业必填，农户不填",
            max_length=18,
            width=22,
        ),
        Column("phone", N_("联系电话"), "手机或座机号码", max_length=20, example="13800001111"),
        Column("is_poverty_registered", N_("建档立卡户"), YES_NO_NOTE, YES_NO, example="否"),
        Column(
            "is_gi_authorised",
            N_("地理标志授权"),
            "是否获准使用地理标志专用标志；" + YES_NO_NOTE,
            YES_NO,
            example="否",
        ),
    ),
    ImportKind.BATCHES: (
        Column(
            "product",
            N_("产品"),
            "已登记的产品名称或 GTIN（14 位）",
            required=True,
            max_length=100,
            example="大姚核桃（示例）",
            width=18,
        ),
        Column(
            "producer",
            N_("生产主体"),
            "已登记的生产主体名称（本乡镇）",
            required=True,
            max_length=100,
            example="张秀英（示例）",
            width=18,
        ),
        Column(
            "producer_phone",
            N_("生产主体电话"),
            "同名生产主体有多个时填写，用来区分",
            max_length=20,
        ),
        Column(
            "harvested_on",
            N_("采收日期"),
            "如 2026-09-15 或 2026年9月15日，不能晚于今天",
            DATE,
            required=True,
            example="2026-09-15",
        ),
        Column(
            "quantity",
            N_("数量"),
            "数字，可带单位，如 320 或 320斤（带了单位，单位列可不填）",
            QUANTITY,
            required=True,
            example="320",
        ),
        Column(
            "unit",
            N_("单位"),
            "千克（公斤）、斤、克、吨、件、箱 或 瓶",
            CHOICE,
            required=True,
            vocabulary="units",
            example="千克",
        ),
        Column(
            "township_code", N_("乡镇"), TOWNSHIP_NOTE, TOWNSHIP, required=True, example="三台乡"
        ),
        Column("village", N_("村"), "不填则用生产主体所在村", max_length=50),
        Column("plot", N_("地块"), "地块名称或编号，最多 100 字", max_length=100),
    ),
    ImportKind.ATTENDANCE: (
        Column(
            "held_on",
            N_("培训日期"),
            "如 2026-11-20；从场次的到课登记页导入时可不填",
            DATE,
            required=True,
            example="2026-11-20",
        ),
        Column(
            "course",
            N_("课程"),
            "已有课程的名称；从场次的到课登记页导入时可不填",
            required=True,
            max_length=100,
            example="电商基础（示例）",
            width=18,
        ),
        Column(
            "township_code", N_("乡镇"), TOWNSHIP_NOTE, TOWNSHIP, required=True, example="三台乡"
        ),
        Column(
            "name",
            N_("姓名"),
            "学员姓名，最多 50 字；不登记身份证号",
            required=True,
            max_length=50,
            example="李桂芬（示例）",
        ),
        Column("village", N_("村"), "学员所在村，最多 50 字", max_length=50, example="多底河村"),
        Column("is_poverty_registered", N_("建档立卡户"), YES_NO_NOTE, YES_NO, example="否"),
        Column("is_disabled", N_("残疾人"), YES_NO_NOTE, YES_NO, example="否"),
    ),
}
SHEET_NAMES = {
    ImportKind.PRODUCERS: "生产主体",
    ImportKind.BATCHES: "采收批次",
    ImportKind.ATTENDANCE: "培训到课",
}
# Another service's field named in its refusal -> the column that holds it.
FIELD_COLUMNS = {
    "producer_id": "producer",
    "product_id": "product",
    "session_id": "course",
    "trainee_ids": "name",
    "course_id": "course",
}
# Names people write besides the display names (which the caller passes as vocabulary).
ALIASES: dict[str, dict[str, str]] = {
    "producer_kinds": {
        "合作社": ProducerKind.COOPERATIVE.value,
        "农民专业合作社": ProducerKind.COOPERATIVE.value,
        "农户": ProducerKind.FARMER.value,
        "个人": ProducerKind.FARMER.value,
        "公司": ProducerKind.ENTERPRISE.value,
    },
    "units": {"公斤": Unit.KG.value, "千克": Unit.KG.value, "kg": Unit.KG.value},
}
YES = {"是", "y", "yes", "true", "1", "√", "✓", "有"}
NO = {"否", "n", "no", "false", "0", "", "无", "×"}


# -- vocabulary, headers, cells -------------------------------------------------------------------


@dataclass(frozen=True)
class Vocabulary:
    """The texts a choice column accepts (lower-cased) -> the enum value, and the names listed in
    the "one of" message. Built by the caller from the display names; JSON-safe."""

    accepted: Mapping[str, str]
    shown: Sequence[str]

    @classmethod
    def of(cls, values: Iterable[str], names: Mapping[str, Sequence[str]]) -> Vocabulary:
        """Each value's own spelling plus its display names (first one shown in messages)."""
        accepted: dict[str, str] = {}
        shown: list[str] = []
        for value in values:
            accepted[value.lower()] = value
            for index, name in enumerate(names.get(value, ())):
                accepted[_fold(name)] = value
                if index == 0:
                    shown.append(name)
        return cls(accepted, shown)

    def as_json(self) -> dict[str, Any]:
        return {"accepted": dict(self.accepted), "shown": list(self.shown)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Vocabulary:
        return cls(dict(data["accepted"]), list(data["shown"]))


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", text).lower()


def _header_key(text: str) -> str:
    return re.sub(r"[\s*＊]", "", text).replace("（", "(").replace("）", ")").lower()


@dataclass(frozen=True)
class Issue:
    """A problem of one row (row None: the whole file) in one column (None: the whole row)."""

    row: int | None
    column: Column | None
    message: Message

    @property
    def field(self) -> str | None:
        return self.column.key if self.column else None

    def as_json(self) -> dict[str, Any]:
        shown = self.message.as_json() if isinstance(self.message, Problem) else self.message
        return {"row": self.row, "field": self.field, "message": shown}


@dataclass
class Report:
    """What an import found and did. `imported` true: the caller commits; else rolls back."""

    kind: ImportKind
    rows: int = 0
    dry_run: bool = False
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    created: int = 0
    imported: bool = False
    previous: SpreadsheetImport | None = None  # the same file, already imported

    @property
    def error_rows(self) -> int:
        return len({i.row for i in self.errors})

    @property
    def status(self) -> str:
        """imported | checked (dry run, all valid) | invalid | needs_confirmation | duplicate"""
        if self.previous is not None:
            return "duplicate"
        if self.errors:
            return "invalid"
        if self.imported:
            return "imported"
        if self.warnings and not self.dry_run:
            return "needs_confirmation"
        return "checked"

    def as_json(self) -> dict[str, Any]:
        """For a background job's report file (read back with `from_json`)."""
        previous = None
        if self.previous is not None:
            previous = {
                "created_at": self.previous.created_at.isoformat(),
                "row_count": self.previous.row_count,
            }
        return {
            "kind": self.kind.value,
            "rows": self.rows,
            "dry_run": self.dry_run,
            "errors": [i.as_json() for i in self.errors],
            "warnings": [i.as_json() for i in self.warnings],
            "unknown_columns": self.unknown_columns,
            "created": self.created,
            "imported": self.imported,
            "previous": previous,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Report:
        kind = ImportKind(data["kind"])
        columns = {c.key: c for c in COLUMNS[kind]}

        def issue(item: Mapping[str, Any]) -> Issue:
            message = item["message"]
            if isinstance(message, dict):
                message = Problem(message["code"], message.get("params") or {})
            return Issue(item["row"], columns.get(item["field"] or ""), message)

        report = cls(
            kind,
            rows=int(data["rows"]),
            dry_run=bool(data["dry_run"]),
            errors=[issue(i) for i in data["errors"]],
            warnings=[issue(i) for i in data["warnings"]],
            unknown_columns=list(data["unknown_columns"]),
            created=int(data["created"]),
            imported=bool(data["imported"]),
        )
        if data.get("previous"):
            report.previous = SpreadsheetImport(
                created_at=dt.datetime.fromisoformat(data["previous"]["created_at"]),
                row_count=int(data["previous"]["row_count"]),
            )
        return report


def template_columns(kind: ImportKind) -> list[TemplateColumn]:
    """The template's columns; the notes row gives an example (no example row: a row left in
    the file would be imported)."""
    return [
        TemplateColumn(
            c.shown_header, f"{c.note}。例：{c.example}" if c.example else c.note, c.width
        )
        for c in COLUMNS[kind]
    ]


def _cell(
    column: Column, text: str, vocabulary: Mapping[str, Vocabulary], towns: Mapping[str, str]
) -> tuple[Any, Message | None]:
    """The cell's value, or the problem with it."""
    text = text.strip()
    if not text:
        if column.type == YES_NO:
            return False, None
        return None, problem("field.required") if column.required else None
    if column.max_length is not None and len(text) > column.max_length:
        return None, problem("import.too_long", n=column.max_length)
    if column.type == CHOICE:
        assert column.vocabulary is not None
        words = vocabulary[column.vocabulary]
        value = words.accepted.get(_fold(text)) or ALIASES.get(column.vocabulary, {}).get(
            _fold(text)
        )
        if value is None:
            return None, problem("import.choice", choices=list(words.shown))
        return value, None
    if column.type == TOWNSHIP:
        code = towns.get(_fold(text))
        if code is None:
            return None, problem("import.choice", choices=_names(towns))
        return code, None
    if column.type == DATE:
        day = _date(text)
        return (day, None) if day else (None, problem("import.date"))
    if column.type == QUANTITY:
        try:
            return parse_quantity(text, column.key), None
        except TraceError as exc:
            return None, exc.errors[column.key][0]
    if column.type == DECIMAL:
        try:
            number = Decimal(text.replace(",", "").replace("，", ""))
        except InvalidOperation:
            return None, problem("import.number")
        if not number.is_finite():
            return None, problem("import.number")
        return number, None
    if column.type == YES_NO:
        folded = _fold(text)
        if folded in YES:
            return True, None
        if folded in NO:
            return False, None
        return None, problem("import.yes_no")
    return text, None


def _names(towns: Mapping[str, str]) -> list[str]:
    """The township names shown in the "one of" message (the Chinese full names)."""
    return [name for name in towns if name.endswith(("乡", "镇"))]


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T].*)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def _date(text: str) -> dt.date | None:
    for pattern in _DATE_PATTERNS:
        found = pattern.match(text)
        if found:
            try:
                return dt.date(*(int(g) for g in found.groups()))
            except ValueError:
                return None
    return None


def _township_names(townships: Iterable[Township]) -> dict[str, str]:
    """Every spelling of a township accepted in a cell -> its code (三台乡, 三台, Santai...)."""
    found: dict[str, str] = {}
    for town in townships:
        found[_fold(town.code)] = town.code
        found[_fold(town.name_zh)] = town.code
        found[_fold(town.name_pinyin)] = town.code
        if town.name_zh.endswith(("乡", "镇")) and len(town.name_zh) > 2:
            found.setdefault(_fold(town.name_zh[:-1]), town.code)
    return found


# -- the import -----------------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    data: dict[str, Any]
    errors: list[Issue] = field(default_factory=list)


def check_kind(kind: str) -> ImportKind:
    return ImportKind(kind)


def previous_import(session: Session, kind: ImportKind, sha256: str) -> SpreadsheetImport | None:
    return session.scalar(
        select(SpreadsheetImport).where(
            SpreadsheetImport.kind == kind.value, SpreadsheetImport.sha256 == sha256
        )
    )


def run_import(
    session: Session,
    actor: Actor | None,
    kind: ImportKind,
    sheet: Sheet,
    *,
    vocabulary: Mapping[str, Vocabulary],
    sha256: str,
    file_name: str = "",
    dry_run: bool = False,
    confirmed: bool = False,
    session_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Check every row and write them through the services; see the module's docstring.

    The caller commits when the report says `imported`, else rolls back. Raises
    PermissionDeniedError (the role may not write this kind), NotFoundError (session_id).
    """
    authorize(actor, PERMISSIONS[kind])
    report = Report(kind, rows=len(sheet.rows), dry_run=dry_run)
    report.previous = previous_import(session, kind, sha256)
    if report.previous is not None:
        return report
    columns = COLUMNS[kind]
    training = None
    if kind is ImportKind.ATTENDANCE and session_id is not None:
        training = training_service.get_session(session, actor, session_id)
    positions = _header_positions(sheet.headers, columns, report)
    required = [
        c
        for c in columns
        if c.required and c.key not in positions and not _implied(c, training, actor)
    ]
    if required:
        missing = [c.header for c in required]
        report.errors.append(Issue(None, None, problem("import.column_missing", columns=missing)))
        return report
    if not sheet.rows:
        report.errors.append(Issue(None, None, problem("import.file_empty")))
        return report
    # Held for the whole import: the session's identity map keeps records only while something
    # refers to them, and the services look the township up by key for every row.
    townships = list(session.scalars(select(Township)))
    towns = _township_names(townships)
    rows = [
        _parse(number, cells, columns, positions, vocabulary, towns, actor, training)
        for number, cells in sheet.rows
    ]
    record = None
    if not dry_run:
        record = SpreadsheetImport(
            kind=kind.value,
            sha256=sha256,
            file_name=file_name[:200],
            row_count=len(rows),
            owner_id=getattr(actor, "id", None),
        )
        try:  # first: a second upload of the same file waits here, then finds this one
            with session.begin_nested():
                session.add(record)
                session.flush()
        except IntegrityError:
            report.previous = previous_import(session, kind, sha256)
            if report.previous is None:
                raise
            return report
    writer = _import_producers if kind is ImportKind.PRODUCERS else _import_batches
    if kind is ImportKind.ATTENDANCE:
        _import_attendance(session, actor, rows, report, progress or _ignore, training)
    else:
        writer(session, actor, rows, report, progress or _ignore)
    for row in rows:
        report.errors.extend(row.errors)
    report.errors.sort(key=lambda i: (i.row or 0, _order(kind, i.column)))
    report.warnings.sort(key=lambda i: (i.row or 0, _order(kind, i.column)))
    needs_confirmation = bool(report.warnings) and not confirmed
    report.imported = not dry_run and not report.errors and not needs_confirmation
    if not report.imported:
        report.created = 0
    return report


def _ignore(_done: int) -> None:
    return None


def _order(kind: ImportKind, column: Column | None) -> int:
    return COLUMNS[kind].index(column) if column is not None else -1


def _implied(column: Column, training: TrainingSession | None, actor: Actor | None) -> bool:
    """A required column the file may leave out: the session's, when importing into one; the
    township, for station staff (their own)."""
    if training is not None and column.key in ("held_on", "course", "township_code"):
        return True
    return column.key == "township_code" and getattr(actor, "township_code", None) is not None


def _header_positions(
    headers: Sequence[str], columns: Sequence[Column], report: Report
) -> dict[str, int]:
    by_name = {}
    for column in columns:
        by_name[_header_key(column.header)] = column.key
        by_name[_header_key(column.key)] = column.key
    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        key = by_name.get(_header_key(header))
        if key is None:
            if header.strip():
                report.unknown_columns.append(header.strip())
            continue
        positions.setdefault(key, index)
    if report.unknown_columns:
        report.warnings.append(
            Issue(None, None, problem("import.column_unknown", columns=report.unknown_columns))
        )
    return positions


def _parse(
    number: int,
    cells: Sequence[str],
    columns: Sequence[Column],
    positions: Mapping[str, int],
    vocabulary: Mapping[str, Vocabulary],
    towns: Mapping[str, str],
    actor: Actor | None,
    training: TrainingSession | None,
) -> _Row:
    row = _Row(number, {})
    for column in columns:
        index = positions.get(column.key)
        text = cells[index] if index is not None and index < len(cells) else ""
        if not text.strip() and _implied(column, training, actor):
            row.data[column.key] = None
            continue
        value, message = _cell(column, text, vocabulary, towns)
        if message is not None:
            row.errors.append(Issue(number, column, message))
        if value is None and column.type == TEXT and message is None:
            value = ""
        row.data[column.key] = value
    _unit_from_quantity(row, columns)
    if row.data.get("township_code") is None and "township_code" in row.data:
        row.data["township_code"] = (
            training.township_code
            if training is not None
            else getattr(actor, "township_code", None)
        )
    return row


def _unit_from_quantity(row: _Row, columns: Sequence[Column]) -> None:
    """A quantity read as (number, unit typed with it): the number stays, the typed unit fills an
    empty 单位 (dropping its "required") and must agree with one that was filled in."""
    typed = row.data.get("quantity")
    if not isinstance(typed, tuple):
        return
    number, unit = typed
    row.data["quantity"] = number
    if unit is None or "unit" not in row.data:
        return
    unit_issues = [i for i in row.errors if i.column is not None and i.column.key == "unit"]
    if row.data["unit"] is None:
        if any(getattr(i.message, "code", "") != "field.required" for i in unit_issues):
            return  # a 单位 that was filled in wrong stays an error of its own
        row.data["unit"] = unit.value
        row.errors = [i for i in row.errors if i not in unit_issues]
    elif row.data["unit"] != unit.value:
        quantity = next(c for c in columns if c.key == "quantity")
        row.errors.append(Issue(row.number, quantity, problem("quantity.unit_conflict")))


def _refused(row: _Row, columns: Sequence[Column], error: TraceError) -> None:
    """A service's refusal, each problem under the column of the field it names."""
    by_key = {c.key: c for c in columns}
    if not error.errors:
        row.errors.append(Issue(row.number, None, error.message))
    for name, messages in error.errors.items():
        column = by_key.get(FIELD_COLUMNS.get(name, name))
        for message in messages:
            row.errors.append(Issue(row.number, column, message))


def _column(kind: ImportKind, key: str) -> Column:
    return next(c for c in COLUMNS[kind] if c.key == key)


# -- producers ------------------------------------------------------------------------------------


def _import_producers(
    session: Session,
    actor: Actor | None,
    rows: list[_Row],
    report: Report,
    progress: Callable[[int], None],
) -> None:
    columns = COLUMNS[ImportKind.PRODUCERS]
    _producer_duplicates(session, rows, report)
    for done, row in enumerate(rows, start=1):
        progress(done)
        if row.errors:
            continue
        try:
            with session.begin_nested():
                # _producer_duplicates warned of every possible duplicate (in the file and the
                # database) and the import runs only once they are confirmed: the service's own
                # warning (PossibleDuplicateError) would refuse what the user just confirmed.
                producer_service.create_producer(session, actor, confirm_duplicate=True, **row.data)
        except TraceError as exc:
            _refused(row, columns, exc)
        else:
            report.created += 1


def _digits(phone: str | None) -> str:
    return re.sub(r"\D", "", phone or "")


def _producer_duplicates(session: Session, rows: list[_Row], report: Report) -> None:
    """The same name in the same village (and township), or the same phone, within the file and
    against the producers already registered: a warning each, to be confirmed."""
    name_col = _column(ImportKind.PRODUCERS, "name")
    phone_col = _column(ImportKind.PRODUCERS, "phone")
    towns = {r.data.get("township_code") for r in rows if r.data.get("township_code")}
    phones = {_digits(r.data.get("phone")) for r in rows} - {""}
    known = (
        list(
            session.execute(
                select(
                    Producer.name, Producer.village, Producer.township_code, Producer.phone
                ).where(
                    Producer.township_code.in_(towns)
                    | Producer.phone.in_({r.data.get("phone") for r in rows if r.data.get("phone")})
                )
            )
        )
        if towns or phones
        else []
    )
    by_place = {(n, v or "", t): n for n, v, t, _p in known}
    by_phone = {_digits(p): n for n, _v, _t, p in known if _digits(p)}
    seen_place: dict[tuple[str, str, str], int] = {}
    seen_phone: dict[str, int] = {}
    village = problem("import.reason_village")
    same_phone = problem("import.reason_phone")
    for row in rows:
        name, town = row.data.get("name"), row.data.get("township_code")
        if not name or not town:
            continue
        place = (name, row.data.get("village") or "", town)
        phone = _digits(row.data.get("phone"))
        if place in seen_place:
            report.warnings.append(
                Issue(
                    row.number,
                    name_col,
                    problem(
                        "import.duplicate_producer_file", row=seen_place[place], reason=village
                    ),
                )
            )
        elif place in by_place:
            report.warnings.append(
                Issue(
                    row.number,
                    name_col,
                    problem("import.duplicate_producer_db", name=by_place[place], reason=village),
                )
            )
        if phone and phone in seen_phone:
            report.warnings.append(
                Issue(
                    row.number,
                    phone_col,
                    problem(
                        "import.duplicate_producer_file", row=seen_phone[phone], reason=same_phone
                    ),
                )
            )
        elif phone and phone in by_phone:
            report.warnings.append(
                Issue(
                    row.number,
                    phone_col,
                    problem(
                        "import.duplicate_producer_db", name=by_phone[phone], reason=same_phone
                    ),
                )
            )
        seen_place.setdefault(place, row.number)
        if phone:
            seen_phone.setdefault(phone, row.number)


# -- batches --------------------------------------------------------------------------------------


def _import_batches(
    session: Session,
    actor: Actor | None,
    rows: list[_Row],
    report: Report,
    progress: Callable[[int], None],
) -> None:
    columns = COLUMNS[ImportKind.BATCHES]
    product_col = _column(ImportKind.BATCHES, "product")
    producer_col = _column(ImportKind.BATCHES, "producer")
    # Records, not rows: held here, create_batch finds them in the identity map by key.
    products = list(session.scalars(select(Product)))
    towns = {r.data.get("township_code") for r in rows if r.data.get("township_code")}
    producers = list(session.scalars(select(Producer).where(Producer.township_code.in_(towns))))
    by_name: dict[tuple[str, str], list[Any]] = {}
    for p in producers:
        by_name.setdefault((p.name, p.township_code), []).append(p)
    for row in rows:
        data = row.data
        if data.get("product"):
            product_id = _product_id(products, data["product"])
            if product_id is None:
                row.errors.append(Issue(row.number, product_col, problem("import.no_product")))
            data["product_id"] = product_id
        if data.get("producer") and data.get("township_code"):
            found = by_name.get((data["producer"], data["township_code"]), [])
            if data.get("producer_phone"):
                found = [p for p in found if _digits(p.phone) == _digits(data["producer_phone"])]
            if len(found) > 1 and data.get("village"):
                found = [p for p in found if p.village == data["village"]] or found
            if not found:
                row.errors.append(Issue(row.number, producer_col, problem("import.no_producer")))
            elif len(found) > 1:
                row.errors.append(
                    Issue(
                        row.number, producer_col, problem("import.ambiguous_producer", n=len(found))
                    )
                )
            else:
                data["producer_id"] = found[0].id
                if not data.get("village"):
                    data["village"] = found[0].village
    _batch_duplicates(session, rows, report)
    for done, row in enumerate(rows, start=1):
        progress(done)
        if row.errors:
            continue
        data = {
            k: row.data.get(k) or ("" if k in ("village", "plot") else row.data.get(k))
            for k in (
                "product_id",
                "producer_id",
                "harvested_on",
                "quantity",
                "unit",
                "township_code",
                "village",
                "plot",
            )
        }
        try:
            with session.begin_nested():
                batch_service.create_batch(session, actor, **data)
        except TraceError as exc:
            _refused(row, columns, exc)
        else:
            report.created += 1


def _product_id(products: Sequence[Any], text: str) -> int | None:
    digits = _digits(text)
    if digits == text.strip() and len(digits) in (8, 12, 13, 14):
        gtin = digits.zfill(14)
        for p in products:
            if p.gtin == gtin:
                return int(p.id)
    named = [p for p in products if p.name == text.strip()]
    return int(named[0].id) if len(named) == 1 else None


def _batch_duplicates(session: Session, rows: list[_Row], report: Report) -> None:
    """A batch of the same producer, product, harvest date and quantity, in the file or already
    registered: a warning to confirm (two pickings of a day may weigh the same)."""
    producer_col = _column(ImportKind.BATCHES, "producer")
    ready = [
        r for r in rows if r.data.get("producer_id") and r.data.get("product_id") and not r.errors
    ]
    if not ready:
        return
    key = lambda d: (d["producer_id"], d["product_id"], d["harvested_on"], d["quantity"])  # noqa: E731
    existing = {
        (b.producer_id, b.product_id, b.harvested_on, b.quantity): b.lot
        for b in session.scalars(
            select(Batch).where(
                Batch.producer_id.in_({r.data["producer_id"] for r in ready}),
                Batch.harvested_on.in_({r.data["harvested_on"] for r in ready}),
            )
        )
    }
    seen: dict[Any, int] = {}
    for row in ready:
        found = key(row.data)
        if found in seen:
            report.warnings.append(
                Issue(
                    row.number,
                    producer_col,
                    problem("import.duplicate_batch_file", row=seen[found]),
                )
            )
        elif found in existing:
            report.warnings.append(
                Issue(
                    row.number,
                    producer_col,
                    problem("import.duplicate_batch_db", lot=existing[found]),
                )
            )
        seen.setdefault(found, row.number)


# -- attendance -----------------------------------------------------------------------------------


def _import_attendance(
    session: Session,
    actor: Actor | None,
    rows: list[_Row],
    report: Report,
    progress: Callable[[int], None],
    given: TrainingSession | None = None,
) -> None:
    """Each row a person at a session: an existing trainee of the same name, village and
    township is the same person (one trainee, another person-time), else a new trainee."""
    columns = COLUMNS[ImportKind.ATTENDANCE]
    course_col = _column(ImportKind.ATTENDANCE, "course")
    date_col = _column(ImportKind.ATTENDANCE, "held_on")
    name_col = _column(ImportKind.ATTENDANCE, "name")
    courses = {c.title: c.id for c in session.scalars(select(Course))}
    sessions: dict[tuple[int, str, dt.date], list[TrainingSession]] = {}
    for held_session in session.scalars(select(TrainingSession)):
        sessions.setdefault(
            (held_session.course_id, held_session.township_code, held_session.held_on), []
        ).append(held_session)
    township_col = _column(ImportKind.ATTENDANCE, "township_code")
    for row in rows:
        if row.errors:
            continue
        data = row.data
        if given is not None:  # into the session chosen on its page: what is filled must match
            for column, value, wanted in (
                (course_col, data.get("course"), given.course.title),
                (date_col, data.get("held_on"), given.held_on),
                (township_col, data.get("township_code"), given.township_code),
            ):
                if value and value != wanted:
                    shown = wanted.isoformat() if isinstance(wanted, dt.date) else wanted
                    row.errors.append(
                        Issue(row.number, column, problem("import.session_mismatch", value=shown))
                    )
            data["township_code"] = given.township_code
            data["session"] = given
            continue
        course_id = courses.get(data.get("course") or "")
        if course_id is None:
            row.errors.append(Issue(row.number, course_col, problem("import.no_session")))
            continue
        found = sessions.get((course_id, data["township_code"], data["held_on"]), [])
        if not found:
            row.errors.append(Issue(row.number, date_col, problem("import.no_session")))
        elif len(found) > 1:
            row.errors.append(
                Issue(row.number, course_col, problem("import.ambiguous_session", n=len(found)))
            )
        else:
            data["session"] = found[0]
    today = local_today()
    for row in rows:
        held = row.data.get("session")
        if held is not None and held.held_on > today:
            row.errors.append(Issue(row.number, date_col, problem("import.not_held")))
    towns = {r.data["township_code"] for r in rows if r.data.get("township_code")}
    trainees: dict[tuple[str, str, str], list[int]] = {}
    for t in session.scalars(select(Trainee).where(Trainee.township_code.in_(towns))):
        trainees.setdefault((t.name, t.village, t.township_code), []).append(t.id)
    present = set(
        session.execute(
            select(Attendance.session_id, Attendance.trainee_id).where(
                Attendance.session_id.in_(
                    {r.data["session"].id for r in rows if r.data.get("session")}
                )
            )
        ).tuples()
    )
    seen: dict[tuple[int, str, str], int] = {}
    by_session: dict[int, list[tuple[_Row, int]]] = {}
    for done, row in enumerate(rows, start=1):
        progress(done)
        training: TrainingSession | None = row.data.get("session")
        if row.errors or training is None:
            continue
        person = (row.data["name"], row.data.get("village") or "", row.data["township_code"])
        if (training.id, person[0], person[1]) in seen:
            row.errors.append(
                Issue(
                    row.number,
                    name_col,
                    problem("import.duplicate_row", row=seen[(training.id, person[0], person[1])]),
                )
            )
            continue
        seen[(training.id, person[0], person[1])] = row.number
        known = trainees.get(person, [])
        if len(known) == 1:
            if (training.id, known[0]) in present:
                row.errors.append(Issue(row.number, name_col, problem("import.already_present")))
                continue
            by_session.setdefault(training.id, []).append((row, known[0]))
            continue
        try:
            with session.begin_nested():
                trainee = training_service.create_trainee(
                    session,
                    actor,
                    name=person[0],
                    township_code=person[2],
                    village=person[1],
                    is_poverty_registered=bool(row.data.get("is_poverty_registered")),
                    is_disabled=bool(row.data.get("is_disabled")),
                )
                session.flush()
        except TraceError as exc:
            _refused(row, columns, exc)
            continue
        by_session.setdefault(training.id, []).append((row, trainee.id))
    for session_id, marked in by_session.items():
        if any(row.errors for row, _ in marked):
            continue
        try:
            with session.begin_nested():
                training_service.record_attendance(
                    session, actor, session_id, [trainee_id for _, trainee_id in marked]
                )
        except TraceError as exc:
            for row, _ in marked:
                _refused(row, columns, exc)
        else:
            report.created += len(marked)
