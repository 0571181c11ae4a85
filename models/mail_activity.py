from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    # The after-sales step this to-do asks its user to sign (the engine's
    # AsqTransition.step): the engine closes it when the step is done.
    asq_step = fields.Char(
        string="After-Sales Step", readonly=True, index="btree_not_null"
    )
    # The line of the document the to-do is about ("<model>,<id>"), when the
    # line has no chatter of its own and its to-do is on its document (a
    # CAPA action's on its CAPA); empty for the document's own steps.
    asq_source = fields.Char(string="After-Sales Line", readonly=True)
