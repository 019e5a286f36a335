"""Search as you type over the patient list, answered in milliseconds on 100,000 patients.

Each word of a query must match the start of the patient's last name, first name or chart number
(names compared folded: case- and accent-insensitive), or be their date of birth. So a word is a few
index *spans* (last_key from "mar" up to "mar\\uffff", ...): a patient matches it if they lie in any.

On SQLite a page is read one of three ways, chosen per keystroke:

- *ordered scan*: walk the index of the sort order, keep the rows that match, stop at the page's end.
  ``ix_patients_name`` holds the name keys and the chart number, so with the usual sort by name a
  patient who does not match costs one index entry, never a table read. Fast when matches are many
  ("m", "cr-"); at worst one pass over the index, about 10 ms for 100,000 patients.
- *candidates*: collect the patients in the spans of the word with the fewest entries, check the
  other words on those rows, sort them. Fast when matches are few ("cr-0042", a birth date). The sort
  is written over expressions no index provides (as on PostgreSQL, below): with the values bound,
  SQLite otherwise walked the order's index from "a" ("maria g": 197 ms at a million patients).
- *merge*, for one word in name order: see below.

Left alone, SQLite always collects candidates, and from whichever word it likes (for "c" it sorted all
100,000 chart numbers). So the statement leaves it no choice: every condition it must not answer from an
index is written ``+column`` (``_unindexed``); what remains indexable is the driving word's spans, or
nothing, and then the only index that helps is the sort order's. To choose, the spans are counted first,
each count stopping after ``PAGE_PROBE_CAP`` index entries: one statement, about a millisecond at most.

Counting reads the candidates of one word the same way (with one word SQLite's plan is already right).

PostgreSQL gets the plain condition, but the same choice: its planner, asked for the first 200 rows in
name order, walks the name index from "a" and filters, even for "smith" (80,000 entries read before the
first match; 150 ms at 100,000 patients). When the probe says the matches are few, the ORDER BY is
written over expressions (``last_key || ''``, ``id + 0``: the same order) that no index provides, so it
collects the matches through the spans' indexes (a bitmap OR) and sorts those few instead. Its ordered
scan in name order reads the index alone too: PostgreSQL checks a condition only on the table's row
(one random read per index entry passed over, 28 ms for "g"), unless the statement needs nothing but the
index's columns; so the page's ids are found first from ``ix_patients_name`` alone (an index-only scan),
and only those 200 rows are read (``_name_page``; 6 ms for "g").

A word's last names lie together in name order. Both backends use that for one word in name order:
the page's first entries of the block are read in order from ``ix_patients_name`` (an index-only range
scan), the word's other matches (first names, chart numbers: usually few) collected, and the two merged
(``_merged_page``). It costs the other matches and a page of entries, however large the block and
however far down the order it lies, so the block need not even be counted in full: "smith" among a
million patients (more entries than the probe counts) took 100 ms by an ordered scan from "a", 5 ms
merged; on PostgreSQL at 100,000, "ta" 1 ms, where collecting its 3,300 matches took 5 ms and the ordered
scan 20 ms. The choice may still hang on one more count: how many entries lie ahead of the block
(``_Ahead``), when the other matches are many enough that an ordered scan might meet a page of them first.
On SQLite a query of several words, none of them rare enough to drive the candidates, is merged the
same way when an ordered scan would be longer: the block of the word whose other matches are few, read
in order with the other words checked on each entry ("s smith" among a million patients: 105 ms
scanning from "a" to the "smith" block, 3 ms merged; ``_cheapest_block``).
On PostgreSQL each statement is a round trip, so a keystroke is at most two: the probe (which reads
the user's rights of now too, ``FoldedRights``) and the page, which makes that count itself, in a CTE,
with both plans behind its answer; PostgreSQL checks such a condition once, before running a plan, and
runs only the chosen one (``_page_after_count``).
Results never depend on the plan; ``tests/services/test_patient_search.py`` checks them against the
plain statement and against the rule written out in Python, with each plan forced in turn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    text,
    union,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.expression import UnaryExpression

from ..db.models import PatientRow
from ..text import fold
from .rights import ROLE_NOW_SQL, FoldedRights

#: What ``sort`` may name, and the columns it orders by (the last one makes the order total).
SORT_COLUMNS: dict[str, tuple[InstrumentedAttribute[Any], ...]] = {
    "name": (PatientRow.last_key, PatientRow.first_key, PatientRow.id),
    "chart_number": (PatientRow.chart_number,),
    "date_of_birth": (PatientRow.date_of_birth, PatientRow.id),
}

#: Planning a page counts each span's index entries up to this many (0.2 ms at most per span in name
#: order; in the other orders a scan costs more, so it pays to know more before choosing).
PAGE_PROBE_CAP = {"name": 5000, "chart_number": 20_000, "date_of_birth": 20_000}
#: Counting with several words, the one with the fewest entries is found counting up to this many.
COUNT_PROBE_CAP = 20_000
#: Measured on the 100k demo: reading a candidate (table row, checks, sort) costs about as much as this
#: many entries of an ordered scan; in name order the scan stays inside the index, in the other orders it
#: reads each patient's row.
SCANNED_PER_CANDIDATE = {"name": 5.0, "chart_number": 0.7, "date_of_birth": 0.7}
#: The same on PostgreSQL: an index-only entry costs about 0.25 us, a candidate (bitmap read of its row,
#: its share of the sort) about 2 us; in the other orders the scan reads each row, as on SQLite.
SCANNED_PER_CANDIDATE_PG = {"name": 8.0, "chart_number": 0.7, "date_of_birth": 0.7}
#: Merging a last-name block (``_merged_page``), each of the word's other matches costs about this many
#: entries of an ordered scan. SQLite reads each one's row for its last name, sorts them and merges them
#: through a temporary b-tree: 3-7 us each on the 100k demo, where an ordered scan's entry costs 0.15-0.3.
SCANNED_PER_OTHER_MATCH = {"sqlite": 20.0, "postgresql": SCANNED_PER_CANDIDATE_PG["name"]}

_DATE_PATTERNS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")
_TOP = "\uffff"  # above every character a name key or chart number holds


def _as_date(token: str) -> date | None:
    for fmt in _DATE_PATTERNS:
        try:
            return datetime.strptime(token, fmt).date()
        except ValueError:
            continue
    return None


@dataclass(frozen=True)
class Span:
    """Patients whose ``column`` lies in ``[low, high)``, or equals ``low`` when ``high`` is None."""

    column: InstrumentedAttribute[Any]
    low: Any
    high: Any = None

    def clause(self, *, indexed: bool = True) -> ColumnElement[bool]:
        """The condition; ``indexed=False``: SQLite may not answer it from an index (``_unindexed``)."""
        col: Any = self.column if indexed else _unindexed(self.column)
        if self.high is None:
            return col == self.low
        return and_(col >= self.low, col < self.high)


Word = tuple[Span, ...]


def query_words(query: str) -> list[Word]:
    """The words of ``query``, each as the spans any of which a matching patient lies in."""
    words: list[Word] = []
    for token in re.split(r"[\s,]+", query.strip()):
        if not token:
            continue
        born = _as_date(token)
        if born is not None:
            words.append((Span(PatientRow.date_of_birth, born),))
            continue
        key, upper = fold(token), token.upper()
        spans = [
            Span(PatientRow.last_key, key, key + _TOP),
            Span(PatientRow.first_key, key, key + _TOP),
            Span(PatientRow.chart_number, upper, upper + _TOP),
        ]
        if token != upper:  # chart numbers match as typed too ("ab-12" finds "ab-12")
            spans.append(Span(PatientRow.chart_number, token, token + _TOP))
        words.append(tuple(spans))
    return words


def word_clause(word: Word, *, indexed: bool = True) -> ColumnElement[bool]:
    return or_(*(span.clause(indexed=indexed) for span in word))


def words_filter(words: Sequence[Word], *, indexed: bool = True) -> ColumnElement[bool] | None:
    """Every word matches (``indexed=False``: checked row by row on SQLite)."""
    return and_(*(word_clause(w, indexed=indexed) for w in words)) if words else None


def search_filter(query: str) -> ColumnElement[bool] | None:
    """The plain condition for ``query`` (also used to find a patient's entries in the audit trail)."""
    return words_filter(query_words(query))


def _unindexed(column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    """``+column``: SQLite's documented no-op that stops a condition from choosing an index, so the one
    index left to use is the sort order's (an ordered scan), or the candidates' ids."""
    element: ColumnElement[Any] = column.expression
    return UnaryExpression(element, operator=operators.custom_op("+"), type_=element.type)


# -- statements -----------------------------------------------------------------------------------------
def list_columns() -> Select[Any]:
    """The columns of a patient list row (``PatientListRow``), the screening folded into one flag."""
    return select(
        PatientRow.id,
        PatientRow.chart_number,
        PatientRow.last_name,
        PatientRow.first_name,
        PatientRow.date_of_birth,
        PatientRow.phone,
        or_(
            PatientRow.scr_pregnant_or_breastfeeding,
            PatientRow.scr_neuromuscular_disorder,
            PatientRow.scr_aminoglycosides,
            PatientRow.scr_recent_toxin,
            PatientRow.scr_active_skin_infection,
            PatientRow.scr_milk_protein_allergy,
            PatientRow.scr_other != "",
        ),
    )


def _ordered(stmt: Select[Any], sort: str, descending: bool, *, by_index: bool = True) -> Select[Any]:
    """``by_index=False`` (PostgreSQL): the same order over expressions no index provides, so the planner
    collects the matches first and sorts them rather than walking the sort order's index."""
    cols: tuple[Any, ...] = SORT_COLUMNS.get(sort, SORT_COLUMNS["name"])
    if not by_index:
        cols = tuple(c + 0 if c.key in ("id", "date_of_birth") else c.concat("") for c in cols)
    return stmt.order_by(*(c.desc() if descending else c.asc() for c in cols))


def plain_page(query: str, *, sort: str, descending: bool) -> Select[Any]:
    """The straightforward statement (what other databases run, and what the tests compare with)."""
    stmt = list_columns()
    where = search_filter(query)
    if where is not None:
        stmt = stmt.where(where)
    return _ordered(stmt, sort, descending)


def plain_count(query: str) -> Select[Any]:
    stmt = select(func.count()).select_from(PatientRow)
    where = search_filter(query)
    return stmt.where(where) if where is not None else stmt


def page_statement(
    s: Session,
    query: str,
    *,
    sort: str,
    descending: bool,
    offset: int = 0,
    limit: int = 200,
    rights: FoldedRights | None = None,
) -> Select[Any]:
    """The statement for rows ``offset`` to ``offset + limit`` of ``query`` (offset and limit applied),
    shaped for the plan the module describes, its values bound (``page_query``'s statement and values)."""
    stmt, values = page_query(
        s, query, sort=sort, descending=descending, offset=offset, limit=limit, rights=rights
    )
    return stmt.params(values) if values else stmt


#: PostgreSQL: each shape of page statement, built once per process with parameters for its values
#: (SQLAlchemy took 2-4 ms to build and key a page's statement, as long as the server took to answer).
_SHAPES: dict[tuple[Any, ...], Select[Any]] = {}
_MOST_SHAPES = 500
_OFFSET = bindparam("page_offset", type_=Integer)
_LIMIT = bindparam("page_limit", type_=Integer)
_WANTED = bindparam("page_wanted", type_=Integer)  # offset + limit
_SKIP = bindparam("ahead_skip", type_=Integer)


def page_query(
    s: Session,
    query: str,
    *,
    sort: str,
    descending: bool,
    offset: int = 0,
    limit: int = 200,
    rights: FoldedRights | None = None,
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement for rows ``offset`` to ``offset + limit`` of ``query`` and the values to run it with
    (on PostgreSQL a statement kept per shape, see ``_SHAPES``; on SQLite built with its values). ``rights``
    not yet checked: the planning probe verifies them, or, with no probe to run, the statement is gated
    by them (the caller settles them)."""
    words = query_words(query)
    sort = sort if sort in SORT_COLUMNS else "name"
    by_name = sort == "name"
    pg = not _is_sqlite(s)
    if not words:
        if pg and by_name:
            values: dict[str, Any] = {"page_offset": offset, "page_limit": limit}
            if rights is None or rights.checked:
                return _shaped(
                    ("all", descending), lambda: _name_page(None, descending, _OFFSET, _LIMIT)
                ), values
            first = _shaped(
                ("all", descending, "gated"),
                lambda: _name_page(None, descending, _OFFSET, _LIMIT).where(FoldedRights.bound_gate()),
            )
            return first, values | rights.gate_values()
        stmt = plain_page(query, sort=sort, descending=descending).offset(offset).limit(limit)
        return (stmt.where(rights.gate()) if rights is not None and not rights.checked else stmt), {}
    plan = _plan(s, words, sort=sort, offset=offset, limit=limit, descending=descending, rights=rights)
    if pg:
        return _pg_page(words, plan, sort, descending, offset, limit)
    if isinstance(plan, _Ahead):  # SQLite makes the count on its own: no round trip to save
        plan = (_Merge(plan.word) if plan.merge else plan.driver) if plan.reached(s) else None
    if isinstance(plan, _Merge):
        also = words_filter(plan.also, indexed=False) if plan.also else None
        met = None
        if plan.pairs is not None:  # each pair read through its first span, the second checked
            met = or_(false(), *(and_(a.clause(), b.clause(indexed=False)) for a, b in plan.pairs))
        return _merged_page(plan.word, descending, offset, limit, also=also, met=met), {}
    if plan is None:
        stmt = _ordered(list_columns().where(words_filter(words, indexed=False)), sort, descending)  # type: ignore[arg-type]
    else:  # the driver's candidates, sorted: with its values bound SQLite walked the order's index instead
        stmt = _ordered(list_columns().where(_driven_by(words, plan)), sort, descending, by_index=False)
    return stmt.offset(offset).limit(limit), {}


def _pg_page(
    words: Sequence[Word],
    plan: int | None | _Ahead | _Merge,
    sort: str,
    descending: bool,
    offset: int,
    limit: int,
) -> tuple[Select[Any], dict[str, Any]]:
    """PostgreSQL's page for ``plan``: the statement kept for its shape, and its values."""
    bound, values = _bound(words)
    values |= {"page_offset": offset, "page_limit": limit, "page_wanted": offset + limit}
    shape = tuple(tuple((span.column.key, span.high is None) for span in word) for word in words)
    where = words_filter(bound)
    if isinstance(plan, _Merge):
        key: tuple[Any, ...] = ("merge", shape, descending)
        return _shaped(
            key, lambda: _merged_page(bound[0], descending, _OFFSET, _LIMIT, wanted=_WANTED)
        ), values
    if isinstance(plan, _Ahead):
        values["ahead_skip"] = plan.cap - 1
        ahead = replace(plan, word=bound[0], skip=_SKIP)
        key = ("ahead", shape, descending, plan.merge)
        return _shaped(key, lambda: _page_after_count(ahead, where, _OFFSET, _LIMIT, wanted=_WANTED)), values  # type: ignore[arg-type]
    if plan is None and sort == "name":
        return _shaped(
            ("scan", shape, descending), lambda: _name_page(where, descending, _OFFSET, _LIMIT)
        ), values
    key = ("page", shape, sort, descending, plan is None)
    return _shaped(
        key,
        lambda: (
            _ordered(list_columns().where(where), sort, descending, by_index=plan is None)  # type: ignore[arg-type]
            .offset(_OFFSET)
            .limit(_LIMIT)
        ),
    ), values


def _shaped(key: tuple[Any, ...], build: Callable[[], Select[Any]]) -> Select[Any]:
    stmt = _SHAPES.get(key)
    if stmt is None:
        if len(_SHAPES) >= _MOST_SHAPES:  # queries of many words: shapes without end, kept within bounds
            _SHAPES.clear()
        stmt = _SHAPES[key] = build()
    return stmt


def _bound(words: Sequence[Word]) -> tuple[list[Word], dict[str, Any]]:
    """``words`` with each span's bounds as parameters (``w0s1lo``: the first word's second span's low
    bound), and their values."""
    bound: list[Word] = []
    values: dict[str, Any] = {}
    for j, word in enumerate(words):
        spans = []
        for i, span in enumerate(word):
            name, kind = f"w{j}s{i}", span.column.type
            values[name + "lo"] = span.low
            high = None
            if span.high is not None:
                values[name + "hi"] = span.high
                high = bindparam(name + "hi", type_=kind)
            spans.append(Span(span.column, bindparam(name + "lo", type_=kind), high))
        bound.append(tuple(spans))
    return bound, values


def _name_page(
    where: ColumnElement[bool] | None, descending: bool, offset: Any, limit: Any, *, keys: bool = False
) -> Select[Any]:
    """PostgreSQL's ordered scan in name order: the page's ids from ``ix_patients_name`` alone (every
    column the inner statement names is in it, so the conditions are checked on the index entries), then
    those rows (``keys``: with their name keys after the list's columns)."""
    found = select(PatientRow.id, PatientRow.last_key, PatientRow.first_key)
    if where is not None:
        found = found.where(where)
    page = _ordered(found, "name", descending).offset(offset).limit(limit).subquery("page")
    return _rows_of(page, descending, keys=keys)


def _merged_page(
    word: Word,
    descending: bool,
    offset: Any,
    limit: Any,
    *,
    keys: bool = False,
    wanted: Any = None,
    also: ColumnElement[bool] | None = None,
    met: ColumnElement[bool] | None = None,
) -> Select[Any]:
    """Name order, one word: its last names lie together in ``ix_patients_name``, in the
    page's order, so their first ``offset + limit`` entries are read from there alone (an index-only range
    scan), the word's other matches (first names, chart numbers) are collected through their indexes and
    sorted, and the two merged. Costs the other matches and a page of entries, however far down the
    order the last names lie and however many there are ("ta": 3,300 of them, 85% of the way down).

    ``also`` (SQLite, a query of several words): the other words, checked on each entry of the block
    (from the index's own columns, unless a word is a birth date) and on each other match; ``met``: the
    other matches that match the other words too, when given (``_Merge.pairs``)."""
    wanted = offset + limit if wanted is None else wanted
    columns = (PatientRow.id, PatientRow.last_key, PatientRow.first_key)
    in_block = word[0].clause() if also is None else and_(word[0].clause(), also)
    block = _ordered(select(*columns).where(in_block), "name", descending).limit(wanted)
    others = or_(*(span.clause() for span in word[1:]))
    others = met if met is not None else others if also is None else and_(others, also)
    rest = _ordered(select(*columns).where(others), "name", descending, by_index=False).limit(wanted)
    found = union(select(block.subquery("block")), select(rest.subquery("rest"))).subquery("found")
    order = (found.c.last_key, found.c.first_key, found.c.id)
    page = (
        select(found)
        .order_by(*(c.desc() if descending else c.asc() for c in order))
        .offset(offset)
        .limit(limit)
        .subquery("page")
    )
    return _rows_of(page, descending, keys=keys)


def _rows_of(page: Any, descending: bool, *, keys: bool) -> Select[Any]:
    """The list's rows of the patients in ``page`` (id, last_key, first_key), in name order."""
    order = (page.c.last_key, page.c.first_key, page.c.id)
    stmt = list_columns().add_columns(page.c.last_key, page.c.first_key) if keys else list_columns()
    return stmt.join_from(PatientRow, page, PatientRow.id == page.c.id).order_by(
        *(c.desc() if descending else c.asc() for c in order)
    )


def _page_after_count(
    ahead: _Ahead, where: ColumnElement[bool], offset: Any, limit: Any, *, wanted: Any = None
) -> Select[Any]:
    """PostgreSQL, name order, when the plan hangs on the count of ``ahead``: both plans in one statement,
    each behind the count's answer (a condition on no column of the rows, which PostgreSQL checks once
    before running the plan, and runs the count once for both: a CTE named twice is computed once). One
    round trip instead of two; the same work on the server."""
    reached = ahead.statement().cte("reached")
    collect = select(reached.c[0]).scalar_subquery()
    keys = (PatientRow.last_key, PatientRow.first_key)
    if ahead.merge:
        candidates = _merged_page(ahead.word, ahead.descending, offset, limit, keys=True, wanted=wanted)
        candidates = candidates.where(collect)
    else:
        candidates = (
            _ordered(list_columns().add_columns(*keys).where(where), "name", ahead.descending, by_index=False)
            .where(collect)
            .offset(offset)
            .limit(limit)
        )
    scan = _name_page(where, ahead.descending, offset, limit, keys=True).where(not_(collect))
    both = union_all(select(candidates.subquery("candidates")), select(scan.subquery("scan"))).subquery(
        "both"
    )
    columns = list(both.c)
    order = (columns[-2], columns[-1], columns[0])  # last_key, first_key, id: the one plan's order, kept
    return select(*columns[:-2]).order_by(*(c.desc() if ahead.descending else c.asc() for c in order))


def page_driver(
    s: Session,
    words: Sequence[Word],
    *,
    sort: str,
    offset: int,
    limit: int,
    descending: bool = False,
    rights: FoldedRights | None = None,
) -> int | None:
    """Which word's spans to collect the candidates from; None for an ordered scan."""
    plan = _plan(s, words, sort=sort, offset=offset, limit=limit, descending=descending, rights=rights)
    if isinstance(plan, _Ahead):
        return plan.driver if plan.reached(s) else None
    return plan.index if isinstance(plan, _Merge) else plan


@dataclass(frozen=True)
class _Merge:
    """Name order: the page merged from ``word``'s last names' block and its other matches
    (``_merged_page``), the query's other words (``also``, SQLite only) checked on both."""

    word: Word
    also: tuple[Word, ...] = ()
    index: int = 0  # the word's place in the query
    #: Two words, the word's other matches too many to count: those matching the other word too, as
    #: pairs of spans (the one read through its index first; pairs that cannot meet left out).
    pairs: tuple[tuple[Span, Span], ...] | None = None


@dataclass(frozen=True)
class _Ahead:
    """The plan hangs on one more count: collect the candidates (``driver``) if at least ``cap`` name
    index entries lie before the word's last names in the scan's direction, else scan in order."""

    driver: int
    word: Word
    cap: int
    descending: bool
    merge: bool = False  # what is collected is the merge (``_merged_page``), not the driver's candidates
    skip: Any = None  # the entries passed over, ``cap - 1`` (or its parameter, in a kept statement)

    def statement(self) -> Select[Any]:
        """Whether at least ``cap`` entries lie ahead (read in the index's order: PostgreSQL otherwise
        reads the table's rows from its start, twice as slow)."""
        span = self.word[0]
        entry = (
            select(PatientRow.last_key)
            .where(PatientRow.last_key >= span.high if self.descending else PatientRow.last_key < span.low)
            .order_by(PatientRow.last_key.desc() if self.descending else PatientRow.last_key)
            .offset(self.cap - 1 if self.skip is None else self.skip)  # passed over, not counted: faster
            .limit(1)
        )
        return select(exists(entry).label("reached"))

    def reached(self, s: Session) -> bool:
        return bool(s.execute(self.statement()).scalar_one())


def _plan(
    s: Session,
    words: Sequence[Word],
    *,
    sort: str,
    offset: int,
    limit: int,
    descending: bool,
    rights: FoldedRights | None,
) -> int | None | _Ahead | _Merge:
    """``page_driver``'s answer, or the one count it still hangs on (``_Ahead``), left to the caller: on
    PostgreSQL the page's statement makes it (``_page_after_count``), saving a round trip. One word in
    name order is merged (``_Merge``) rather than its matches read and sorted."""
    sort = sort if sort in SORT_COLUMNS else "name"
    cap = PAGE_PROBE_CAP[sort]
    probe = _probe(s, words, cap, rights)
    # An ordered scan reads about (offset + limit) / (share of patients matching) index entries.
    scanned = min(probe.patients, (offset + limit) / max(probe.share_matching(), 1e-9))
    per_candidate = SCANNED_PER_CANDIDATE if _is_sqlite(s) else SCANNED_PER_CANDIDATE_PG
    if sort == "name" and len(words) == 1 and words[0][0].column is PatientRow.last_key:
        # One word in name order: its last names' block is merged with its other matches, which costs
        # those and a page of the block's entries however large the block (so its own count may be
        # capped: "smith" among a million patients), if the other matches were counted in full.
        if any(n >= cap for n in probe.spans[1:]):
            return None  # the other matches are many: so are the matches, met soon by an ordered scan
        per_other = SCANNED_PER_OTHER_MATCH["sqlite" if _is_sqlite(s) else "postgresql"]
        cost = (probe.entries[0] - probe.spans[0]) * per_other + min(offset + limit, probe.spans[0])
        if cost < scanned:
            return _Merge(words[0])
        ahead = _entries_ahead_that_matter(probe, offset + limit, cost)
        return None if ahead is None else _Ahead(0, words[0], ahead, descending, merge=True)
    driver = probe.fewest_entries(exact_only=True)
    candidates = math.inf if driver is None else probe.entries[driver] * per_candidate[sort]
    if sort == "name" and len(words) > 1 and candidates >= scanned and _is_sqlite(s):
        # Instead of the ordered scan only: where the candidates are cheaper they were faster, measured.
        block = _cheapest_block(probe, words, cap, offset + limit)
        if block is not None and block[0] < scanned:
            _cost, j, pairs = block
            return _Merge(words[j], tuple(w for i, w in enumerate(words) if i != j), j, pairs)
    if driver is None:
        return None
    return driver if candidates < scanned else None


def _cheapest_block(
    probe: _Probe, words: Sequence[Word], cap: int, wanted: int
) -> tuple[float, int, tuple[tuple[Span, Span], ...] | None] | None:
    """SQLite, name order, several words: the cost of merging the last-name block of the cheapest word
    (``_merged_page`` with the other words checked on it), and that word's place; None if no word may.

    A word's last names lie together, and the rows matching every word among them are found reading its
    block in order: about ``wanted`` / (the other words' share) entries, at most the block (capped counts:
    a share too small, so a read too long, never too short). Its other matches (first names, chart
    numbers) must have been counted in full, and cost ``SCANNED_PER_OTHER_MATCH`` each. "s smith" among
    a million patients: an ordered scan from "a" to the "smith" block read 850,000 entries (105 ms);
    the block's first 2,000 or so, 3 ms.

    Two words whose other matches are too many to count ("zoe n": every first name in "n..."): those
    matching the other word too are the pairs of a span of each that can meet (``_meeting_pairs``), each
    read through the smaller of the two, which must have been counted in full."""
    n = max(probe.patients, 1)
    shares = [min(e, n) / n for e in probe.entries]
    per_other = SCANNED_PER_OTHER_MATCH["sqlite"]
    best: tuple[float, int, tuple[tuple[Span, Span], ...] | None] | None = None
    counts: list[Sequence[int]] = []  # each word's spans' entries
    first = 0
    for word in words:
        counts.append(probe.spans[first : first + len(word)])
        first += len(word)
    for j, word in enumerate(words):
        spans = counts[j]
        if word[0].column is not PatientRow.last_key:
            continue
        pairs: tuple[tuple[Span, Span], ...] | None = None
        others = float(sum(spans[1:]))
        if any(x >= cap for x in spans[1:]):
            if len(words) != 2:
                continue
            met = _meeting_pairs(word, spans, words[1 - j], counts[1 - j], cap)
            if met is None:
                continue
            others, pairs = met
        rest = math.prod(share for i, share in enumerate(shares) if i != j)
        read = wanted / max(rest, 1e-9)
        if spans[0] < cap:  # the block counted in full: never more than that
            read = min(read, spans[0])
        born = any(
            span.column is PatientRow.date_of_birth for i, w in enumerate(words) if i != j for span in w
        )
        per_entry = SCANNED_PER_CANDIDATE["name"] if born else 1.0  # a birth date is not in the index
        cost = others * per_other + read * per_entry
        if best is None or cost < best[0]:
            best = (cost, j, pairs)
    return best


def _meeting_pairs(
    word: Word, counts: Sequence[int], other: Word, other_counts: Sequence[int], cap: int
) -> tuple[float, tuple[tuple[Span, Span], ...]] | None:
    """``word``'s other spans (not its last names) paired with ``other``'s spans, the pairs that can meet:
    two prefixes of one column meet only if one starts the other ("n..." and "zoe..." never do). Each pair
    is read through its smaller span (first in the pair); (how many that reads, the pairs), or None if a
    pair's smaller span was not counted in full."""
    pairs: list[tuple[Span, Span]] = []
    read = 0
    for a, count_a in zip(word[1:], counts[1:], strict=True):
        for b, count_b in zip(other, other_counts, strict=True):
            if not _can_meet(a, b):
                continue
            smaller = min(count_a, count_b)
            if smaller >= cap:
                return None
            read += smaller
            pairs.append((a, b) if count_a <= count_b else (b, a))
    return float(read), tuple(pairs)


def _can_meet(a: Span, b: Span) -> bool:
    """Whether one patient can lie in both spans: always on two columns; on one, if the ranges overlap."""
    if a.column is not b.column:
        return True
    if a.high is None or b.high is None:  # a value (a birth date)
        return a.low == b.low if a.high is None and b.high is None else True
    return str(a.low).startswith(str(b.low)) or str(b.low).startswith(str(a.low))


def _entries_ahead_that_matter(probe: _Probe, wanted: int, cost: float) -> int | None:
    """The matches of a word's last-name span lie together in name order ("ta...": 85% of the way down),
    not spread evenly as ``share_matching`` supposes: if the word's other matches (first names, chart
    numbers) met before that block are too few, an ordered scan reads every entry up to it, and when
    those are more than ``cost`` (the candidates' cost) the candidates are cheaper.

    So the candidates win when at least ``cap`` entries lie ahead, ``cap`` the first whole number above
    ``cost``, and the other matches met by then are fewer than ``wanted``; None when the count cannot
    change the answer (the other matches met before ``cap`` entries are already enough)."""
    others = probe.entries[0] - probe.spans[0]
    cap = int(cost) + 1
    if others * cap >= wanted * max(probe.patients, 1):
        return None
    return cap


def count_statement(s: Session, query: str, rights: FoldedRights | None = None) -> Select[Any]:
    """The statement counting the patients ``query`` matches; with ``rights`` not yet checked, a second
    column for ``rights.verify`` (the user's role of now)."""
    words = query_words(query)
    if rights is not None and not rights.checked:
        return plain_count(query).add_columns(rights.column())
    if len(words) < 2 or not _is_sqlite(s):
        return plain_count(query)
    probe = _probe(s, words, COUNT_PROBE_CAP)
    driver = probe.fewest_entries(exact_only=False)
    assert driver is not None
    return select(func.count()).select_from(PatientRow).where(_driven_by(words, driver))


def _driven_by(words: Sequence[Word], driver: int) -> ColumnElement[bool]:
    """Every word matches, and only the driver's spans may be read from an index: SQLite collects the
    rows in those spans (each once) and checks the other words on them."""
    others = words_filter([w for i, w in enumerate(words) if i != driver], indexed=False)
    driving = word_clause(words[driver])
    return driving if others is None else and_(driving, others)


@dataclass(frozen=True)
class _Probe:
    """How many patients there are (about), and how many index entries each word's spans hold."""

    patients: int
    entries: Sequence[int]
    exact: Sequence[bool]  # False where a span reached the cap: the word has at least that many
    spans: Sequence[int] = ()  # each span's entries (capped), every word's in turn

    def share_matching(self) -> float:
        """The share of patients matching every word, were the words independent (for a word with a
        capped count, at least its real share)."""
        n = max(self.patients, 1)
        share = 1.0
        for e in self.entries:
            share *= min(e, n) / n
        return share

    def fewest_entries(self, *, exact_only: bool) -> int | None:
        """Which word has the fewest entries (among those counted in full, if ``exact_only``)."""
        counted = [(e, i) for i, (e, exact) in enumerate(zip(self.entries, self.exact, strict=True))]
        counted = [(e, i) for e, i in counted if self.exact[i] or not exact_only]
        return min(counted)[1] if counted else None


def _probe(s: Session, words: Sequence[Word], cap: int, rights: FoldedRights | None = None) -> _Probe:
    """Count each span's index entries, up to ``cap``, in one statement (SQL text: SQLAlchemy took
    longer to build this statement than SQLite to run it). ``rights`` not yet checked: the statement
    reads the user's role of now too, and they are verified before anything else is done."""
    counts: list[str] = []
    params: dict[str, Any] = {"cap": cap}
    if rights is not None and not rights.checked:
        counts.append(ROLE_NOW_SQL)
        params |= rights.params
    for i, span in enumerate(span for word in words for span in word):
        column = span.column.key  # the attribute names are the column names
        if span.high is None:
            where = f"{column} = :lo{i}"
        else:
            where = f"{column} >= :lo{i} AND {column} < :hi{i}"
            params[f"hi{i}"] = span.high
        as_text = isinstance(span.low, date) and _is_sqlite(s)
        params[f"lo{i}"] = span.low.isoformat() if as_text else span.low  # as stored
        counts.append(f"(SELECT count(*) FROM (SELECT 1 FROM patients WHERE {where} LIMIT :cap) AS span{i})")
    # max(id) is read from the end of the table's b-tree: the number of patients, near enough.
    sql = "SELECT coalesce((SELECT max(id) FROM patients), 0), " + ", ".join(counts)
    row = tuple(s.execute(text(sql), params).one())
    if rights is not None and not rights.checked:
        rights.verify(row[1])
        row = (row[0], *row[2:])
    patients, per_span = int(row[0]), [int(x) for x in row[1:]]
    entries, exact, i = [], [], 0
    for word in words:
        mine = per_span[i : i + len(word)]
        i += len(word)
        entries.append(sum(mine))
        exact.append(all(x < cap for x in mine))
    return _Probe(patients, entries, exact, per_span)


def _is_sqlite(s: Session) -> bool:
    return s.get_bind().dialect.name == "sqlite"
