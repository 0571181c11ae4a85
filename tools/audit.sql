-- after_sales_quality audit queries.
-- Every query lists the ids of records that break a rule of the after-sales
-- procedures; on a sound database each returns 0 rows.
-- Run: psql -d <database> -f tools/audit.sql   (or: make audit DB=<database>)
-- The tests and tools/upgrade_check.py read this file (tests/audit.py):
-- each query starts with "-- name:" and "-- why:" lines and ends with ";".
-- "Delivered to a customer", "returned" (less what QC rejected) and "received by a return receipt"
-- are written out here as in their one Python definition
-- (models/asq_delivered_line.py: asq_delivered_move_lines,
-- asq_returned_move_lines, asq_received_by_receipt, asq_received_by_line);
-- tests/test_definitions.py checks that both give the same rows.

-- name: return_received_without_receipt
-- why: a return request received, inspected or done must have a booked (done) return receipt into the QC location.
SELECT r.id FROM asq_return r
 WHERE r.state IN ('received', 'inspected', 'done')
   AND NOT EXISTS (SELECT 1 FROM stock_picking sp
                    WHERE sp.asq_return_id = r.id AND sp.asq_return_role = 'receipt'
                      AND sp.state = 'done')
 ORDER BY r.id;

-- name: return_transfer_without_request
-- why: a transfer marked as a return step (receipt, put-away, reject, replacement) must be linked to its return request.
SELECT sp.id FROM stock_picking sp
 WHERE sp.asq_return_role IS NOT NULL AND sp.asq_return_id IS NULL
 ORDER BY sp.id;

-- name: return_receipt_wrong_request
-- why: a done return receipt of a request only takes back moves of deliveries that request's lines name.
SELECT DISTINCT sp.id FROM stock_picking sp
  JOIN stock_move rm ON rm.picking_id = sp.id
 WHERE sp.asq_return_role = 'receipt' AND sp.state = 'done'
   AND NOT EXISTS (SELECT 1 FROM asq_return_line rl
                    WHERE rl.return_id = sp.asq_return_id
                      AND rl.move_id = rm.origin_returned_move_id)
 ORDER BY sp.id;

-- name: return_line_above_delivered
-- why: a submitted return request line never asks for more than was delivered on its move and lot.
SELECT rl.id FROM asq_return_line rl
  JOIN asq_return r ON r.id = rl.return_id
 WHERE r.state NOT IN ('draft', 'refused')
   AND rl.quantity > COALESCE((
        SELECT SUM(sml.quantity_product_uom) FROM stock_move_line sml
          JOIN stock_location dst ON dst.id = sml.location_dest_id
          JOIN stock_location src ON src.id = sml.location_id
          JOIN stock_move sm ON sm.id = sml.move_id
     LEFT JOIN stock_picking sp ON sp.id = sm.picking_id
         WHERE sml.move_id = rl.move_id AND sml.state = 'done'
           AND sml.lot_id IS NOT DISTINCT FROM rl.lot_id
           AND dst.usage = 'customer' AND src.usage <> 'customer'
           AND sp.asq_return_role IS DISTINCT FROM 'reject'), 0) + 0.0001
 ORDER BY rl.id;

-- name: returned_beyond_delivered
-- why: for every delivered move, the done returned quantity (return moves not going back to a customer, less what QC rejected: 「如因客戶原因造成的損壞,可拒收並書面說明」, those go back) never exceeds the delivered quantity; the send-back of rejected goods is no delivery.
SELECT d.move_id AS id FROM (
        SELECT sml.move_id, SUM(sml.quantity_product_uom) AS qty
          FROM stock_move_line sml
          JOIN stock_location dst ON dst.id = sml.location_dest_id
          JOIN stock_location src ON src.id = sml.location_id
          JOIN stock_move sm ON sm.id = sml.move_id
     LEFT JOIN stock_picking sp ON sp.id = sm.picking_id
         WHERE sml.state = 'done' AND dst.usage = 'customer' AND src.usage <> 'customer'
           AND sp.asq_return_role IS DISTINCT FROM 'reject'
      GROUP BY sml.move_id) d
  JOIN (SELECT x.move_id, SUM(x.qty) AS qty FROM (
            SELECT rm.origin_returned_move_id AS move_id, rml.quantity_product_uom AS qty
              FROM stock_move rm
              JOIN stock_move_line rml ON rml.move_id = rm.id
              JOIN stock_location dst ON dst.id = rml.location_dest_id
             WHERE rm.origin_returned_move_id IS NOT NULL
               AND rml.state = 'done' AND dst.usage <> 'customer'
         UNION ALL
            SELECT rj.move_id, -rj.received_qty FROM asq_return_line rj
             WHERE rj.qc_result = 'reject' AND rj.qc_date IS NOT NULL
               AND rj.received_qty > 0) x
      GROUP BY x.move_id) r ON r.move_id = d.move_id
 WHERE r.qty > d.qty + 0.0001
 ORDER BY d.move_id;

-- name: return_line_received_mismatch
-- why: a return request line's received quantity is what the done receipts of its request brought back of its delivered move and lot (lines sharing a move and lot are served in line order).
WITH received AS (
    SELECT sp.asq_return_id AS return_id, rm.origin_returned_move_id AS move_id,
           rml.lot_id, SUM(rml.quantity_product_uom) AS qty
      FROM stock_move_line rml
      JOIN stock_move rm ON rm.id = rml.move_id
      JOIN stock_picking sp ON sp.id = rm.picking_id
     WHERE sp.asq_return_role = 'receipt' AND rml.state = 'done'
  GROUP BY sp.asq_return_id, rm.origin_returned_move_id, rml.lot_id
), served AS (
    SELECT rl.id, rl.quantity, COALESCE(rl.received_qty, 0) AS received_qty,
           COALESCE(rc.qty, 0) + rl.quantity - SUM(rl.quantity)
               OVER (PARTITION BY rl.return_id, rl.move_id, rl.lot_id ORDER BY rl.id) AS left_qty
      FROM asq_return_line rl
 LEFT JOIN received rc
        ON rc.return_id = rl.return_id AND rc.move_id = rl.move_id
       AND rc.lot_id IS NOT DISTINCT FROM rl.lot_id
)
SELECT s.id FROM served s
 WHERE ABS(s.received_qty - GREATEST(LEAST(s.quantity, s.left_qty), 0)) > 0.0001
 ORDER BY s.id;

-- name: return_followup_beyond_received
-- why: the put-aways (or rejects), the replacement delivery and the credit notes of an inspected or done return request never take more of a product than its receipts brought back.
WITH received AS (
    SELECT rl.return_id, rl.product_id, SUM(COALESCE(rl.received_qty, 0)) AS qty
      FROM asq_return_line rl
      JOIN asq_return r ON r.id = rl.return_id
     WHERE r.state IN ('inspected', 'done')
  GROUP BY rl.return_id, rl.product_id
), followup AS (
    SELECT sp.asq_return_id AS return_id,
           CASE WHEN sp.asq_return_role = 'replacement' THEN 'replacement'
                ELSE 'putaway' END AS kind,
           sm.product_id, SUM(sm.product_qty) AS qty
      FROM stock_move sm
      JOIN stock_picking sp ON sp.id = sm.picking_id
     WHERE sp.asq_return_role IN ('putaway', 'reject', 'replacement')
       AND sm.state <> 'cancel'
  GROUP BY 1, 2, 3
     UNION ALL
    SELECT rel.asq_return_id, 'refund', aml.product_id,
           SUM(aml.quantity / au.factor * pu.factor)
      FROM account_move_asq_return_rel rel
      JOIN account_move am ON am.id = rel.account_move_id
      JOIN account_move_line aml ON aml.move_id = am.id
      JOIN uom_uom au ON au.id = aml.product_uom_id
      JOIN product_product pp ON pp.id = aml.product_id
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      JOIN uom_uom pu ON pu.id = pt.uom_id
     WHERE am.move_type = 'out_refund' AND am.state <> 'cancel'
       AND aml.display_type = 'product'
  GROUP BY 1, 2, 3
)
SELECT DISTINCT f.return_id AS id FROM followup f
  JOIN received rc ON rc.return_id = f.return_id AND rc.product_id = f.product_id
 WHERE f.qty > rc.qty + 0.001
 ORDER BY 1;

-- name: complaint_line_other_customer
-- why: the goods a complaint names were delivered to that complaint's customer.
SELECT cl.id FROM asq_complaint_line cl
  JOIN asq_complaint c ON c.id = cl.complaint_id
  JOIN res_partner cp ON cp.id = c.partner_id
  JOIN stock_move sm ON sm.id = cl.move_id
  LEFT JOIN stock_picking sp ON sp.id = sm.picking_id
  JOIN res_partner dp ON dp.id = COALESCE(sp.partner_id, sm.partner_id)
 WHERE COALESCE(dp.commercial_partner_id, dp.id) <> COALESCE(cp.commercial_partner_id, cp.id)
 ORDER BY cl.id;

-- name: complaint_other_company_delivery
-- why: a complaint of one company never names another company's delivery.
SELECT cl.id FROM asq_complaint_line cl
  JOIN asq_complaint c ON c.id = cl.complaint_id
  JOIN stock_move sm ON sm.id = cl.move_id
 WHERE sm.company_id <> c.company_id
 ORDER BY cl.id;

-- name: return_other_company_delivery
-- why: a return request of one company never takes back another company's delivery.
SELECT rl.id FROM asq_return_line rl
  JOIN asq_return r ON r.id = rl.return_id
  JOIN stock_move sm ON sm.id = rl.move_id
 WHERE sm.company_id <> r.company_id
 ORDER BY rl.id;

-- name: closed_capa_with_open_action
-- why: a CAPA is closed only once every action is done or cancelled.
SELECT a.id FROM asq_capa_action a
  JOIN asq_capa c ON c.id = a.capa_id
 WHERE c.state = 'closed' AND a.state = 'open'
 ORDER BY a.id;

-- name: signed_visit_without_signature
-- why: a service visit signed by the customer names the representative, who recorded it and when.
SELECT v.id FROM asq_service_visit v
 WHERE v.state = 'signed'
   AND (v.signer_name IS NULL OR v.signed_user_id IS NULL OR v.signed_date IS NULL)
 ORDER BY v.id;

-- name: closed_complaint_without_closer
-- why: a closed complaint records who closed it and when.
SELECT c.id FROM asq_complaint c
 WHERE c.state = 'closed' AND (c.closed_user_id IS NULL OR c.closed_date IS NULL)
 ORDER BY c.id;

-- name: approval_without_signer
-- why: every return approval and CAPA verification record names who signed and when.
SELECT a.id FROM asq_return_approval a
 WHERE a.user_id IS NULL OR a.date IS NULL
UNION ALL
SELECT -v.id FROM asq_capa_review v
 WHERE v.user_id IS NULL OR v.date IS NULL
 ORDER BY 1;

-- name: return_signature_missing
-- why: a return request past a step carries that step's signature (who and when).
SELECT r.id FROM asq_return r
 WHERE (r.state IN ('finance', 'business', 'gm', 'approved', 'received', 'inspected', 'done')
        AND (r.review_user_id IS NULL OR r.review_date IS NULL))
    OR (r.state IN ('business', 'gm', 'approved', 'received', 'inspected', 'done')
        AND (r.finance_user_id IS NULL OR r.finance_date IS NULL))
    OR (r.state IN ('approved', 'received', 'inspected', 'done')
        AND (r.business_user_id IS NULL OR r.business_date IS NULL))
    OR (r.state IN ('approved', 'received', 'inspected', 'done') AND r.finance_beyond
        AND (r.gm_user_id IS NULL OR r.gm_date IS NULL))
    OR (r.state IN ('inspected', 'done') AND (r.qc_user_id IS NULL OR r.qc_date IS NULL))
 ORDER BY r.id;

-- name: hold_released_without_who
-- why: a released quality hold records who released it and when.
SELECT h.id FROM asq_hold h
 WHERE h.state = 'released' AND (h.released_user_id IS NULL OR h.released_date IS NULL)
 ORDER BY h.id;

-- name: kpi_pack_sent_without_files
-- why: a statistics pack sent to management carries its files and who sent it when.
SELECT p.id FROM asq_kpi_pack p
 WHERE p.state = 'sent'
   AND (p.sent_user_id IS NULL OR p.sent_date IS NULL
        OR NOT EXISTS (SELECT 1 FROM asq_kpi_pack_attachment_rel rel
                        WHERE rel.pack_id = p.id))
 ORDER BY p.id;

-- name: return_step_without_approval_record
-- why: a return request past an approval step has that step's approval record (who signed, when, the result) since it was last reopened: a state or a signature written without the signing step leaves none.
WITH last_reopen AS (
    SELECT return_id, MAX(id) AS id FROM asq_return_approval
     WHERE step = 'reopen' GROUP BY return_id
), signed AS (
    SELECT a.return_id, a.step FROM asq_return_approval a
 LEFT JOIN last_reopen lr ON lr.return_id = a.return_id
     WHERE a.id > COALESCE(lr.id, 0)
       AND a.result IN ('submitted', 'approved')
)
SELECT r.id FROM asq_return r
 WHERE (r.state IN ('submitted', 'finance', 'business', 'gm', 'approved', 'received', 'inspected', 'done')
        AND NOT EXISTS (SELECT 1 FROM signed s WHERE s.return_id = r.id AND s.step = 'submit'))
    OR (r.state IN ('finance', 'business', 'gm', 'approved', 'received', 'inspected', 'done')
        AND NOT EXISTS (SELECT 1 FROM signed s WHERE s.return_id = r.id AND s.step = 'review'))
    OR (r.state IN ('business', 'gm', 'approved', 'received', 'inspected', 'done')
        AND NOT EXISTS (SELECT 1 FROM signed s WHERE s.return_id = r.id AND s.step = 'finance'))
    OR (r.state IN ('gm', 'approved', 'received', 'inspected', 'done')
        AND NOT EXISTS (SELECT 1 FROM signed s WHERE s.return_id = r.id AND s.step = 'business'))
    OR (r.state IN ('approved', 'received', 'inspected', 'done') AND r.finance_beyond
        AND NOT EXISTS (SELECT 1 FROM signed s WHERE s.return_id = r.id AND s.step = 'gm'))
    OR (r.state IN ('inspected', 'done')
        AND NOT EXISTS (SELECT 1 FROM signed s WHERE s.return_id = r.id AND s.step = 'qc'))
 ORDER BY r.id;

-- name: approval_signed_without_role
-- why: each approval record and each step signature is signed by a user who holds that step's role (review: after-sales section, finance: finance, business: business head, gm: general manager, qc: inspector; CAPA verification: management representative; hold release: quality manager).
WITH role(step, xmlid) AS (
    VALUES ('review', 'group_asq_user_all'), ('finance', 'group_asq_finance'),
           ('business', 'group_asq_business_head'), ('gm', 'group_asq_general_manager'),
           ('qc', 'group_asq_inspector'), ('verify', 'group_asq_mgmt_rep'),
           ('release', 'group_asq_manager')
), holder AS (
    SELECT role.step, rel.uid FROM role
      JOIN ir_model_data d ON d.module = 'after_sales_quality' AND d.name = role.xmlid
                          AND d.model = 'res.groups'
      JOIN res_groups_users_rel rel ON rel.gid = d.res_id
), signature(id, step, uid) AS (
    SELECT a.id, a.step, a.user_id FROM asq_return_approval a
     WHERE a.step IN ('review', 'finance', 'business', 'gm', 'qc') AND a.result = 'approved'
    UNION ALL SELECT r.id, 'review', r.review_user_id FROM asq_return r WHERE r.review_user_id IS NOT NULL
    UNION ALL SELECT r.id, 'finance', r.finance_user_id FROM asq_return r WHERE r.finance_user_id IS NOT NULL
    UNION ALL SELECT r.id, 'business', r.business_user_id FROM asq_return r WHERE r.business_user_id IS NOT NULL
    UNION ALL SELECT r.id, 'gm', r.gm_user_id FROM asq_return r WHERE r.gm_user_id IS NOT NULL
    UNION ALL SELECT r.id, 'qc', r.qc_user_id FROM asq_return r WHERE r.qc_user_id IS NOT NULL
    UNION ALL SELECT -v.id, 'verify', v.user_id FROM asq_capa_review v
    UNION ALL SELECT -h.id, 'release', h.released_user_id FROM asq_hold h
     WHERE h.state = 'released' AND h.released_user_id IS NOT NULL
)
SELECT DISTINCT s.id FROM signature s
 WHERE s.uid <> 1
   AND NOT EXISTS (SELECT 1 FROM holder h WHERE h.step = s.step AND h.uid = s.uid)
 ORDER BY 1;

-- name: capa_closed_without_verification_record
-- why: a CAPA closed as effective has a verification record of its last round (who verified it, when, the result).
SELECT c.id FROM asq_capa c
 WHERE c.state = 'closed'
   AND NOT EXISTS (SELECT 1 FROM asq_capa_review v
                    WHERE v.capa_id = c.id AND v.round = c.round AND v.result = 'effective')
 ORDER BY c.id;

-- name: return_receipt_done_without_approval
-- why: the warehouse books a customer return only for a request every approver signed (「如沒有以上各部門的簽字確認,倉庫一律不予辦理入庫手續」): no done return receipt of a request lacking an approval record.
SELECT p.id FROM stock_picking p
  JOIN asq_return r ON r.id = p.asq_return_id
 WHERE p.asq_return_role = 'receipt' AND p.state = 'done'
   AND (NOT EXISTS (SELECT 1 FROM asq_return_approval a
                     WHERE a.return_id = r.id AND a.step = 'business' AND a.result = 'approved')
        OR (r.finance_beyond
            AND NOT EXISTS (SELECT 1 FROM asq_return_approval a
                             WHERE a.return_id = r.id AND a.step = 'gm' AND a.result = 'approved')))
 ORDER BY p.id;

-- name: frozen_record_changed_after_freeze
-- why: a closed complaint, a released hold, a closed CAPA or a customer-signed visit keeps what it froze: no tracked change of its content after it froze (only its owner and links may still change).
SELECT m.res_id FROM mail_tracking_value t
  JOIN mail_message m ON m.id = t.mail_message_id
  JOIN ir_model_fields f ON f.id = t.field_id
  JOIN asq_complaint c ON m.model = 'asq.complaint' AND c.id = m.res_id
 WHERE c.state = 'closed' AND m.date > c.closed_date + interval '1 second'
   AND f.name NOT IN ('user_id', 'state')
UNION
SELECT -m.res_id FROM mail_tracking_value t
  JOIN mail_message m ON m.id = t.mail_message_id
  JOIN ir_model_fields f ON f.id = t.field_id
  JOIN asq_hold h ON m.model = 'asq.hold' AND h.id = m.res_id
 WHERE h.state = 'released' AND m.date > h.released_date + interval '1 second'
   AND f.name NOT IN ('user_id', 'state')
 ORDER BY 1;

-- name: step_signed_without_role
-- why: every step the engine records was signed by a user holding one of that step's roles at that moment (asq.step.record.role_ok, written as the step is signed; the system itself signs as OdooBot): no signature by someone who did not hold the role then.
SELECT r.id FROM asq_step_record r
 WHERE NOT r.role_ok
 ORDER BY r.id;

-- name: step_stamp_without_record
-- why: every who-field a step stamps on a document (declared in the document's _asq_transitions) has the engine's step record of that step by that user: a signature without one was written behind the engine's back (generated from the declarations; tests/test_engine.py keeps it equal).
WITH stamp(res_model, who, steps) AS (VALUES
    ('asq.adverse.event', 'decided_user_id', '{decide}'),
    ('asq.adverse.event', 'submitted_user_id', '{submit}'),
    ('asq.capa', 'analysis_user_id', '{plan}'),
    ('asq.capa', 'signoff_user_id', '{department_signoff}'),
    ('asq.capa', 'verified_user_id', '{verify_effective}'),
    ('asq.capa', 'customer_report_user_id', '{send_customer_report}'),
    ('asq.capa.action', 'done_user_id', '{done}'),
    ('asq.capa.action', 'department_confirm_user_id', '{department_confirm}'),
    ('asq.complaint', 'submitted_user_id', '{submit,feedback_pending}'),
    ('asq.complaint', 'judged_user_id', '{judge_valid,judge_invalid}'),
    ('asq.complaint', 'onsite_user_id', '{onsite_verified}'),
    ('asq.complaint', 'investigated_user_id', '{record_findings}'),
    ('asq.complaint', 'decided_user_id', '{decide}'),
    ('asq.complaint', 'replied_user_id', '{reply}'),
    ('asq.complaint', 'confirmed_user_id', '{customer_satisfied}'),
    ('asq.complaint', 'signoff_user_id', '{final_signoff}'),
    ('asq.complaint', 'closed_user_id', '{close,feedback_answer,feedback_record}'),
    ('asq.complaint', 'cancelled_user_id', '{cancel}'),
    ('asq.complaint', 'convened_user_id', '{convene_review}'),
    ('asq.complaint.alert', 'approved_user_id', '{approve}'),
    ('asq.complaint.alert', 'acknowledged_user_id', '{acknowledge}'),
    ('asq.complaint.review', 'prepared_user_id', '{prepare}'),
    ('asq.complaint.review', 'approved_user_id', '{approve}'),
    ('asq.credit.level', 'submitted_user_id', '{submit}'),
    ('asq.credit.level', 'approved_user_id', '{approve}'),
    ('asq.customer.application', 'submitted_user_id', '{submit}'),
    ('asq.customer.application', 'approved_user_id', '{approve}'),
    ('asq.customer.application', 'refused_user_id', '{refuse}'),
    ('asq.customer.feedback', 'submitted_user_id', '{submit}'),
    ('asq.customer.feedback', 'approved_user_id', '{approve}'),
    ('asq.customer.feedback', 'rejected_user_id', '{reject}'),
    ('asq.customer.feedback', 'acknowledged_user_id', '{acknowledge}'),
    ('asq.equipment.patrol', 'patrolled_user_id', '{record}'),
    ('asq.hold', 'opened_user_id', '{activate}'),
    ('asq.hold', 'verified_user_id', '{verify}'),
    ('asq.hold', 'released_user_id', '{release}'),
    ('asq.hold', 'reported_user_id', '{report_head}'),
    ('asq.hold', 'acknowledged_user_id', '{acknowledge_report}'),
    ('asq.hold', 'recall_user_id', '{decide_recall}'),
    ('asq.hold.supplier.query', 'sent_user_id', '{send}'),
    ('asq.hold.supplier.query', 'answered_user_id', '{record_answer}'),
    ('asq.kpi.pack', 'generated_user_id', '{generate,regenerate}'),
    ('asq.kpi.pack', 'sent_user_id', '{send}'),
    ('asq.quality.report', 'submitted_user_id', '{submit}'),
    ('asq.quality.report', 'approved_user_id', '{approve}'),
    ('asq.quality.report', 'sent_user_id', '{send}'),
    ('asq.return', 'review_user_id', '{review}'),
    ('asq.return', 'finance_user_id', '{finance}'),
    ('asq.return', 'business_user_id', '{business}'),
    ('asq.return', 'gm_user_id', '{gm}'),
    ('asq.return', 'received_user_id', '{receive}'),
    ('asq.return', 'qc_user_id', '{qc_sign}'),
    ('asq.return', 'note_check_user_id', '{check_note}'),
    ('asq.rework.notice', 'issued_user_id', '{issue}'),
    ('asq.rework.notice', 'accepted_user_id', '{accept}'),
    ('asq.rework.notice', 'reworked_user_id', '{rework}'),
    ('asq.rework.notice', 'reinspected_user_id', '{reinspect}'),
    ('asq.rework.notice', 'stocked_user_id', '{stock}'),
    ('asq.rework.notice', 'cancelled_user_id', '{cancel}'),
    ('asq.service.visit', 'started_user_id', '{start}'),
    ('asq.service.visit', 'done_user_id', '{done}'),
    ('asq.service.visit', 'signed_user_id', '{sign}'),
    ('asq.service.visit', 'cancelled_user_id', '{cancel}'),
    ('asq.survey.campaign', 'sampled_user_id', '{draw_sample}'),
    ('asq.survey.campaign', 'closed_user_id', '{close}'),
    ('asq.survey.campaign', 'reviewed_user_id', '{review}'),
    ('asq.vendor.maintenance', 'arrived_user_id', '{arrive}'),
    ('asq.vendor.maintenance', 'fixed_user_id', '{fix}'),
    ('asq.vendor.maintenance', 'verified_user_id', '{verify}'),
    ('asq.vendor.rectification', 'rectified_user_id', '{rectified}'),
    ('asq.vendor.rectification', 'verified_user_id', '{verify_compliant}'),
    ('asq.vendor.rectification', 'escalation_submitted_user_id', '{submit_escalation}'),
    ('asq.vendor.rectification', 'escalation_approved_user_id', '{approve_escalation}'),
    ('asq.vendor.score', 'confirmed_user_id', '{confirm}'),
    ('asq.warranty.claim', 'received_user_id', '{receive}'),
    ('asq.warranty.claim', 'analysed_user_id', '{analyse}'),
    ('asq.warranty.claim', 'explained_user_id', '{explain}'),
    ('asq.warranty.claim', 'closed_user_id', '{close}'),
    ('asq.warranty.claim', 'cancelled_user_id', '{cancel}')
), doc(res_model, res_id, vals) AS (
    SELECT 'asq.adverse.event', t.id, to_jsonb(t) FROM "asq_adverse_event" t
    UNION ALL SELECT 'asq.capa', t.id, to_jsonb(t) FROM "asq_capa" t
    UNION ALL SELECT 'asq.capa.action', t.id, to_jsonb(t) FROM "asq_capa_action" t
    UNION ALL SELECT 'asq.complaint', t.id, to_jsonb(t) FROM "asq_complaint" t
    UNION ALL SELECT 'asq.complaint.alert', t.id, to_jsonb(t) FROM "asq_complaint_alert" t
    UNION ALL SELECT 'asq.complaint.review', t.id, to_jsonb(t) FROM "asq_complaint_review" t
    UNION ALL SELECT 'asq.credit.level', t.id, to_jsonb(t) FROM "asq_credit_level" t
    UNION ALL SELECT 'asq.customer.application', t.id, to_jsonb(t) FROM "asq_customer_application" t
    UNION ALL SELECT 'asq.customer.feedback', t.id, to_jsonb(t) FROM "asq_customer_feedback" t
    UNION ALL SELECT 'asq.equipment.patrol', t.id, to_jsonb(t) FROM "asq_equipment_patrol" t
    UNION ALL SELECT 'asq.hold', t.id, to_jsonb(t) FROM "asq_hold" t
    UNION ALL SELECT 'asq.hold.supplier.query', t.id, to_jsonb(t) FROM "asq_hold_supplier_query" t
    UNION ALL SELECT 'asq.kpi.pack', t.id, to_jsonb(t) FROM "asq_kpi_pack" t
    UNION ALL SELECT 'asq.quality.report', t.id, to_jsonb(t) FROM "asq_quality_report" t
    UNION ALL SELECT 'asq.return', t.id, to_jsonb(t) FROM "asq_return" t
    UNION ALL SELECT 'asq.rework.notice', t.id, to_jsonb(t) FROM "asq_rework_notice" t
    UNION ALL SELECT 'asq.service.visit', t.id, to_jsonb(t) FROM "asq_service_visit" t
    UNION ALL SELECT 'asq.survey.campaign', t.id, to_jsonb(t) FROM "asq_survey_campaign" t
    UNION ALL SELECT 'asq.vendor.maintenance', t.id, to_jsonb(t) FROM "asq_vendor_maintenance" t
    UNION ALL SELECT 'asq.vendor.rectification', t.id, to_jsonb(t) FROM "asq_vendor_rectification" t
    UNION ALL SELECT 'asq.vendor.score', t.id, to_jsonb(t) FROM "asq_vendor_score" t
    UNION ALL SELECT 'asq.warranty.claim', t.id, to_jsonb(t) FROM "asq_warranty_claim" t
)
SELECT d.res_id FROM doc d JOIN stamp st ON st.res_model = d.res_model
 WHERE d.vals ->> st.who IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM asq_step_record s
     WHERE s.res_model = d.res_model AND s.res_id = d.res_id
       AND s.step = ANY(st.steps::varchar[])
       AND s.user_id = (d.vals ->> st.who)::int)
 ORDER BY 1;

-- name: customer_return_gate_exception
-- why: the warehouse books goods back from a customer only as the receipt of a return request every approver signed (001: 「如沒有以上各部門的簽字確認,倉庫一律不予辦理入庫手續」); a move booked by the administrator's exception (group "Book customer returns without a return request (exception)") is listed here for review: who is stock_move.asq_gate_exception_user_id, when its date, and its transfer's chatter says so.
SELECT sm.id FROM stock_move sm
 WHERE sm.asq_gate_exception_user_id IS NOT NULL AND sm.state = 'done'
 ORDER BY sm.id;
