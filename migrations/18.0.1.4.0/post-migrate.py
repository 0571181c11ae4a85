"""18.0.1.4.0 post-migration: data the new code reads that older versions did
not write. (The new stored compute ``asq.complaint.counts_as_complaint`` is
computed for every existing complaint when its column is added; the new
company settings take their default; the complaints' ``onsite_locality`` is
filled by the pre-migration.)
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def ratios(cr):
    """``finance_exchange_ratio`` of the return requests finance checked
    before 18.0.1.4.0: the one ratio finance then compared with the cap, the
    figure it signed (``finance_ratio``), so that the frozen record shows
    what the verdict was taken on."""
    cr.execute(
        """
        UPDATE asq_return
           SET finance_exchange_ratio = finance_ratio
         WHERE finance_user_id IS NOT NULL
           AND finance_exchange_ratio IS NULL
        """
    )
    _logger.info("ratios: %s checked return requests backfilled", cr.rowcount)


def clocks(env):
    """The complaint clocks count elapsed time by default now (procedure 001,
    4.4: "24小時內", "七天內", "3天內"), clock by clock configurable: the
    complaints still open are planned again on their company's setting, so
    their deadlines match the basis the form shows. Closed and cancelled
    complaints keep the deadlines they were held to."""
    Complaint = env["asq.complaint"].with_context(active_test=False)
    complaints = Complaint.search([("state", "not in", ("closed", "cancel"))])
    for fname in Complaint._asq_deadline_fields:
        env.add_to_compute(Complaint._fields[fname], complaints)
    env.flush_all()


def retnote(env):
    """The return note is due from the booking into stock now, and goes out
    once a sales clerk checked it (procedure 001, 4.2.8-4.2.9: 「倉庫開具退貨
    入庫單后……營銷文員負責及時審核《退貨單》並予第二天上午12:00前把《退貨單》
    傳真給各客戶」). Requests done before 18.0.1.4.0 whose note was never sent
    and which booked accepted goods get their booking time (their last
    put-away, else their last change) so that the clerks get the check to
    do; the deadline of every note not yet sent is planned again from the
    booking (cleared while nothing is booked); the notes sent keep the
    deadline they were held to."""
    env.cr.execute(
        """
        UPDATE asq_return r
           SET booked_date = COALESCE(
                   (SELECT max(p.date_done) FROM stock_picking p
                     WHERE p.asq_return_id = r.id
                       AND p.asq_return_role = 'putaway'
                       AND p.state = 'done'),
                   r.write_date)
         WHERE r.state = 'done'
           AND r.booked_date IS NULL
           AND r.note_sent_date IS NULL
           AND EXISTS (SELECT 1 FROM asq_return_line l
                        WHERE l.return_id = r.id
                          AND l.qc_result = 'accept'
                          AND l.received_qty > 0)
        """
    )
    _logger.info("retnote: %s done return requests booked", env.cr.rowcount)
    Return = env["asq.return"].with_context(active_test=False)
    returns = Return.search([("note_sent_date", "=", False)])
    env.add_to_compute(Return._fields["note_deadline"], returns)
    env.flush_all()
    returns.filtered("booked_date")._asq_update_todos()


def migrate(cr, version):
    if not version:
        return
    ratios(cr)
    clocks(api.Environment(cr, SUPERUSER_ID, {}))
    retnote(api.Environment(cr, SUPERUSER_ID, {}))
