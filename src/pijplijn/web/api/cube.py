"""API: datasets, observations (the cube), regions and classifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import select

from pijplijn import vocabulary as vocab
from pijplijn.engine.classify import ClassificationSummary, list_classifications
from pijplijn.engine.cube import MAX_BY, CubeQuery, query_result, sources
from pijplijn.engine.datasets import DatasetSummary, list_datasets
from pijplijn.engine.disclosure import published
from pijplijn.engine.version import data_version
from pijplijn.store.models import Region
from pijplijn.web.deps import SessionDep
from pijplijn.web.negotiate import (
    JSON_CSV,
    ListFormat,
    TableFormatParam,
    chosen_format,
    etag_for,
    list_responses,
    listing,
    not_modified,
    records_response,
    table_format,
)
from pijplijn.web.problems import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1", tags=["kubus"], responses=ERROR_RESPONSES)

MAX_PAGE_SIZE = 1000
Code = Annotated[str, Query(max_length=64, pattern=r"^[\w@.\- &/()',]*$")]
"""Plain lists come as JSON or CSV; only observations also come as Parquet."""


class RegionOut(BaseModel):
    code: str
    name: str
    kind: str
    parent: str | None


@router.get(
    "/datasets", response_model=None, responses=JSON_CSV, summary="Geladen datasets met herkomst"
)
def datasets(request: Request, session: SessionDep, format: TableFormatParam = None) -> Response:
    """Every loaded dataset: source, publisher, licence, sha256, loader, periods, rows, status."""
    records = [d.model_dump(mode="json") for d in list_datasets(session)]
    return listing(
        request,
        data_version(session),
        records,
        table_format(request, format),
        "datasets",
    )


@router.get("/regions", response_model=None, responses=JSON_CSV, summary="Regio's en regiosets")
def regions(request: Request, session: SessionDep, format: TableFormatParam = None) -> Response:
    """Every region code usable as ``region=``: gemeenten, provinces, landsdelen, sets."""
    records = [
        RegionOut(code=r.code, name=r.name, kind=r.kind, parent=r.parent_code).model_dump()
        for r in session.scalars(select(Region).order_by(Region.code))
    ]
    return listing(
        request,
        data_version(session),
        records,
        table_format(request, format),
        "regions",
    )


@router.get(
    "/classifications",
    response_model=None,
    responses=JSON_CSV,
    summary="Versies van classificaties",
)
def classifications(
    request: Request, session: SessionDep, format: TableFormatParam = None
) -> Response:
    """Every version of every classification, with the rules it added and removed."""
    fmt = table_format(request, format)
    summaries: list[ClassificationSummary] = list_classifications(session)
    records = [s.model_dump(mode="json") for s in summaries]
    if fmt is not ListFormat.json:
        records = [{**r, "added": len(r["added"]), "removed": len(r["removed"])} for r in records]
    return listing(request, data_version(session), records, fmt, "classifications")


@router.get(
    "/observations",
    response_model=None,
    responses=list_responses(*ListFormat),
    summary="Kubusquery: filteren, optellen",
)
def observations(
    request: Request,
    session: SessionDep,
    measure: Annotated[
        str,
        Query(
            description="Maat",
            examples=["enrolled"],
            pattern="^(" + "|".join(vocab.MEASURES) + ")$",
        ),
    ],
    region: Code | None = None,
    institution: Annotated[str | None, Query(pattern=r"^\w{2,8}$")] = None,
    stage: Annotated[str | None, Query(pattern="^(" + "|".join(vocab.STAGES) + ")$")] = None,
    period: Annotated[list[str] | None, Query(max_length=60)] = None,
    by: Annotated[
        str,
        Query(
            max_length=200,
            pattern=r"^[a-z_,]*$",
            description=f"Dimensies, komma-gescheiden (hoogstens {MAX_BY})",
        ),
    ] = "",
    classification: Annotated[str | None, Query(pattern=r"^[a-z]+(@[\w.]+)?$")] = None,
    domain: Annotated[str | None, Query(pattern=r"^[a-z]+$")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    format: Annotated[ListFormat | None, Query(alias="format")] = None,
) -> Response:
    """Sum ``measure`` per period and per ``by`` dimension; flags pass through sums. JSON
    carries paging and provenance (dataset ids, classification version); CSV and Parquet are
    the whole table."""
    fmt = chosen_format(request, format, tuple(ListFormat))
    cube_query = CubeQuery(
        measure=measure,
        region=region,
        institution=institution,
        stage=stage,
        periods=tuple(p[:20] for p in period or ()),
        by=tuple(d for d in by.split(",") if d),
        classification=classification,
        filters={"domain": domain} if domain else {},
    )
    etag = etag_for(request, data_version(session))
    if cached := not_modified(request, etag):
        return cached
    rows = published(session, cube_query)
    records = [row.to_record() for row in rows]
    columns = list(dict.fromkeys(k for r in records for k in r))
    records = [{c: r.get(c) for c in columns} for r in records]
    used = sorted({r.classification for r in rows if r.classification})
    left_out = [
        {"dataset": o.dataset, "title": o.title, "periods": list(o.periods), "note": o.text}
        for o in query_result(session, cube_query).left_out
    ]
    envelope = {
        "provenance": {
            "datasets": sources(session, cube_query),
            "classification": used,
            "left_out": left_out,
        },
        "total": len(records),
        "page": page,
        "page_size": page_size,
    }
    if fmt is ListFormat.json:
        records = records[(page - 1) * page_size : page * page_size]
    return records_response(records, fmt, envelope, etag, f"observaties-{measure}")


__all__ = ["DatasetSummary", "router"]
