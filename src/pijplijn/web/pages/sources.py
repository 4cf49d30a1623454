"""Bronnen: the datasets with their provenance, and the classification versions."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack
from pijplijn.engine.check import CheckReport, check_published
from pijplijn.engine.classify import ClassificationSummary, list_classifications
from pijplijn.engine.datasets import DatasetSummary, list_datasets
from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.labour.coverage import coverage_check
from pijplijn.engine.version import data_version
from pijplijn.views.render import View, ViewTable
from pijplijn.web.deps import CatalogDep, PackDep, SessionDep
from pijplijn.web.negotiate import page_route
from pijplijn.web.pages.common import render_page

router = APIRouter(include_in_schema=False)


class SourcesView(View):
    datasets: list[DatasetSummary]
    classifications: list[ClassificationSummary]
    check: CheckReport

    def tables(self) -> list[ViewTable]:
        """The datasets with their provenance, the classification versions, and the
        findings of ``pijplijn check``."""
        datasets = [d.model_dump(mode="json") for d in self.datasets]
        return [
            ViewTable(
                name="datasets",
                title="Datasets",
                columns=[
                    "id",
                    "source_key",
                    "source",
                    "title",
                    "publisher",
                    "licence",
                    "periods",
                    "coverage",
                    "active_rows",
                    "status",
                    "disclosure",
                    "sha256",
                ],  # fmt: skip
                rows=datasets,
            ),
            ViewTable(
                name="classificaties",
                title="Classificaties",
                columns=["name", "version", "valid_from", "description", "rules"],
                rows=[c.model_dump(mode="json") for c in self.classifications],
            ),
            ViewTable(
                name="controle",
                title="Gepubliceerde cijfers",
                columns=[
                    "subject",
                    "period",
                    "measure",
                    "unit",
                    "published",
                    "computed",
                    "verdict",
                    "explanation",
                ],  # fmt: skip
                rows=[
                    {
                        **f.model_dump(mode="json"),
                        "unit": "share" if f.measure == "published_share" else "count",
                    }
                    for f in self.check.findings
                ],
                units={"published": "=unit", "computed": "=unit"},
            ),
        ]


def sources_view(session: Session, pack: ContentPack, catalog: Catalog) -> SourcesView:
    """Return what the sources page shows: datasets, classification versions and the
    findings of ``pijplijn check``."""
    return SourcesView(
        datasets=list_datasets(session),
        classifications=list_classifications(session),
        check=check_published(
            session, catalog, pack.published_checks, coverage_check(session, pack)
        ),
    )


@page_route(router, "/bronnen")
def sources(request: Request, session: SessionDep, pack: PackDep, catalog: CatalogDep) -> Response:
    view = sources_view(session, pack, catalog)
    return render_page(request, "sources.html", view, data_version(session))
