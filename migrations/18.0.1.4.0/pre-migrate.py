"""18.0.1.4.0 pre-migration: columns the ORM would otherwise fill by computing
them for every record (and track the change in every chatter).
"""


def clocks(cr):
    """``asq_complaint.onsite_locality`` (the locality the on-site clock counts
    from): the customer's today, remote where unset, as the compute would set
    it, without logging "Customer Locality: → Local" on every complaint, closed
    ones included."""
    cr.execute(
        """
            ALTER TABLE asq_complaint
            ADD COLUMN IF NOT EXISTS onsite_locality varchar;
            UPDATE asq_complaint c
               SET onsite_locality = COALESCE(cp.asq_locality, 'remote')
              FROM res_partner p
              JOIN res_partner cp ON cp.id = p.commercial_partner_id
             WHERE p.id = c.partner_id
               AND c.onsite_locality IS NULL
        """
    )


def migrate(cr, version):
    if not version:
        return
    clocks(cr)
