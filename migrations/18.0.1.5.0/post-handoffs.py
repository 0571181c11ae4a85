"""18.0.1.5.0 post-migration ([15] hand-offs).

The customer's reply template no longer shows internal findings (root
cause, responsibility, on-site result). The data file has just written its
English body; its translations still hold the old body with those lines:
they are dropped here, and the module's translations, loaded right after the
post-migrations, fill them again from the new terms of ``i18n/*.po``.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute(
        """
        UPDATE mail_template t
           SET body_html = jsonb_build_object('en_US', t.body_html->'en_US')
          FROM ir_model_data d
         WHERE d.model = 'mail.template'
           AND d.res_id = t.id
           AND d.module = 'after_sales_quality'
           AND d.name = 'asq_complaint_mail_template_reply'
        """
    )
    _logger.info("handoffs: reply template translations reset (%s)", cr.rowcount)
