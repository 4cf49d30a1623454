"""Indicators: the catalogue, their evaluation over the cube, and results cached per data
version. Outputs call ``indicator_values`` (one data function per view)."""

from pijplijn.engine.indicators.catalog import Catalog
from pijplijn.engine.indicators.evaluate import evaluate, indicator_values
from pijplijn.engine.indicators.results import IndicatorValue, IndicatorValues

__all__ = ["Catalog", "IndicatorValue", "IndicatorValues", "evaluate", "indicator_values"]
