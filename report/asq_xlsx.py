"""Shared pieces of the addon's XLSX builders (complaint ledger, survey
report, statistics packs): the house formats and cell writers that keep
customer text as text."""


def asq_formats(workbook):
    """The formats every after-sales workbook uses, by role."""
    return {
        "header": workbook.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1}
        ),
        "title": workbook.add_format({"bold": True, "font_size": 14}),
        "number": workbook.add_format({"num_format": "0.0"}),
        "amount": workbook.add_format({"num_format": "#,##0.00", "valign": "top"}),
        "wrap": workbook.add_format({"text_wrap": True, "valign": "top"}),
    }


def asq_write(sheet, row, col, value, number_format=None, text_format=None):
    """Write ``value``: numbers as numbers (``number_format`` for floats),
    anything else with write_string,
    so that a text typed by a customer such as "=1+1", "+86..." or "@home"
    stays text and is never read as a formula."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        # Counts stay whole numbers; the format is for measured values.
        sheet.write_number(
            row, col, value, number_format if isinstance(value, float) else None
        )
    else:
        sheet.write_string(row, col, str(value or ""), text_format)


def asq_write_row(sheet, row, values, number_format=None, text_format=None):
    """Write ``values`` from the first column of ``row``."""
    for col, value in enumerate(values):
        asq_write(sheet, row, col, value, number_format, text_format)


def asq_write_headers(sheet, row, headers, header_format, widths=None):
    """Write the column headers (strings) and, if given, the column widths."""
    for col, header in enumerate(headers):
        sheet.write_string(row, col, header, header_format)
    for col, width in enumerate(widths or ()):
        sheet.set_column(col, col, width)
