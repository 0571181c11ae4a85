"""Shared pieces of the addon's XLSX builders (complaint ledger, survey
report, statistics packs): the house formats and cell writers that keep
customer text as text, and the time zone dates are shown in."""

import datetime

import pytz

from odoo import fields


def asq_company_tz(company):
    """The company's time zone: its address's, else its working calendar's,
    else UTC. A company's documents (the statistics pack) cut their days in
    it, whoever generates them."""
    return company.partner_id.tz or company.resource_calendar_id.tz or "UTC"


def asq_tz(env):
    """The time zone dates are printed and exported in: the context's (the
    web client sends the user's), the user's, else the company's
    (:func:`asq_company_tz`)."""
    return env.context.get("tz") or env.user.tz or asq_company_tz(env.company)


def asq_local(env, value):
    """``value`` (a UTC datetime as the ORM stores it) as a naive datetime in
    :func:`asq_tz`: what a reader of the printout or the workbook expects
    (2026-01-01 20:00 UTC is 2026-01-02 04:00 in Shanghai). Dates and empty
    values are returned as they are."""
    if not value or not isinstance(value, datetime.datetime):
        return value
    try:
        tz = pytz.timezone(asq_tz(env))
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    value = fields.Datetime.to_datetime(value)
    return pytz.utc.localize(value).astimezone(tz).replace(tzinfo=None)


def asq_day_start(env, day):
    """The UTC moment (naive, as the ORM stores it) the local day ``day``
    starts at in :func:`asq_tz`: a period "from 2 January" filtered for a
    Shanghai user starts at 1 January 16:00 UTC, not at UTC midnight."""
    try:
        tz = pytz.timezone(asq_tz(env))
    except pytz.UnknownTimeZoneError:
        tz = pytz.utc
    start = tz.localize(datetime.datetime.combine(day, datetime.time.min))
    return start.astimezone(pytz.utc).replace(tzinfo=None)


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
        "date": workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"}),
        "datetime": workbook.add_format(
            {"num_format": "yyyy-mm-dd hh:mm", "valign": "top"}
        ),
    }


def asq_write(
    sheet, row, col, value, number_format=None, text_format=None, date_formats=None
):
    """Write ``value``: numbers as numbers (``number_format`` for floats),
    dates and datetimes (already local, see :func:`asq_local`) as date cells
    (``date_formats``: the "date" and "datetime" formats of
    :func:`asq_formats`), anything else with write_string,
    so that a text typed by a customer such as "=1+1", "+86..." or "@home"
    stays text and is never read as a formula."""
    if isinstance(value, datetime.date):
        kind = "datetime" if isinstance(value, datetime.datetime) else "date"
        sheet.write_datetime(row, col, value, (date_formats or {}).get(kind))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # Counts stay whole numbers; the format is for measured values.
        sheet.write_number(
            row, col, value, number_format if isinstance(value, float) else None
        )
    else:
        sheet.write_string(row, col, str(value or ""), text_format)


def asq_write_row(
    sheet, row, values, number_format=None, text_format=None, date_formats=None
):
    """Write ``values`` from the first column of ``row``."""
    for col, value in enumerate(values):
        asq_write(sheet, row, col, value, number_format, text_format, date_formats)


def asq_write_headers(sheet, row, headers, header_format, widths=None):
    """Write the column headers (strings) and, if given, the column widths."""
    for col, header in enumerate(headers):
        sheet.write_string(row, col, header, header_format)
    for col, width in enumerate(widths or ()):
        sheet.set_column(col, col, width)
