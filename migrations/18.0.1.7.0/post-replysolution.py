"""18.0.1.7.0 post-migration ([16] review meeting).

The customer's reply now carries the solution the department heads agreed
at the review meeting of a major complaint (004 §5.3.5 「应立即召集相关单位
主管进行检讨,并拟定解决方案回复客户」). The data file has just written the
template's new English body; its translations still hold the old body: they
are dropped here, and the module's translations, loaded right after the
post-migrations, fill them again from ``i18n/*.po``.
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
    _logger.info("reply template translations reset (%s)", cr.rowcount)
