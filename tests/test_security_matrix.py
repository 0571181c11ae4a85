"""Role x model x operation matrix, and every workflow button signed by the
wrong role: each refusal (AccessError or an empty search) and each allowed
cell is written down as data below and checked by doing it as that user."""

import base64
import logging
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.after_sales_quality.models.asq_workflow_mixin import asq_step
from odoo.addons.after_sales_quality.tests.complaint_common import asq_send_composer
from odoo.addons.after_sales_quality.tests.test_portal import PNG, AsqPortalCommon

_logger = logging.getLogger(__name__)

ASQ = "after_sales_quality."

# Role -> login of the AsqCommon user holding exactly that group.
ROLE_LOGINS = {
    "user": "asq_sales",
    "user_all": "asq_aftersales",
    "inspector": "asq_inspector",
    "manager": "asq_qm",
    "warehouse": "asq_warehouse",
    "finance": "asq_finance",
    "business_head": "asq_business",
    "general_manager": "asq_gm",
    "mgmt_rep": "asq_mgmt_rep",
    "employee": "asq_employee",
}
INTERNAL = tuple(ROLE_LOGINS)
PORTAL = ("portal_a", "portal_b")
# The roles of company A (the second company's user left out).
COMPANY_A = (*INTERNAL, *PORTAL)
ALL_ROLES = (*COMPANY_A, "company_b")
# The roles implying group_asq_user_all (all documents of the company).
USER_ALL = (
    "user_all",
    "inspector",
    "manager",
    "business_head",
    "general_manager",
    "mgmt_rep",
)
OPS = {"c": "create", "r": "read", "w": "write", "u": "unlink"}
# Roles that hold none of the documents a button signs (a warehouse clerk,
# finance, a plain employee, the portal customer, the other company).
NO_DOCUMENTS = ("warehouse", "finance", "employee", "portal_a", "company_b")


def all_roles_but(*roles):
    """Every internal role, customer A on the portal and the second
    company's user, but ``roles``."""
    return tuple(r for r in (*INTERNAL, "portal_a", "company_b") if r not in roles)


# Who may not press an inspector's button (the manager may: an inspector too).
NOT_INSPECTOR = all_roles_but("inspector", "manager")


def cells(ops, grants="", roles=ALL_ROLES):
    """A matrix row: the operations tested, the operations each role may do
    (all others must be refused) and the roles tested. ``grants`` is a list
    of ``role,role=ops`` items, later items overriding earlier ones; USER_ALL
    stands for every all-documents role, INTERNAL for every internal one."""
    aliases = {"USER_ALL": USER_ALL, "INTERNAL": INTERNAL}
    granted = {}
    for item in grants.split():
        names, allowed = item.split("=")
        for name in names.split(","):
            for role in aliases.get(name, (name,)):
                granted[role] = allowed
    return {"ops": ops, "roles": roles, "allowed": granted}


# Derived from security/ir.model.access.csv and the record rules. The fixture
# of each row belongs to company A and customer A, and is owned by nobody of
# the roles (``*_own`` rows: owned by the own-documents user).
MATRIX = {
    "asq.complaint": cells("crwu", "user=c USER_ALL=crw manager=crwu portal_a=r"),
    "asq.complaint (own)": cells("rwu", "user=rw", roles=("user",)),
    "asq.complaint.line": cells("crwu", "USER_ALL=crwu portal_a=r"),
    "asq.complaint.alert": cells("crwu", "USER_ALL=r manager=rw"),
    "asq.return": cells(
        "crwu", "user=c USER_ALL=crw manager=crwu warehouse,finance,portal_a=r"
    ),
    "asq.return (own)": cells("rwu", "user=rw", roles=("user",)),
    "asq.return.line": cells("crwu", "USER_ALL=crwu warehouse,finance,portal_a=r"),
    # Approval records are immutable for everyone (UserError): no write.
    "asq.return.approval": cells("cru", "USER_ALL,warehouse,finance=r"),
    "asq.return.approval (own)": cells("r", "user=r", roles=("user",)),
    "asq.capa": cells(
        "crwu",
        "user_all,business_head,general_manager,finance=r "
        "inspector=crw manager=crwu mgmt_rep=rw",
    ),
    "asq.capa (own)": cells("rwu", "user=r", roles=("user",)),
    "asq.capa.action": cells(
        "crwu",
        "user_all,business_head,general_manager,mgmt_rep,finance=r "
        "inspector,manager=crwu",
    ),
    "asq.capa.action (own)": cells("rwu", "user=rw", roles=("user",)),
    # Verification records are immutable for everyone (UserError): no write.
    "asq.capa.review": cells("cru", "USER_ALL,finance=r"),
    "asq.capa.review (own)": cells("r", "user=r", roles=("user",)),
    "asq.hold": cells(
        "crwu", "user,USER_ALL=r inspector=crw manager=crwu warehouse,finance=r"
    ),
    "asq.hold.buyer": cells("crwu", "user,USER_ALL,warehouse,finance=r"),
    "asq.hold.notice": cells("crwu", "user,USER_ALL,warehouse,finance=r"),
    "asq.service.visit": cells("crwu", "user=c USER_ALL=crw manager=crwu portal_a=r"),
    "asq.service.visit (own)": cells("rwu", "user=rw", roles=("user",)),
    "asq.service.visit.part": cells("crwu", "USER_ALL=crwu portal_a=r"),
    # Criteria have no company: the second company's manager is not tested.
    "asq.vendor.criterion": cells("crwu", "USER_ALL=r manager=crwu", roles=COMPANY_A),
    "asq.vendor.maintenance": cells("crwu", "USER_ALL=crw manager=crwu"),
    "asq.equipment.patrol": cells("crwu", "USER_ALL=crw manager=crwu"),
    "asq.vendor.score": cells("crwu", "USER_ALL=r inspector=crw manager=crwu"),
    "asq.vendor.score.line": cells("crwu", "USER_ALL=r inspector,manager=crwu"),
    "asq.vendor.rectification": cells("crwu", "USER_ALL=r inspector=crw manager=crwu"),
    # The after-sales section runs surveys, the management representative
    # supervises them (000 §3.2, 003 §4.3.4).
    "asq.survey.campaign": cells("crwu", "USER_ALL=crw mgmt_rep=crwu"),
    # Targets are created and written by Draw Sample only (UserError for all).
    "asq.survey.target": cells("ru", "USER_ALL=r mgmt_rep=ru"),
    "asq.kpi.pack": cells(
        "crwu",
        "user_all,inspector,finance=r manager=crwu "
        "mgmt_rep,business_head,general_manager=crw",
    ),
    # Reports: read only. Without a fixture the read cell is "the search
    # runs" (the second company reads its own figures: not tested).
    "asq.delivered.line": cells("cr", "user,USER_ALL,warehouse,finance,portal_a=r"),
    "asq.complaint.report": cells("cr", "USER_ALL=r", roles=COMPANY_A),
    "asq.capa.report": cells("cr", "USER_ALL=r", roles=COMPANY_A),
    "asq.return.ratio.report": cells("cr", "USER_ALL,finance=r", roles=COMPANY_A),
    "asq.vendor.evaluation.report": cells("cr", "USER_ALL=r", roles=COMPANY_A),
    "asq.survey.result": cells("cr", "USER_ALL=r", roles=COMPANY_A),
    # Contract terms and internal ratings of customer A: internal staff read
    # them, finance and the business heads agree them; its portal contact
    # reads neither.
    "res.partner (contract terms)": cells(
        "rw",
        "INTERNAL=r finance,business_head,general_manager=rw",
        roles=COMPANY_A,
    ),
}

# Internal complaint fields a portal customer may not read through RPC.
COMPLAINT_INTERNAL_FIELDS = (
    "submitted_user_id",
    "judged_user_id",
    "investigator_id",
    "responsibility",
    "responsible_department_id",
    "responsible_partner_id",
    "root_cause",
    "investigated_user_id",
    "onsite_user_id",
    "decided_user_id",
    "no_action_reason",
    "replied_user_id",
    "confirmed_user_id",
    "closed_user_id",
    "cancelled_user_id",
    "loss_compensation",
    "loss_freight",
    "loss_replacement",
    "loss_scrap",
    "loss_discount",
    "loss_amount",
    "loss_bearer",
    "is_repeat",
    "repeat_of_id",
    "alert_id",
    "capa_ids",
    "hold_ids",
)

RETURN_INTERNAL_FIELDS = (
    "live_delivered_amount",
    "live_returned_amount",
    "live_ratio",
    "ratio_cap",
    "return_days_limit",
    "max_days",
    "live_beyond",
    "finance_ratio",
    "finance_beyond",
    "review_user_id",
    "finance_user_id",
    "business_user_id",
    "gm_user_id",
    "qc_user_id",
)
RETURN_LINE_INTERNAL_FIELDS = (
    "qc_note",
    "qc_company_fault",
    "qc_department_id",
    "qc_responsibility",
    "qc_user_id",
    "capa_id",
)


class _Undo(Exception):
    """Raised inside a savepoint to undo an operation that succeeded."""


class AsqSecurityCommon(AsqPortalCommon):
    """Role users, portal customers A and B, a user of a second company only,
    and one record of every model of the addon in company A."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "ASQ Matrix Co B"})
        cls.user_company_b = new_test_user(
            cls.env,
            login="asq_company_b",
            groups=",".join(
                f"{ASQ}{group}"
                for group in (
                    "group_asq_manager",
                    "group_asq_general_manager",
                    "group_asq_mgmt_rep",
                    "group_asq_finance",
                    "group_asq_warehouse",
                )
            ),
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.role_users = {role: cls.users[login] for role, login in ROLE_LOGINS.items()}
        cls.role_users.update(
            portal_a=cls.portal_a, portal_b=cls.portal_b, company_b=cls.user_company_b
        )
        cls.sales = cls.users["asq_sales"]
        cls.delivered_strips = cls.delivered - cls.delivered_product
        cls.lot = cls.delivered_product.lot_id
        cls._create_fixtures()

    @classmethod
    def _create_fixtures(cls):
        env = cls.env
        sales_env = env(user=cls.sales)
        fx = {}
        fx["asq.complaint"] = cls.complaint_a
        fx["asq.complaint (own)"] = cls._create_complaint("asq_sales")
        fx["asq.complaint.line"] = cls.complaint_a.line_ids[:1]
        fx["asq.complaint.alert"] = env["asq.complaint.alert"].create(
            {
                "name": "ALERT/MATRIX",
                "company_id": cls.company.id,
                "date": fields.Datetime.now(),
                "product_id": cls.product.id,
                "category": "quality",
                "complaint_ids": [Command.set(cls.complaint_a.ids)],
            }
        )
        fx["asq.return"] = cls.return_a
        own_return = sales_env["asq.return"].create(cls._return_vals())
        fx["asq.return (own)"] = own_return
        fx["asq.return.line"] = cls.return_a.line_ids[:1]
        submitted = env["asq.return"].create(cls._return_vals())
        submitted.action_submit()
        fx["asq.return.approval"] = submitted.approval_ids[:1]
        own_submitted = sales_env["asq.return"].create(cls._return_vals())
        own_submitted.with_user(cls.sales).action_submit()
        fx["asq.return.approval (own)"] = own_submitted.approval_ids[:1]
        cls.department.manager_id = False
        capa = env["asq.capa"].create(
            {"problem": "Matrix CAPA", "department_id": cls.department.id}
        )
        fx["asq.capa"] = capa
        fx["asq.capa.action"] = env["asq.capa.action"].create(
            cls._capa_action_vals(capa, cls.users["asq_employee"])
        )
        own_capa = env["asq.capa"].create({"problem": "Sales's CAPA"})
        own_action = env["asq.capa.action"].create(
            cls._capa_action_vals(own_capa, cls.sales)
        )
        fx["asq.capa (own)"] = own_capa
        fx["asq.capa.action (own)"] = own_action
        fx["asq.capa.review"] = (
            env["asq.capa.review"]
            .sudo()
            .create({"capa_id": capa.id, "round": 1, "result": "effective"})
        )
        fx["asq.capa.review (own)"] = (
            env["asq.capa.review"]
            .sudo()
            .create({"capa_id": own_capa.id, "round": 1, "result": "effective"})
        )
        hold = env["asq.hold"].create(cls._hold_vals())
        fx["asq.hold"] = hold
        fx["asq.hold.buyer"] = env["asq.hold.buyer"].create(
            {"hold_id": hold.id, "partner_id": cls.customer.id, "quantity": 1}
        )
        fx["asq.hold.notice"] = env["asq.hold.notice"].create(
            {
                "hold_id": hold.id,
                "partner_id": cls.customer.id,
                "kind": "stop",
                "sent_date": fields.Datetime.now(),
            }
        )
        visit = env["asq.service.visit"].create(cls._visit_vals())
        fx["asq.service.visit"] = visit
        fx["asq.service.visit (own)"] = sales_env["asq.service.visit"].create(
            cls._visit_vals()
        )
        fx["asq.service.visit.part"] = env["asq.service.visit.part"].create(
            {"visit_id": visit.id, "product_id": cls.product_b.id, "quantity": 1}
        )
        cls.vendor = env["res.partner"].create(
            {"name": "Matrix Lift Vendor", "is_company": True, "supplier_rank": 1}
        )
        fx["asq.vendor.maintenance"] = env["asq.vendor.maintenance"].create(
            cls._maintenance_vals()
        )
        cls.patrolled = env["maintenance.equipment"].create(
            {"name": "Matrix Lift", "partner_id": cls.vendor.id}
        )
        fx["asq.equipment.patrol"] = env["asq.equipment.patrol"].create(
            {"equipment_id": cls.patrolled.id, "date": "2024-01-02"}
        )
        score = env["asq.vendor.score"].create(
            {"vendor_id": cls.vendor.id, "month": "2024-01-01"}
        )
        fx["asq.vendor.score"] = score
        fx["asq.vendor.score.line"] = score.line_ids[:1]
        # Created after the scorecard: no line refers to it yet.
        fx["asq.vendor.criterion"] = env["asq.vendor.criterion"].create(
            {"name": "Matrix spare criterion", "weight": 0}
        )
        fx["asq.vendor.rectification"] = env["asq.vendor.rectification"].create(
            cls._rectification_vals()
        )
        cls.survey_tag = env["res.partner.category"].create({"name": "Matrix survey"})
        env["res.partner"].create(
            [
                {
                    "name": f"Matrix survey customer {i}",
                    "is_company": True,
                    "customer_rank": 1,
                    "email": f"matrix.survey.{i}@example.com",
                    "asq_customer_class": "a",
                    "category_id": [Command.set(cls.survey_tag.ids)],
                }
                for i in range(2)
            ]
        )
        campaign = env["asq.survey.campaign"].create(cls._campaign_vals())
        fx["asq.survey.campaign"] = campaign
        fx["asq.survey.target"] = (
            env["asq.survey.target"]
            .with_context(**asq_step("asq_survey_workflow"))
            .create(
                {
                    "campaign_id": campaign.id,
                    "partner_id": cls.customer.id,
                    "customer_class": "a",
                }
            )
            .with_env(env)  # (without the step's mark: written as a caller)
        )
        fx["asq.kpi.pack"] = env["asq.kpi.pack"].create(
            {"period_type": "month", "date_from": "2019-02-01"}
        )
        fx["asq.delivered.line"] = cls.delivered_product
        fx["res.partner (contract terms)"] = cls.customer
        cls.fixtures = fx

    # ------------------------------------------------------------------
    # Values of a new record of each model
    # ------------------------------------------------------------------
    @classmethod
    def _return_vals(cls):
        return {
            "partner_id": cls.customer.id,
            "line_ids": [
                Command.create(
                    {
                        "delivered_line_id": cls.delivered_product.id,
                        "quantity": 1,
                        "kind": "unsaleable",
                        "reason": "Slow seller",
                    }
                )
            ],
        }

    @classmethod
    def _capa_action_vals(cls, capa, user):
        return {
            "capa_id": capa.id,
            "name": f"Action of {user.name}",
            "action_type": "corrective",
            "user_id": user.id,
            "date_due": fields.Date.today() + timedelta(days=5),
        }

    @classmethod
    def _hold_vals(cls):
        return {
            "product_id": cls.product.id,
            "lot_ids": [Command.set(cls.lot.ids)],
            "reason": "Readings drift",
        }

    @classmethod
    def _visit_vals(cls):
        return {
            "partner_id": cls.customer.id,
            "visit_type": "repair",
            "request": "Meter does not start",
        }

    @classmethod
    def _maintenance_vals(cls):
        return {
            "vendor_id": cls.vendor.id,
            "equipment": "Lift 2",
            "work": "Monthly maintenance",
        }

    @classmethod
    def _rectification_vals(cls):
        return {
            "vendor_id": cls.vendor.id,
            "findings": "Inspection log missing",
            "deadline": fields.Date.today() + timedelta(days=10),
        }

    @classmethod
    def _campaign_vals(cls):
        return {
            "name": "Matrix survey",
            "survey_id": cls.env.ref(f"{ASQ}asq_survey_satisfaction").id,
            "seed": 7,
            "partner_category_ids": [Command.set(cls.survey_tag.ids)],
        }

    def _create_values(self, key):
        fx = self.fixtures
        return {
            "asq.complaint": lambda: {
                "partner_id": self.customer.id,
                "channel": "email",
                "category": "quality",
                "description": "Matrix complaint",
                "line_ids": [
                    Command.create(
                        {"delivered_line_id": self.delivered_product.id, "quantity": 1}
                    )
                ],
            },
            "asq.complaint.line": lambda: {
                "complaint_id": self.complaint_a.id,
                "delivered_line_id": self.delivered_strips.id,
                "quantity": 1,
            },
            "asq.complaint.alert": lambda: {
                "name": "ALERT/NEW",
                "company_id": self.company.id,
                "date": fields.Datetime.now(),
            },
            "asq.return": self._return_vals,
            "asq.return.line": lambda: {
                "return_id": self.return_a.id,
                "delivered_line_id": self.delivered_strips.id,
                "quantity": 1,
                "kind": "unsaleable",
                "reason": "Slow seller",
            },
            "asq.return.approval": lambda: {
                "return_id": fx["asq.return.approval"].return_id.id,
                "step": "finance",
                "result": "approved",
            },
            "asq.capa": lambda: {"problem": "New matrix CAPA"},
            "asq.capa.action": lambda: self._capa_action_vals(
                fx["asq.capa"], self.users["asq_employee"]
            ),
            "asq.capa.review": lambda: {
                "capa_id": fx["asq.capa"].id,
                "round": 1,
                "result": "effective",
            },
            "asq.hold": self._hold_vals,
            "asq.hold.buyer": lambda: {
                "hold_id": fx["asq.hold"].id,
                "partner_id": self.customer.id,
            },
            "asq.hold.notice": lambda: {
                "hold_id": fx["asq.hold"].id,
                "partner_id": self.customer.id,
                "kind": "stop",
                "sent_date": fields.Datetime.now(),
            },
            "asq.service.visit": self._visit_vals,
            "asq.service.visit.part": lambda: {
                "visit_id": fx["asq.service.visit"].id,
                "product_id": self.product.id,
                "quantity": 1,
            },
            "asq.vendor.criterion": lambda: {"name": "New criterion", "weight": 0},
            "asq.vendor.maintenance": self._maintenance_vals,
            "asq.equipment.patrol": lambda: {
                "equipment_id": self.patrolled.id,
                "date": "2024-01-03",
            },
            "asq.vendor.score": lambda: {
                "vendor_id": self.vendor.id,
                "month": "2023-06-01",
            },
            "asq.vendor.score.line": lambda: {
                "score_id": fx["asq.vendor.score"].id,
                "criterion_id": fx["asq.vendor.criterion"].id,
                "score": 50,
            },
            "asq.vendor.rectification": self._rectification_vals,
            "asq.survey.campaign": lambda: {
                **self._campaign_vals(),
                "name": "New matrix survey",
            },
            "asq.kpi.pack": lambda: {"period_type": "month", "date_from": "2019-03-01"},
        }.get(key, dict)()

    WRITE_VALUES = {
        "asq.complaint": {"description": "Changed by the matrix"},
        "asq.complaint.line": {"quantity": 2},
        "asq.complaint.alert": {"note": "Matrix analysis"},
        "asq.return": {"date_request": fields.Date.to_date("2025-01-02")},
        "asq.return.line": {"reason": "Changed by the matrix"},
        "asq.return.approval": {"comment": "Forged"},
        "asq.capa": {"problem": "Changed by the matrix"},
        "asq.capa.action": {"evidence": "Matrix evidence"},
        "asq.hold": {"reason": "Changed by the matrix"},
        "asq.hold.buyer": {"quantity": 3},
        "asq.hold.notice": {"kind": "resume"},
        "asq.service.visit": {"request": "Changed by the matrix"},
        "asq.service.visit.part": {"quantity": 2},
        "asq.vendor.criterion": {"name": "Renamed by the matrix"},
        "asq.vendor.maintenance": {"work": "Changed by the matrix"},
        "asq.equipment.patrol": {"problem": "Changed by the matrix"},
        "asq.vendor.score": {"note": "Changed by the matrix"},
        "asq.vendor.score.line": {"score": 55},
        "asq.vendor.rectification": {"findings": "Changed by the matrix"},
        "asq.survey.campaign": {"name": "Renamed by the matrix"},
        # Every stored field of a pack is set by its buttons: the write right
        # alone is checked through its computed recipients.
        "asq.kpi.pack": {"recipient_ids": [Command.clear()]},
        "res.partner (contract terms)": {"asq_exchange_ratio_cap": 7.5},
    }
    READ_FIELDS = {
        # Its display name reads the delivery, not readable on the portal.
        "asq.delivered.line": ["quantity", "remaining_qty"],
        "res.partner (contract terms)": [
            "asq_customer_class",
            "asq_credit_level",
        ],
    }

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------
    def _attempt(self, func):
        """True when ``func`` ran (then undone), False on AccessError."""
        try:
            with self.env.cr.savepoint():
                self.env.invalidate_all()
                func()
                self.env.flush_all()
                raise _Undo
        except _Undo:
            return True
        except AccessError:
            return False
        finally:
            self.env.invalidate_all()

    def _can_read(self, model, record, user, fnames):
        """Search finds the record and read() works; or the search is empty
        (record rule) / refused (no access) and read() raises."""
        Model = self.env[model].with_user(user)
        self.env.invalidate_all()
        try:
            if not record:
                Model.search([], limit=1)
                return True
            found = bool(Model.search([("id", "=", record.id)]))
        except AccessError:
            if not record:
                return False
            found = False
        try:
            record.with_user(user).read(fnames)
        except AccessError:
            readable = False
        else:
            readable = True
        if model != "res.partner":
            self.assertEqual(
                found, readable, f"search found: {found}, read() works: {readable}"
            )
        return readable

    def _model_of(self, key):
        return key.split(" ")[0]

    def _do(self, key, op, user):
        model = self._model_of(key)
        record = self.fixtures.get(key)
        Model = self.env[model].with_user(user)
        if op == "r":
            return self._can_read(
                model, record, user, self.READ_FIELDS.get(key, ["display_name"])
            )
        if op == "c":
            vals = self._create_values(key)
            if user == self.user_company_b and "company_id" in Model._fields:
                # The second company's user creating in company A.
                vals["company_id"] = self.company.id
            return self._attempt(lambda: Model.create(vals))
        if op == "w":
            vals = self.WRITE_VALUES[key.replace(" (own)", "")]
            return self._attempt(lambda: record.with_user(user).write(vals))
        return self._attempt(lambda: record.with_user(user).unlink())

    def _snapshot(self, record, fnames):
        """The fields as stored in the database."""
        self.env.flush_all()
        self.env.invalidate_all()
        return record.sudo().read(fnames)[0]

    def _refuse(self, record, call, roles, fnames, label):
        """Each role's call raises AccessError and changes nothing."""
        count = 0
        for role in roles:
            with self.subTest(step=label, role=role):
                before = self._snapshot(record, fnames)
                self.env.invalidate_all()
                # No assertRaises: its savepoint would undo a half-done step.
                try:
                    call(record.with_user(self.role_users[role]))
                except AccessError as error:
                    # Refused by the guard, not while it built its message.
                    self.assertNotIn("(res.groups)", str(error))
                else:
                    self.fail(f"{role} could do {label}")
                self.assertEqual(self._snapshot(record, fnames), before)
                count += 1
        return count


@tagged("post_install", "-at_install", "asq_security")
class TestSecurityMatrix(AsqSecurityCommon):
    def test_role_model_operation_matrix(self):
        refusals = allowed = 0
        expected_allowed = sum(
            len(set(row["allowed"].get(role, "")) & set(row["ops"]))
            for row in MATRIX.values()
            for role in row["roles"]
        )
        failures = []
        for key, row in MATRIX.items():
            for role in row["roles"]:
                user = self.role_users[role]
                for op in row["ops"]:
                    expect = op in row["allowed"].get(role, "")
                    label = f"{role} {OPS[op]} {key}"
                    with self.subTest(label):
                        result = self._do(key, op, user)
                        if result != expect:
                            failures.append(label)
                        self.assertEqual(
                            result,
                            expect,
                            f"{label}: {'allowed' if result else 'refused'}, "
                            f"expected {'allowed' if expect else 'refused'}",
                        )
                        if expect:
                            allowed += 1
                        else:
                            refusals += 1
        _logger.info(
            "Security matrix: %s refusals and %s allowed cells tested",
            refusals,
            allowed,
        )
        self.assertGreaterEqual(refusals, 60)
        self.assertEqual(allowed, expected_allowed, "every allowed cell exercised")

    def test_portal_reads_no_internal_field(self):
        """Through RPC the customer reads what its portal pages show, not the
        investigation, the losses, the finance check or who signed."""
        refused = 0
        for record, shown, internal in (
            (
                self.complaint_a,
                ["name", "state", "category", "description", "received_date"],
                COMPLAINT_INTERNAL_FIELDS,
            ),
            (self.return_a, ["name", "state", "date_request"], RETURN_INTERNAL_FIELDS),
            (
                self.return_a.line_ids,
                ["kind", "quantity", "resolution", "reason"],
                RETURN_LINE_INTERNAL_FIELDS,
            ),
        ):
            mine = record.with_user(self.portal_a)
            self.assertEqual(mine.read(shown)[0]["id"], record.id)
            for fname in internal:
                with self.subTest(model=record._name, field=fname):
                    with self.assertRaises(AccessError):
                        mine.read([fname])
                    refused += 1
            # The internal staff still reads them.
            record.with_user(self.users["asq_aftersales"]).read(list(internal))
        self.assertEqual(
            refused,
            len(COMPLAINT_INTERNAL_FIELDS)
            + len(RETURN_INTERNAL_FIELDS)
            + len(RETURN_LINE_INTERNAL_FIELDS),
        )
        _logger.info("Portal: %s internal fields refused", refused)

    def test_portal_customer_sees_only_its_own(self):
        for model, mine, theirs in (
            ("asq.complaint", self.complaint_a, self.complaint_b),
            ("asq.return", self.return_a, self.return_b),
            ("asq.service.visit", self.visit_a, self.visit_b),
        ):
            with self.subTest(model=model):
                Model = self.env[model].with_user(self.portal_a)
                self.assertEqual(Model.search([("id", "=", mine.id)]), mine)
                self.assertFalse(Model.search([("id", "=", theirs.id)]))
                both = Model.search([("id", "in", (theirs | mine).ids)])
                self.assertEqual(both, mine)
                with self.assertRaises(AccessError):
                    theirs.with_user(self.portal_a).read(["name"])
                with self.assertRaises(AccessError):
                    mine.with_user(self.portal_a).write({"name": "Hacked"})
                with self.assertRaises(AccessError):
                    mine.with_user(self.portal_a).unlink()

    def test_second_company_sees_nothing_of_company_a(self):
        user = self.user_company_b
        for key, record in self.fixtures.items():
            model = self._model_of(key)
            if "company_id" not in self.env[model]._fields or not record:
                continue
            if not record.sudo().company_id:
                continue  # shared between companies (customer A itself)
            with self.subTest(model=key):
                found = self.env[model].with_user(user).search([("id", "=", record.id)])
                self.assertFalse(found)
                with self.assertRaises(AccessError):
                    record.with_user(user).read(["display_name"])


@tagged("post_install", "-at_install", "asq_security")
class TestSecurityWorkflowButtons(AsqSecurityCommon):
    """Every approval button pressed by each role that must not sign it:
    AccessError and the record unchanged; then the right role signs."""

    def _log_refusals(self, what, refusals):
        _logger.info("%s: %s refused button presses", what, refusals)

    def _press(self, record, action, wrong, stamps, label, signer=None, args=()):
        """The button ``action`` refused to every ``wrong`` role (AccessError,
        ``stamps`` unchanged), then pressed by the role ``signer`` if given;
        the number of refusals. (A dialog's values: ``record``'s context.)"""
        refused = self._refuse(
            record, lambda r: getattr(r, action)(*args), wrong, stamps, label
        )
        if signer:
            caller = record.with_user(self.role_users[signer])
            # (Send Reply: its step is done when the composer sends the mail)
            asq_send_composer(caller.env, getattr(caller, action)(*args))
        return refused

    def _press_all(self, record, stamps, steps):
        """:meth:`_press` each of ``steps`` (action, wrong roles, label,
        signer, the state it then reaches); the number of refusals."""
        refused = 0
        for action, wrong, label, signer, state in steps:
            refused += self._press(record, action, wrong, stamps, label, signer)
            self.assertEqual(record.state, state, label)
        return refused

    def test_complaint_buttons(self):
        complaint = self._create_complaint("asq_sales")
        stamps = ["state", "validity", "submitted_user_id", "judged_user_id"]
        stamps += [
            "investigated_user_id",
            "decided_user_id",
            "replied_user_id",
            "signoff_user_id",
            "closed_user_id",
        ]
        not_manager = all_roles_but("manager")
        n = self._press(
            complaint, "action_submit", NO_DOCUMENTS, stamps, "Register", "user"
        )
        self.assertEqual(complaint.state, "review")
        self.assertEqual(complaint.submitted_user_id, self.sales)
        n += self._press(complaint, "action_judge_valid", not_manager, stamps, "Valid")
        n += self._press(
            complaint, "action_judge_invalid", not_manager, stamps, "Not valid"
        )
        self._as(complaint, "asq_qm").action_judge_valid()
        self.assertEqual(complaint.state, "investigating")
        self.assertEqual(complaint.judged_user_id, self.users["asq_qm"])
        self._as(complaint, "asq_inspector").write(
            {
                "responsibility": "internal",
                "responsible_department_id": self.department.id,
                "root_cause": "Sensor drift",
                "disposition": "exchange",
                "disposition_note": "Exchange the meter",
            }
        )
        n += self._press(
            complaint,
            "action_record_findings",
            NOT_INSPECTOR,
            stamps,
            "Record findings",
            "inspector",
        )
        self.assertEqual(complaint.investigated_user_id, self.users["asq_inspector"])
        n += self._press_all(
            complaint,
            stamps,
            [
                ("action_decide", not_manager, "Decide", "manager", "decided"),
                ("action_reply", NO_DOCUMENTS, "Reply", "user", "replied"),
                (
                    "action_customer_satisfied",
                    NO_DOCUMENTS,
                    "Satisfied",
                    "user",
                    "confirmed",
                ),
                # 003 §3.8: the factory manager (the general manager by
                # default) signs the final report before the close
                (
                    "action_final_signoff",
                    all_roles_but("general_manager"),
                    "Sign final report",
                    "general_manager",
                    "confirmed",
                ),
                ("action_close", not_manager, "Close", "manager", "closed"),
            ],
        )
        self.assertEqual(complaint.closed_user_id, self.users["asq_qm"])
        other = self._create_complaint("asq_sales")
        n += self._refuse(
            other,
            lambda c: c._action_cancel("Matrix"),
            not_manager,
            ["state", "cancelled_user_id"],
            "Cancel",
        )
        self._as(other, "asq_qm")._action_cancel("Duplicate")
        self.assertEqual(other.state, "cancel")
        self._log_refusals("Complaint", n)
        self.assertGreaterEqual(n, 60)

    def test_return_buttons(self):
        ret = self.env["asq.return"].with_user(self.sales).create(self._return_vals())
        stamps = ["state", "review_user_id", "finance_user_id", "business_user_id"]
        stamps += ["gm_user_id", "qc_user_id"]
        n = self._press(ret, "action_submit", NO_DOCUMENTS, stamps, "Submit", "user")
        self.assertEqual(ret.state, "submitted")
        chain = (
            ("submitted", "user_all", "finance", "review_user_id"),
            ("finance", "finance", "business", "finance_user_id"),
            ("business", "business_head", "gm", "business_user_id"),
            ("gm", "general_manager", "approved", "gm_user_id"),
        )
        implied = {
            "user_all": set(USER_ALL),
            "finance": {"finance"},
            "business_head": {"business_head", "general_manager"},
            "general_manager": {"general_manager"},
        }
        for state, signer, next_state, stamp in chain:
            self.assertEqual(ret.state, state)
            wrong = [role for role in all_roles_but() if role not in implied[signer]]
            n += self._refuse(
                ret,
                lambda r: r.action_sign(comment="Matrix"),
                wrong,
                stamps,
                f"Sign {state}",
            )
            ret.with_user(self.role_users[signer]).action_sign(comment="Special")
            self.assertEqual(ret.state, next_state)
            self.assertEqual(ret[stamp], self.role_users[signer])
        receipt_wrong = ("user", "finance", "employee", "portal_a", "company_b")
        n += self._press(
            ret,
            "action_create_receipt",
            receipt_wrong,
            ["state"],
            "Create receipt",
            "warehouse",
        )
        self.assertTrue(ret.picking_ids)
        reopen = (
            self.env["asq.return"].with_user(self.sales).create(self._return_vals())
        )
        reopen.with_user(self.sales).action_submit()
        n += self._press(
            reopen,
            "_reopen",
            all_roles_but("manager"),
            stamps,
            "Reopen",
            args=("Matrix",),
        )
        reopen.with_user(self.users["asq_qm"])._reopen("Wrong lines")
        self.assertEqual(reopen.state, "draft")
        self._log_refusals("Return", n)
        self.assertGreaterEqual(n, 40)

    def test_return_qc_sign_needs_an_inspector(self):
        ret = self.return_a
        # As if its receipt had brought everything back.
        for line in ret.line_ids:
            line.with_context(**asq_step("asq_return_workflow")).write(
                {"received_qty": line.quantity}
            )
        ret.with_context(**asq_step("asq_return_workflow")).write({"state": "received"})
        wrong = all_roles_but("inspector", "manager")
        n = self._press(
            ret, "action_qc_sign", wrong, ["state", "qc_user_id"], "Sign QC"
        )
        # The inspector passes the role check; the QC itself is incomplete.
        with self.assertRaisesRegex(
            UserError, "QC inspection .* is incomplete"
        ) as caught:
            ret.with_user(self.users["asq_inspector"]).action_qc_sign()
        self.assertNotIsInstance(caught.exception, AccessError)
        self._log_refusals("Return QC", n)

    def test_capa_buttons(self):
        inspector = self.users["asq_inspector"]
        capa = self._create_as(
            inspector,
            "asq.capa",
            {
                "problem": "E-3 after two weeks",
                "department_id": self.department.id,
                "cause_category": "material",
                "why_1": "Battery contact oxidised",
                "root_cause": "Plating",
                "verification_date": fields.Date.today(),
            },
        )
        stamps = ["state", "analysis_user_id", "signoff_user_id", "verified_user_id"]
        n = self._press(
            capa,
            "action_start_analysis",
            NOT_INSPECTOR,
            stamps,
            "Start analysis",
            "inspector",
        )
        self.assertEqual(capa.state, "analysis")
        action = (
            self.env["asq.capa.action"]
            .with_user(inspector)
            .create(self._capa_action_vals(capa, self.sales))
        )
        n += self._press(
            capa, "action_plan", NOT_INSPECTOR, stamps, "Confirm analysis", "inspector"
        )
        self.assertEqual(capa.state, "action")
        self.assertEqual(capa.analysis_user_id, inspector)
        not_manager = all_roles_but("manager")
        n += self._press(
            capa,
            "action_department_signoff",
            not_manager,
            stamps,
            "Department sign-off",
            "manager",
        )
        self.assertEqual(capa.signoff_user_id, self.users["asq_qm"])
        action.with_user(self.sales).evidence = "Supplier audited"
        n += self._press(
            action,
            "action_done",
            ("user_all", "business_head", "mgmt_rep", "employee", "company_b"),
            ["state", "done_user_id"],
            "Action done",
            "user",
        )
        self.assertEqual(action.done_user_id, self.sales)
        n += self._press(
            capa,
            "action_request_verification",
            NOT_INSPECTOR,
            stamps,
            "Actions done",
            "inspector",
        )
        self.assertEqual(capa.state, "verification")
        not_rep = [r for r in (*INTERNAL, "portal_a") if r != "mgmt_rep"]
        n += self._press(
            capa,
            "action_verify_effective",
            not_rep,
            stamps,
            "Verify effectiveness",
            "mgmt_rep",
        )
        self.assertEqual(capa.state, "closed")
        self.assertEqual(capa.verified_user_id, self.users["asq_mgmt_rep"])
        other = self.env["asq.capa"].with_user(inspector).create({"problem": "Other"})
        n += self._press(
            other.with_context(asq_cancel_reason="Duplicate"),
            "action_cancel",
            not_manager,
            ["state"],
            "Cancel",
            "manager",
        )
        self.assertEqual(other.state, "cancel")
        self._log_refusals("CAPA", n)

    def test_hold_buttons(self):
        inspector = self.users["asq_inspector"]
        hold = self.env["asq.hold"].with_user(inspector).create(self._hold_vals())
        stamps = ["state", "verified_user_id", "released_user_id"]
        n = self._press(
            hold, "action_activate", NOT_INSPECTOR, stamps, "Activate", "inspector"
        )
        self.assertEqual(hold.state, "active")
        n += self._press(
            hold, "action_send_notices", NOT_INSPECTOR, stamps, "Send notices"
        )
        hold.with_user(inspector).write(
            {"proposed_result": "conforming", "verification_note": "Lab retest"}
        )
        n += self._press(
            hold, "action_verify", NOT_INSPECTOR, stamps, "Verify", "inspector"
        )
        self.assertEqual(hold.verified_user_id, inspector)
        n += self._press(
            hold,
            "action_release",
            all_roles_but("manager"),
            stamps,
            "Release",
            "manager",
        )
        self.assertEqual(hold.state, "released")
        self._log_refusals("Quality hold", n)

    def test_service_visit_buttons(self):
        technician = self.users["asq_aftersales"]
        visit = self._create_as(
            technician,
            "asq.service.visit",
            {
                **self._visit_vals(),
                "technician_ids": [Command.set(technician.ids)],
                "work_done": "Replaced the sensor",
                "result": "Works",
            },
        )
        stamps = ["state", "started_user_id", "done_user_id", "signed_user_id"]
        not_technician = all_roles_but("user_all", "inspector", "manager")
        n = self._press(
            visit, "action_start", not_technician, stamps, "Start", "user_all"
        )
        self.assertEqual(visit.started_user_id, technician)
        n += self._press(
            visit, "action_done", not_technician, stamps, "Done", "user_all"
        )
        self.assertEqual(visit.state, "done")
        visit.with_user(technician).write(
            {
                "signer_name": "Li",
                "signature": base64.b64encode(PNG),
                "satisfaction": "satisfied",
            }
        )
        not_user = ("user", "warehouse", "finance", "employee", "portal_a", "company_b")
        n += self._press(
            visit, "action_sign", not_user, stamps, "Customer signature", "user_all"
        )
        self.assertEqual(visit.state, "signed")
        other = self.env["asq.service.visit"].create(self._visit_vals())
        n += self._press(
            other.with_context(asq_cancel_reason="Customer moved"),
            "action_cancel",
            not_user,
            ["state", "cancelled_user_id"],
            "Cancel visit",
            "user_all",
        )
        self.assertEqual(other.state, "cancel")
        self._log_refusals("Service visit", n)

    def test_survey_campaign_buttons(self):
        campaign = self.fixtures["asq.survey.campaign"]
        wrong = ("user", "warehouse", "finance", "employee", "portal_a", "company_b")
        stamps = ["state", "sampled_user_id"]
        n = self._press_all(
            campaign,
            stamps,
            [
                ("action_draw_sample", wrong, "Draw sample", "user_all", "sampled"),
                (
                    "action_send_invitations",
                    wrong,
                    "Send invitations",
                    "user_all",
                    "running",
                ),
                ("action_close", wrong, "Close campaign", "user_all", "closed"),
            ],
        )
        not_rep = all_roles_but("mgmt_rep")
        n += self._press(
            campaign,
            "action_review",
            not_rep,
            ["reviewed_user_id"],
            "Review campaign",
            "mgmt_rep",
        )
        self.assertEqual(campaign.reviewed_user_id, self.role_users["mgmt_rep"])
        self._log_refusals("Survey campaign", n)

    def test_kpi_pack_buttons(self):
        pack = self.fixtures["asq.kpi.pack"]
        wrong = all_roles_but("manager", "business_head", "general_manager", "mgmt_rep")
        stamps = ["state", "generated_user_id", "sent_user_id"]
        n = self._press(
            pack, "action_generate", wrong, stamps, "Generate", "business_head"
        )
        self.assertEqual(pack.state, "generated")
        self.assertEqual(pack.generated_user_id, self.users["asq_business"])
        n += self._press(
            pack,
            "action_generate",
            [*wrong, "business_head", "general_manager"],
            stamps,
            "Regenerate",
        )
        n += self._press(pack, "action_send", wrong, stamps, "Send", "mgmt_rep")
        self.assertEqual(pack.state, "sent")
        self._log_refusals("Statistics pack", n)

    def test_vendor_and_alert_buttons(self):
        inspector = self.users["asq_inspector"]
        score = self.fixtures["asq.vendor.score"]
        n = self._press(score, "action_confirm", NOT_INSPECTOR, ["state"], "Scorecard")
        score.line_ids.score = 80
        score.with_user(inspector).action_confirm()
        self.assertEqual(score.state, "confirmed")
        maintenance = self.fixtures["asq.vendor.maintenance"]
        n += self._press(
            maintenance,
            "action_verify",
            NOT_INSPECTOR,
            ["verified_user_id"],
            "Verify maintenance",
            "inspector",
        )
        self.assertEqual(maintenance.verified_user_id, inspector)
        notice = self.fixtures["asq.vendor.rectification"]
        notice.evidence = "Log kept again"
        n += self._press(
            notice,
            "action_rectified",
            NOT_INSPECTOR,
            ["state", "rectified_user_id"],
            "Rectified",
            "inspector",
        )
        self.assertEqual(notice.state, "rectified")
        alert = self.fixtures["asq.complaint.alert"]
        alert.note = "Same lot"
        n += self._press(
            alert,
            "action_close",
            all_roles_but("manager"),
            ["state"],
            "Close early warning",
            "manager",
        )
        self.assertEqual(alert.state, "closed")
        self._log_refusals("Vendor and early warning", n)
