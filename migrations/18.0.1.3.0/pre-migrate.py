"""18.0.1.3.0 pre-migration: one naming scheme for who/when fields, ``<step>_user_id`` /
``<step>_date`` (issue [13]), so the workflow engine stamps every document the
same way. Columns, field metadata and their XML ids are renamed in place, so
values, tracking history (``mail.tracking.value.field_id``) and translations
of the labels survive."""

import logging

_logger = logging.getLogger(__name__)

RENAMES = {
    "asq.capa": [
        ("analysis_by_id", "analysis_user_id"),
        ("signoff_by_id", "signoff_user_id"),
        ("verified_by_id", "verified_user_id"),
    ],
    "asq.capa.action": [("done_by_id", "done_user_id"), ("date_done", "done_date")],
    "asq.complaint": [
        (f"{step}_{old}", f"{step}_{new}")
        for step in (
            "submitted",
            "judged",
            "investigated",
            "onsite",
            "decided",
            "replied",
            "confirmed",
            "closed",
            "cancelled",
        )
        for old, new in (("by", "user_id"), ("at", "date"))
    ]
    + [("received_at", "received_date")],
    "asq.hold": [
        ("opened_by_id", "opened_user_id"),
        ("opened_at", "opened_date"),
        ("verified_by_id", "verified_user_id"),
        ("verified_at", "verified_date"),
        ("released_by_id", "released_user_id"),
        ("released_at", "released_date"),
    ],
    "asq.hold.buyer": [("last_notice_at", "last_notice_date")],
    "asq.hold.notice": [("sent_by_id", "sent_user_id"), ("sent_at", "sent_date")],
    "asq.kpi.pack": [
        ("generated_by_id", "generated_user_id"),
        ("generated_at", "generated_date"),
        ("sent_by_id", "sent_user_id"),
        ("sent_at", "sent_date"),
    ],
    "asq.return": [
        (f"{step}_by_id", f"{step}_user_id")
        for step in ("review", "finance", "business", "gm", "received", "qc")
    ],
    "asq.return.line": [("qc_by_id", "qc_user_id")],
    "asq.service.visit": [
        ("started_by", "started_user_id"),
        ("started_at", "started_date"),
        ("done_by", "done_user_id"),
        ("done_at", "done_date"),
        ("signed_by", "signed_user_id"),
        ("signed_on", "signed_date"),
        ("cancelled_by", "cancelled_user_id"),
        ("cancelled_at", "cancelled_date"),
    ],
    "asq.survey.campaign": [
        ("sampled_by_id", "sampled_user_id"),
        ("closed_by_id", "closed_user_id"),
    ],
    "asq.vendor.maintenance": [
        ("verified_by", "verified_user_id"),
        ("verified_at", "verified_date"),
    ],
    "asq.vendor.rectification": [
        (f"{step}_{old}", f"{step}_{new}")
        for step in (
            "rectified",
            "verified",
            "escalation_submitted",
            "escalation_approved",
        )
        for old, new in (("by", "user_id"), ("at", "date"))
    ],
    "asq.vendor.score": [
        ("confirmed_by", "confirmed_user_id"),
        ("confirmed_at", "confirmed_date"),
    ],
}


def _column_exists(cr, table, column):
    cr.execute(
        """SELECT 1 FROM information_schema.columns
            WHERE table_name = %s AND column_name = %s""",
        [table, column],
    )
    return bool(cr.fetchone())


def rename_who_when_fields(cr):
    for model, pairs in RENAMES.items():
        table = model.replace(".", "_")
        for old, new in pairs:
            if not _column_exists(cr, table, old) or _column_exists(cr, table, new):
                continue
            cr.execute(f'ALTER TABLE "{table}" RENAME COLUMN "{old}" TO "{new}"')
            cr.execute(
                "UPDATE ir_model_fields SET name = %s WHERE model = %s AND name = %s",
                [new, model, old],
            )
            cr.execute(
                """UPDATE ir_model_data SET name = %s
                    WHERE module = 'after_sales_quality' AND model = 'ir.model.fields'
                      AND name = %s""",
                [f"field_{table}__{new}", f"field_{table}__{old}"],
            )
            _logger.info("after_sales_quality: renamed %s.%s to %s", model, old, new)


def migrate(cr, version):
    if not version:
        return
    rename_who_when_fields(cr)
