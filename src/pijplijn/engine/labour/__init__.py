"""The labour market: technical demand (ROA, or estimated from national rates and the
region's jobs), the coverage of that demand by graduates, and the Arbeidsmarkt view."""
