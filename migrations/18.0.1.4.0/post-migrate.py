"""18.0.1.4.0 post-migration: data the new code reads that older versions did
not write. Each change is one function named after the branch that made it;
``migrate`` calls them.
"""

from odoo import SUPERUSER_ID, api


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


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {})
    clocks(env)
