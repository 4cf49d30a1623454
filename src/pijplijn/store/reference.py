"""Reference data in the store: regions, region sets and institutions, and the import
context built from them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from pijplijn.content.loader import ContentPack, RegionSetDef
from pijplijn.ingest.context import CbsMeasure, ImportContext, normalise_place
from pijplijn.ingest.records import InstitutionRecord, RegionRecord
from pijplijn.reference.labour_regions import (
    COROP_UNKNOWN,
    PROVINCE_ALIASES,
    load_labour_regions,
)
from pijplijn.store.models import (
    Classification,
    ClassificationRule,
    Institution,
    Region,
    RegionMember,
)


def sync_reference(session: Session, pack: ContentPack) -> None:
    """Insert or update the pack's regions, region sets, institutions and classifications,
    and the core's national regions (gemeenten, provinces, COROP, arbeidsmarktregio's)."""
    upsert_regions(session, [RegionRecord(r.code, r.name, r.kind, r.parent) for r in pack.regions])
    sync_national_regions(session)
    upsert_regions(
        session,
        [RegionRecord(s.code, s.name, "regioset", _set_parent(s)) for s in pack.region_sets],
    )
    for region_set in pack.region_sets:
        for member in region_set.members:
            session.merge(RegionMember(set_code=region_set.code, member_code=member))
        parent = _set_parent(region_set)
        stored = session.get(Region, region_set.code)
        if stored is not None and parent is not None and stored.parent_code != parent:
            stored.parent_code = parent
    upsert_institutions(
        session,
        [
            InstitutionRecord(
                brin=i.brin,
                name=i.name,
                kind=i.kind,
                place=i.place,
                gemeente_code=i.gemeente,
                region_basis=i.region_basis,
            )
            for i in pack.institutions
        ],
    )
    sync_classifications(session, pack)


def _set_parent(region_set: RegionSetDef) -> str | None:
    """A region set that declares its COROP area lies in it (the area lies in the set's
    province): the regions around Twente are then CR12, PV23, NL01, innermost first, so a
    figure published per COROP area is found for the set and labelled with the area."""
    declared = region_set.labour_market
    if declared is not None and declared.corop is not None:
        corop = load_labour_regions().find("corop", declared.corop)
        if corop is not None:
            return corop.code
    return region_set.parent


def sync_national_regions(session: Session) -> None:
    """Add the core's reference regions the store lacks: the provinces, every gemeente (in
    its province), the COROP areas (in their province, CR99 for what CBS cannot place) and
    the arbeidsmarktregio's (in NL01: some cross province borders), with their gemeenten.
    Names carry CBS's kind suffix, 'Twente (CR)', so areas with the same name differ."""
    reference = load_labour_regions()
    records = [RegionRecord("NL01", "Nederland", "land")]
    records += [RegionRecord(c, n, "provincie", "NL01") for c, n in reference.provinces.items()]
    records += [
        RegionRecord(code, name, "gemeente", province)
        for code, (name, province) in reference.gemeenten.items()
    ]
    suffix = {"corop": "CR", "arbeidsmarktregio": "AM"}
    records += [
        RegionRecord(r.code, f"{r.name} ({suffix[r.kind]})", r.kind, r.province or "NL01")
        for r in reference.regions
    ]
    records.append(RegionRecord(*COROP_UNKNOWN, "corop", "NL01"))
    upsert_regions(session, records)
    known = {
        (s, m) for s, m in session.execute(select(RegionMember.set_code, RegionMember.member_code))
    }
    session.add_all(
        RegionMember(set_code=r.code, member_code=m)
        for r in reference.regions
        for m in r.members
        if (r.code, m) not in known
    )
    session.flush()


def sync_classifications(session: Session, pack: ContentPack) -> None:
    """Store the pack's classification versions; the pack is the source of their rules."""
    for definition in pack.classifications:
        for version in definition.versions:
            stored = session.scalar(
                select(Classification).where(
                    Classification.name == definition.name,
                    Classification.version == version.version,
                )
            )
            if stored is None:
                stored = Classification(name=definition.name, version=version.version)
                session.add(stored)
            stored.title = definition.title
            stored.valid_from = version.valid_from
            stored.description = version.description or definition.description
            stored.source = version.source
            session.flush()
            session.execute(
                delete(ClassificationRule).where(ClassificationRule.classification_id == stored.id)
            )
            for rule in version.rules:
                operator, values = rule.operator_values()
                session.add_all(
                    ClassificationRule(
                        classification_id=stored.id,
                        stage=stage,
                        field=rule.field,
                        operator=operator,
                        match=value,
                        domain=definition.name,
                    )
                    for stage in rule.stages
                    for value in values
                )
    session.flush()


def upsert_regions(session: Session, regions: Iterable[RegionRecord]) -> None:
    """Add regions not yet known; a known region keeps its name and parent."""
    for record in regions:
        known = session.get(Region, record.code)
        if known is None:
            session.add(
                Region(
                    code=record.code,
                    name=record.name,
                    kind=record.kind,
                    parent_code=record.parent_code,
                )
            )
        elif known.parent_code is None:
            known.parent_code = record.parent_code
    session.flush()


def upsert_institutions(session: Session, institutions: Iterable[InstitutionRecord]) -> None:
    """Add institutions not yet known; fill in what a known one still lacks."""
    for record in institutions:
        known = session.get(Institution, record.brin)
        if known is None:
            session.add(
                Institution(
                    brin=record.brin,
                    name=record.name,
                    kind=record.kind,
                    place=record.place,
                    gemeente_code=record.gemeente_code,
                    region_basis=record.region_basis,
                )
            )
            continue
        known.kind = known.kind or record.kind
        known.place = known.place or record.place
        if known.gemeente_code is None:
            known.gemeente_code = record.gemeente_code
            known.region_basis = record.region_basis
    session.flush()


def cbs_measures(pack: ContentPack) -> dict[str, CbsMeasure]:
    """Return the pack's mapping of CBS StatLine measures as importers see it."""
    return {
        key: CbsMeasure(m.measure, m.unit, m.note, m.year_note)
        for key, m in pack.cbs_measures.items()
    }


def import_context(session: Session, pack: ContentPack) -> ImportContext:
    """Return what importers may know: regions, gemeente and province names, institutions."""
    regions = session.scalars(select(Region)).all()
    gemeenten = {normalise_place(r.name): r.code for r in regions if r.kind == "gemeente"}
    provinces = {normalise_place(r.name): r.code for r in regions if r.kind == "provincie"}
    for code, aliases in PROVINCE_ALIASES.items():
        provinces.update({normalise_place(alias): code for alias in aliases})
    for region in pack.regions:
        target = provinces if region.kind == "provincie" else gemeenten
        target.update({normalise_place(alias): region.code for alias in region.aliases})
    known = {r.code for r in regions}
    gemeenten.update({normalise_place(p): c for p, c in pack.places.items() if c in known})
    return ImportContext(
        cbs_measures=cbs_measures(pack),
        region_names={f"{r.kind}:{r.name.lower()}": r.code for r in regions},
        regions={r.code: r.kind for r in regions},
        gemeente_by_name=gemeenten,
        institutions={i.brin: i.gemeente_code for i in session.scalars(select(Institution))},
        province_by_name=provinces,
    )
