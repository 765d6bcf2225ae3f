"""``corridor report``: the reports an operation sends out (HXL exports, situation reports).

Each report's command lives in its own module; this group only gathers them.
"""

from __future__ import annotations

import typer

from corridor.cli import hxl, sitrep

report_app = typer.Typer(help="Reports for staff, monitors and the public: HXL exports and "
                              "situation reports.", no_args_is_help=True)

report_app.command("hxl")(hxl.report_hxl)
report_app.command("sitrep")(sitrep.report_sitrep)
