"""Malformed headers and bodies on the HTTP routes beside /graphql — downloads (Range), the
multipart upload route, the JSON endpoint itself, the portal's forms and pages — sent signed
in and not: the hub answers each with a refusal, never a 5xx."""

from __future__ import annotations

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import CASES, EXAMPLES, PROBLEMS, FuzzHub

FUZZ = settings(
    max_examples=EXAMPLES * 5,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
# Header values as raw bytes: what a hostile client sends is not limited to ASCII.
HEADER = st.one_of(
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=80),
    st.sampled_from(
        [
            "bytes=²-",
            "bytes=" + "9" * 5000 + "-",
            "bytes=5-2",
            "bytes=-0",
            "bytes=0-0,0-0,0-0",
            "bytes=",
            "items=0-1",
            "bytes=1-2,",
            "bytes= 0 - 9",
        ]
    ),
).map(lambda v: v.encode("utf-8"))
BODY = st.one_of(st.binary(max_size=2048), st.text(max_size=512).map(str.encode))
PATHS = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["/", "../", "/%2e%2e/", "/a;b", "/\x00", "/.~entente-upload-x", "//x"]),
)
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            "application/json",
            "multipart/form-data",
            "multipart/form-data; boundary=",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "text/plain",
            "application/graphql",
            "",
        ]
    ).map(str.encode),
    HEADER,
)


def check(answer: httpx.Response, what: str) -> None:
    CASES["HTTP"] += 1
    if answer.status_code >= 500:
        problem = f"{what}: HTTP {answer.status_code}"
        PROBLEMS.append(problem)
        raise AssertionError(problem)


@FUZZ
@given(path=PATHS, range_=HEADER, signed=st.booleans())
def test_downloads_with_odd_ranges_and_paths(
    fuzz_hub: FuzzHub, path: str, range_: str, signed: bool
) -> None:
    headers = {"Range": range_}
    if signed:
        headers["Authorization"] = f"Bearer {fuzz_hub.tokens['camille']}"
    for workspace in (fuzz_hub.workspaces[0], "nope", "0" * 40):
        answer = httpx.get(
            f"{fuzz_hub.url}/download/{workspace}",
            params={"path": path},
            headers=headers,
            timeout=60,
        )
        check(answer, f"download {workspace} {path!r} Range {range_[:40]!r}")


@FUZZ
@given(content_type=CONTENT_TYPES, body=BODY, signed=st.booleans(), length=st.booleans())
def test_the_upload_route_with_odd_bodies(
    fuzz_hub: FuzzHub, content_type: bytes, body: bytes, signed: bool, length: bool
) -> None:
    client = fuzz_hub.portal["camille"]
    headers = {"Content-Type": content_type} if content_type else {}
    if signed:
        headers["Authorization"] = f"Bearer {fuzz_hub.tokens['camille']}"
    else:
        headers["X-CSRF-Token"] = fuzz_hub.csrf["camille"]
    if not length:
        headers["Transfer-Encoding"] = "chunked"
        answer = client.post("/graphql/upload", content=iter([body]), headers=headers)
    else:
        answer = client.post("/graphql/upload", content=body, headers=headers)
    check(answer, f"upload {content_type[:40]!r} {body[:40]!r}")


@FUZZ
@given(content_type=CONTENT_TYPES, body=BODY, method=st.sampled_from(["POST", "GET", "PUT"]))
def test_the_graphql_endpoint_with_odd_bodies(
    fuzz_hub: FuzzHub, content_type: bytes, body: bytes, method: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = httpx.request(
        method, f"{fuzz_hub.url}/graphql", content=body, headers=headers, timeout=60
    )
    check(answer, f"{method} /graphql {content_type[:40]!r} {body[:40]!r}")


FORMS = [
    "/auth/login", "/agenda/events", "/agenda/events/edit", "/agenda/events/delete",
    "/admin/towns", "/towns/igny/staff", "/towns/igny/members", "/towns/igny/members/remove",
    "/admin/people/offboard", "/files/{ws}/folder", "/files/{ws}/move", "/files/{ws}/delete",
    "/files/{ws}/upload", "/auth/logout", "/privacy/retention", "/privacy/people/x/export",
    "/privacy/people/x/erase",
]  # fmt: skip
PAGES = [
    "/", "/agenda", "/files", "/files/{ws}", "/time-sharing", "/admin", "/admin/people",
    "/admin/audit", "/towns/igny", "/agenda/events/edit", "/files/{ws}/delete", "/language",
    "/privacy", "/privacy/people/x", "/privacy/people/x/erase", "/privacy/exports/x/data.json",
    "/privacy/register/igny.csv",
]  # fmt: skip


@FUZZ
@given(
    form=st.sampled_from(FORMS),
    fields=st.dictionaries(
        st.sampled_from(
            [
                "csrf",
                "slug",
                "name",
                "inseeCode",
                "path",
                "from",
                "to",
                "title",
                "start",
                "end",
                "town",
                "role",
                "share",
                "person",
                "id",
                "etag",
                "username",
                "password",
                "email",
                "displayName",
                "next",
                "overwrite",
                "auditDays",
                "sessionDays",
            ]
        ),
        st.one_of(
            st.text(max_size=80),
            st.sampled_from(["\ud800", "9999-12-31T23:59", "-1", "1e309", "NaN", "<b>"]),
        ),
        max_size=8,
    ),
    with_csrf=st.booleans(),
    role=st.sampled_from(["camille", "ines", "admin"]),
)
def test_portal_forms_with_odd_fields(
    fuzz_hub: FuzzHub, form: str, fields: dict[str, str], with_csrf: bool, role: str
) -> None:
    if with_csrf:
        fields = {**fields, "csrf": fuzz_hub.csrf[role]}
    path = form.replace("{ws}", fuzz_hub.workspaces[0])
    body = "&".join(
        f"{httpx.QueryParams({k: v.encode('utf-8', 'surrogatepass').decode('latin-1')})}"
        for k, v in fields.items()
    )
    answer = fuzz_hub.portal[role].post(
        path, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    check(answer, f"POST {path} as {role} {body[:80]!r}")


@FUZZ
@given(
    page=st.sampled_from(PAGES),
    params=st.dictionaries(
        st.sampled_from(
            [
                "path",
                "week",
                "month",
                "town",
                "id",
                "next",
                "lang",
                "q",
                "start",
                "person",
                "action",
                "after",
                "first",
                "search",
            ]
        ),
        st.one_of(
            st.text(max_size=60), st.sampled_from(["%3Cb%3E", "2026-W99", "9999-13", "../..", "-1"])
        ),
        max_size=4,
    ),
    role=st.sampled_from(["camille", "louis", "admin"]),
)
def test_portal_pages_with_odd_parameters(
    fuzz_hub: FuzzHub, page: str, params: dict[str, str], role: str
) -> None:
    path = page.replace("{ws}", fuzz_hub.workspaces[0])
    answer = fuzz_hub.portal[role].get(path, params=params)
    check(answer, f"GET {path} {params!r} as {role}")
