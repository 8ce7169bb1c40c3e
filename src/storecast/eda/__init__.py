"""Exploration report: questions the finance team asked, answered from the data (see `render.build_report`).

Kept empty of imports so ``storecast --help`` never loads matplotlib; import `storecast.eda.render` for the report.
"""

__all__: list[str] = []
