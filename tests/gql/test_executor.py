"""The executor's fast path for plain-attribute objects answers exactly as graphql-core does."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import pytest
import strawberry

from hub.gql.executor import HubExecutor, known_as
from tests.support.executor import items_through_general_path


@strawberry.enum
class Kind(enum.Enum):
    FILE = "file"
    FOLDER = "folder"


@strawberry.type
class Child:
    label: str


@strawberry.type
class Item:
    name: str
    size: float | None
    count: int
    kind: Kind
    when: datetime | None
    required: str
    child: Child | None = None

    @strawberry.field
    def shout(self, times: int = 1) -> str:
        return self.name.upper() * times


def items() -> list[Item]:
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return [
        Item(name="a", size=1.5, count=1, kind=Kind.FILE, when=when, required="x"),
        Item(name="b", size=None, count=2, kind=Kind.FOLDER, when=None, required="y"),
        Item(
            name="c",
            size=2.0,
            count=3,
            kind=Kind.FILE,
            when=when,
            required="z",
            child=Child(label="k"),
        ),
    ]


def broken() -> list[Item]:
    good, bad_null, bad_int = items()
    bad_null.required = None  # type: ignore[assignment]
    bad_int.count = "three"  # type: ignore[assignment]
    return [good, bad_null, bad_int]


@strawberry.type
class Tag:
    id: strawberry.ID
    on: bool
    label: str


class Label(str):
    """A str subclass: String's coercion gives it back as it is, not as a plain str."""


@strawberry.type
class Leaf:
    label: str
    required: str = "r"

    @strawberry.field
    async def slow(self) -> str:
        return self.label


@strawberry.type
class Branch:
    """Plain attributes holding objects and lists of objects (an event's town and people)."""

    name: str
    must: Leaf
    leaf: Leaf | None = None
    leaves: list[Leaf] = strawberry.field(default_factory=list)
    maybe: list[Leaf | None] | None = None


def branches() -> list[Branch]:
    one, two = Leaf(label="one"), Leaf(label="two")
    return [
        Branch(name="a", must=one, leaf=two, leaves=[one, two], maybe=[None, two]),
        Branch(name="b", must=two, leaves=(two,)),  # type: ignore[arg-type]
        Branch(name="c", must=one, leaf=one, leaves=[], maybe=[]),
    ]


def bad_branches() -> list[Branch | None]:
    a, b, c = branches()
    b.must = None  # type: ignore[assignment]
    c.leaves = [Leaf(label="x"), None]  # type: ignore[list-item]
    a.leaves = (leaf for leaf in a.leaves)  # type: ignore[assignment]
    a.maybe = [Leaf(label="y", required=None)]  # type: ignore[arg-type]
    return [a, b, c]


@strawberry.type
class Summary:
    count: int


@strawberry.type
class Folder:
    """A field with a resolver whose value the source may already hold (``known_as``)."""

    name: str
    known_summary: strawberry.Private[Summary | None] = None

    @strawberry.field(metadata=known_as("known_summary"))
    async def summary(self) -> Summary:
        # the attribute when it is set (known_as's contract), else worked out
        return self.known_summary or Summary(count=len(self.name))

    @strawberry.field(metadata=known_as("known_summary"))
    def maybe_summary(self) -> Summary | None:
        return self.known_summary


def folders(known: bool) -> list[Folder]:
    return [
        Folder(name="ab", known_summary=Summary(count=2) if known else None),
        Folder(name="abc", known_summary=Summary(count=3)),
    ]


async def later_item(name: str) -> Item:
    return Item(name=name, size=None, count=0, kind=Kind.FILE, when=None, required="r")


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return items()

    @strawberry.field
    def broken(self) -> list[Item | None]:
        return broken()

    @strawberry.field
    async def later(self) -> list[Item]:
        return items()

    @strawberry.field
    def holes(self) -> list[Item | None]:
        first, _, last = items()
        return [first, None, last]

    @strawberry.field
    def strict(self) -> list[Item]:
        return [items()[0], None]  # type: ignore[list-item]

    @strawberry.field
    def generated(self) -> list[Item]:
        return (item for item in items())  # type: ignore[return-value]

    @strawberry.field
    def tupled(self) -> list[Item]:
        return tuple(items())  # type: ignore[return-value]

    @strawberry.field
    def pending(self) -> list[Item]:
        return [later_item("p"), later_item("q")]  # type: ignore[list-item]

    @strawberry.field
    def wrong(self) -> list[Item]:
        return [items()[0], Child(label="not an item")]  # type: ignore[list-item]

    @strawberry.field
    def branches(self) -> list[Branch]:
        return branches()

    @strawberry.field
    def bad_branches(self) -> list[Branch | None]:
        return bad_branches()

    @strawberry.field
    def known(self) -> list[Folder]:
        return folders(known=True)

    @strawberry.field
    def unknown(self) -> list[Folder]:
        return folders(known=False)

    @strawberry.field
    def tags(self) -> list[Tag]:
        return [
            Tag(id=strawberry.ID("t1"), on=True, label="plain"),
            Tag(id=7, on=1, label=Label("sub")),  # type: ignore[arg-type]
        ]


QUERIES = [
    "{ items { name size count kind when required } }",
    "{ items { __typename n: name name size2: size } }",
    "{ items { name shout(times: 2) } }",
    "{ items { name child { label __typename } } }",
    "{ items { ...F } } fragment F on Item { name kind }",
    "query Q($skip: Boolean!) { items { name count @skip(if: $skip) } }",
    "{ broken { name required } }",
    "{ broken { name count } }",
    "{ later { name when } }",
    "{ holes { name size } }",
    "{ strict { name } }",
    "{ generated { name kind } }",
    "{ tupled { name when } }",
    "{ pending { name required } }",
    "{ wrong { name } }",
    "{ tags { id on label __typename } }",
    "{ branches { name must { label required } leaf { label } leaves { label } maybe { label } } }",
    "{ branches { leaf { __typename n: label } leaves { ...L } } } fragment L on Leaf { label }",
    "{ branches { name leaves { label slow } } }",
    "query Q($skip: Boolean!) { branches { name leaf @skip(if: $skip) { label } must { label } } }",
    "{ branches { name must { label ... on Leaf @defer { required } } } }",
    "{ badBranches { name must { label } } }",
    "{ badBranches { name leaves { label } } }",
    "{ badBranches { name maybe { label required } } }",
    "{ known { name summary { count } } unknown { name summary { count } } }",
    "{ known { maybeSummary { count } } unknown { maybeSummary { count } } }",
]


@pytest.mark.parametrize("query", QUERIES)
async def test_fast_path_answers_like_graphql_core(query: str) -> None:
    # given the same schema run by graphql-core's executor and by the hub's
    stock = strawberry.Schema(query=Query)
    fast = strawberry.Schema(query=Query, execution_context_class=HubExecutor)
    # when the query runs on both
    expected = await stock.execute(query, variable_values={"skip": True})
    got = await fast.execute(query, variable_values={"skip": True})
    # then data and errors (message and path) are the same
    assert expected.data is not None or expected.errors
    assert got.data == expected.data
    assert [(e.message, e.path) for e in got.errors or []] == [
        (e.message, e.path) for e in expected.errors or []
    ]


async def test_a_null_in_a_non_null_field_is_still_an_error() -> None:
    # given an object whose non-null field holds None
    fast = strawberry.Schema(query=Query, execution_context_class=HubExecutor)
    # when it is listed
    result = await fast.execute("{ broken { name required } }")
    # then the error names the field and the item is nulled, the others kept
    assert result.errors and result.errors[0].path == ["broken", 1, "required"]
    assert result.data == {
        "broken": [{"name": "a", "required": "x"}, None, {"name": "c", "required": "z"}]
    }


@pytest.mark.parametrize(
    ("query", "through_general_path"),
    [
        ("{ items { name size when } }", 0),
        ("{ tupled { name } }", 0),
        ("{ generated { name } }", 3),
        ("{ items { name child { label } } }", 0),
        ("{ branches { name must { label } leaves { label } maybe { label } } }", 0),
        ("{ branches { name leaves { label slow } } }", 3 + 3),
        ("{ broken { name count } }", 3),
        ("{ known { name summary { count } } }", 0),
        ("{ unknown { name summary { count } } }", 2),  # one not known: its resolver runs
        ("{ known { maybeSummary { count } } }", 2),  # nullable: None could be the value
    ],
)
async def test_lists_of_plain_objects_skip_the_per_item_path(
    query: str, through_general_path: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the per-item completion of graphql-core counted
    calls = items_through_general_path(monkeypatch)
    fast = strawberry.Schema(query=Query, execution_context_class=HubExecutor)
    # when the list is completed
    result = await fast.execute(query)
    # then only lists the fast path cannot answer go item by item
    assert result.data is not None
    assert len(calls) == through_general_path
