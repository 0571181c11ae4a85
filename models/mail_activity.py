from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # The after-sales step this to-do asks its user to sign (the engine's
    # AsqTransition.step): the engine closes it when the step is done.
    asq_step = fields.Char(
        string="After-Sales Step", readonly=True, index="btree_not_null"
    )
