from datetime import datetime, time, timedelta

import pytz
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression

from .asq_groups import GROUP_FINANCE, GROUP_USER, GROUP_USER_ALL, GROUP_WAREHOUSE

ASQ = "after_sales_quality."

# Days ahead within which an open CAPA action counts as due.
CAPA_DUE_DAYS = 7
# Months the trend charts look back, the current one included.
TREND_MONTHS = 12


class AsqDashboard(models.AbstractModel):
    """The quality managers' landing dashboard: one counter per tile, each
    counted with one query whatever the data size, each opening its list."""

    _name = "asq.dashboard"
    _description = "After-Sales Quality Dashboard"

    # ------------------------------------------------------------------
    # Tiles
    # ------------------------------------------------------------------
    @api.model
    def _tile_specs(self):
        """{key: spec} of every tile, in display order. A spec names the
        model counted, the window action its list opens with, the roles that
        have that list in their menu (``groups``), the label, the domain
        (None: not the user's concern, the tile is left out) and whether a
        non-zero figure is an alert."""
        today = fields.Date.context_today(self)
        complaints = [("feedback_type", "=", "complaint")]
        open_complaints = expression.AND(
            [complaints, [("state", "not in", ("closed", "cancel"))]]
        )
        open_actions = [
            ("state", "=", "open"),
            ("capa_id.state", "not in", ("closed", "cancel")),
        ]
        complaint_groups = (GROUP_USER,)
        return_groups = (GROUP_USER, GROUP_FINANCE, GROUP_WAREHOUSE)
        capa_groups = (GROUP_USER, GROUP_FINANCE)
        return {
            "open_complaints": {
                "model": "asq.complaint",
                "action": f"{ASQ}asq_complaint_action",
                "groups": complaint_groups,
                "label": self.env._("Open Complaints"),
                "domain": open_complaints,
                "filters": ("complaints", "open"),
            },
            "overdue_complaints": {
                "model": "asq.complaint",
                "action": f"{ASQ}asq_complaint_action",
                "groups": complaint_groups,
                "label": self.env._("Overdue Complaints"),
                "domain": expression.AND(
                    [open_complaints, [("is_overdue", "=", True)]]
                ),
                "filters": ("complaints", "open", "overdue"),
                "alert": True,
            },
            "month_complaints": {
                "model": "asq.complaint",
                "action": f"{ASQ}asq_complaint_action",
                "groups": complaint_groups,
                "label": self.env._("Complaints This Month"),
                # 003 §5.2.3 「认为不是本公司责任时,即不为客户投诉」
                "domain": [
                    ("counts_as_complaint", "=", True),
                    ("received_date", ">=", self._month_start()),
                ],
                # received_date: the search view's date filter, this month.
                "filters": ("counted", "received_date"),
            },
            # 001 §4.2.7 「倉庫主管根據售后服務科負責人、經營部負責人及質管部
            # 評審簽字后的《調退貨明細單》辦理入庫手續」: the warehouse receives
            # the goods of an approved request through its return receipt.
            "to_receive": {
                "model": "stock.picking",
                "action": "stock.action_picking_tree_all",
                "groups": (GROUP_WAREHOUSE,),
                "label": self.env._("To Receive"),
                "domain": self._to_receive_domain(),
                "filters": ("asq_to_receive",),
            },
            "active_holds": {
                "model": "asq.hold",
                "action": f"{ASQ}asq_hold_action",
                "groups": (GROUP_USER, GROUP_FINANCE, GROUP_WAREHOUSE),
                "label": self.env._("Active Quality Holds"),
                "domain": [("state", "in", ("active", "nonconforming"))],
                "filters": ("active_holds",),
            },
            "capa_due": {
                "model": "asq.capa.action",
                "action": f"{ASQ}asq_capa_action_action",
                "groups": (GROUP_USER,),
                "label": self.env._("CAPA Actions Due in 7 Days"),
                "domain": expression.AND(
                    [
                        open_actions,
                        [("date_due", "<=", today + timedelta(days=CAPA_DUE_DAYS))],
                    ]
                ),
                "filters": ("due_soon",),
            },
            "capa_overdue": {
                "model": "asq.capa.action",
                "action": f"{ASQ}asq_capa_action_action",
                "groups": (GROUP_USER,),
                "label": self.env._("Overdue CAPA Actions"),
                "domain": expression.AND([open_actions, [("date_due", "<", today)]]),
                "filters": ("overdue", "capa_open"),
                "alert": True,
            },
            # Approvals waiting for one of my roles.
            "my_returns": {
                "model": "asq.return",
                "action": f"{ASQ}asq_return_action",
                "groups": return_groups,
                "label": self.env._("Return Requests"),
                "domain": self._my_return_domain(),
                "filters": ("waiting_for_me",),
                "section": "approvals",
            },
            "my_complaints": {
                "model": "asq.complaint",
                "action": f"{ASQ}asq_complaint_action",
                "groups": complaint_groups,
                "label": self.env._("Complaints"),
                "domain": self._my_complaint_domain(),
                "filters": ("waiting_for_me",),
                "section": "approvals",
            },
            "my_capa": {
                "model": "asq.capa",
                "action": f"{ASQ}asq_capa_action",
                "groups": capa_groups,
                "label": self.env._("CAPA"),
                "domain": self._my_capa_domain(),
                "filters": ("waiting_for_me",),
                "section": "approvals",
            },
            "my_holds": {
                "model": "asq.hold",
                "action": f"{ASQ}asq_hold_action",
                "groups": (GROUP_USER, GROUP_FINANCE, GROUP_WAREHOUSE),
                "label": self.env._("Quality Holds"),
                "domain": self._my_hold_domain(),
                "filters": ("waiting_for_me",),
                "section": "approvals",
            },
        }

    @api.model
    def _month_start(self, months_back=0):
        """Midnight of the first day of the user's current month (or of the
        month ``months_back`` months before), in UTC."""
        tz = pytz.timezone(self.env.context.get("tz") or self.env.user.tz or "UTC")
        first = fields.Date.context_today(self).replace(day=1)
        first -= relativedelta(months=months_back)
        local = tz.localize(datetime.combine(first, time.min))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    # ------------------------------------------------------------------
    # Trends: Odoo graph views the client action embeds
    # ------------------------------------------------------------------
    @api.model
    def _chart_specs(self):
        """{key: spec} of the trend charts, in display order: the report
        model a graph view (``view``) reads with its own grouped read,
        clickable through to the rows, its domain and the graph's context."""
        since = fields.Datetime.to_string(self._month_start(TREND_MONTHS - 1))
        complaints = [
            ("kind", "=", "complaint"),
            ("counts_as_complaint", "=", True),
            ("date", ">=", since),
        ]
        pareto = {
            "graph_measure": "complaint_ref",
            "graph_mode": "bar",
            "graph_order": "DESC",
        }
        return {
            "complaints_month": {
                "model": "asq.complaint.report",
                "view": f"{ASQ}asq_complaint_report_view_graph_dashboard",
                "title": self.env._("Complaints per Month"),
                "domain": complaints,
                "context": {
                    "graph_measure": "complaint_ref",
                    "graph_mode": "bar",
                    "graph_groupbys": ["date:month"],
                },
            },
            "pareto_category": {
                "model": "asq.complaint.report",
                "view": f"{ASQ}asq_complaint_report_view_graph_dashboard",
                "title": self.env._("Complaints by Category (12 Months)"),
                "domain": complaints,
                "context": {**pareto, "graph_groupbys": ["category"]},
            },
            "pareto_product": {
                "model": "asq.complaint.report",
                "view": f"{ASQ}asq_complaint_report_view_graph_dashboard",
                "title": self.env._("Complaints by Product (12 Months)"),
                "domain": complaints,
                "context": {**pareto, "graph_groupbys": ["product_id"]},
            },
            "reply_timeliness": {
                "model": "asq.complaint.report",
                "view": f"{ASQ}asq_complaint_report_view_graph_dashboard",
                "title": self.env._("Quality Answers on Time and Late"),
                "domain": [
                    ("kind", "=", "complaint"),
                    ("reply_status", "!=", False),
                    ("date", ">=", since),
                ],
                "context": {
                    "graph_measure": "__count",
                    "graph_mode": "bar",
                    "graph_stacked": False,
                    "graph_groupbys": ["date:month", "reply_status"],
                },
            },
            "capa_age": {
                "model": "asq.capa.age.report",
                "view": f"{ASQ}asq_capa_age_report_view_graph",
                "title": self.env._("Open CAPA by Age"),
                "domain": [],
                "context": {
                    "graph_measure": "__count",
                    "graph_mode": "bar",
                    "graph_groupbys": ["age_bucket"],
                },
            },
        }

    @api.model
    def _charts(self):
        """The charts of the report models the user reads (no query: the
        access rights are cached)."""
        return [
            {
                "key": key,
                **spec,
                "view": self.env["ir.model.data"]._xmlid_to_res_id(spec["view"]),
            }
            for key, spec in self._chart_specs().items()
            if self.env[spec["model"]].has_access("read")
        ]

    # ------------------------------------------------------------------
    # "Waiting for me": the next step is signed by one of my roles
    # ------------------------------------------------------------------
    @api.model
    def _to_receive_domain(self):
        """Return receipts of approved requests, not validated yet (the
        filter "To Receive" of the transfers' search view)."""
        return [
            ("asq_return_role", "=", "receipt"),
            ("asq_return_id.state", "=", "approved"),
            ("state", "not in", ("done", "cancel")),
        ]

    @api.model
    def _my_return_domain(self):
        return self.env["asq.return"]._asq_waiting_domain()

    @api.model
    def _my_complaint_domain(self):
        """The quality manager judges, approves the disposition and closes;
        the quality inspector records the findings (of the complaints given
        to them or to nobody yet): the complaint's declared steps."""
        return self.env["asq.complaint"]._asq_waiting_domain()

    @api.model
    def _my_capa_domain(self):
        """The management representative verifies the effectiveness; the
        responsible department's head (or a quality manager) signs off the
        action plan (the CAPA's declared steps)."""
        return self.env["asq.capa"]._asq_waiting_domain()

    @api.model
    def _my_hold_domain(self):
        """The quality inspector verifies an active hold; the quality manager
        releases it once verified conforming (the hold's declared steps)."""
        return self.env["asq.hold"]._asq_waiting_domain()

    # ------------------------------------------------------------------
    # Visibility
    # ------------------------------------------------------------------
    @api.model
    def _tile_allowed(self, spec):
        """The user reads the model and has the tile's list in their menu."""
        user = self.env.user
        return (
            spec["domain"] is not None
            and self.env[spec["model"]].has_access("read")
            and (self.env.su or any(user.has_group(g) for g in spec["groups"]))
        )

    @api.model
    def _tile_domain(self, spec):
        """What is counted: the tile's domain in the active companies."""
        return expression.AND(
            [spec["domain"], [("company_id", "in", self.env.companies.ids)]]
        )

    # ------------------------------------------------------------------
    # Public API (called by the client action)
    # ------------------------------------------------------------------
    @api.model
    def retrieve_dashboard(self):
        """The figures of the tiles the current user may see, in the
        companies of the company switcher: one count query per tile and
        three for the satisfaction index, whatever the data size."""
        tiles, approvals = [], []
        for key, spec in self._tile_specs().items():
            if not self._tile_allowed(spec):
                continue
            count = self.env[spec["model"]].search_count(self._tile_domain(spec))
            tile = {
                "key": key,
                "label": spec["label"],
                "count": count,
                "alert": bool(spec.get("alert") and count),
            }
            (approvals if spec.get("section") == "approvals" else tiles).append(tile)
        if approvals:
            approvals = {
                "count": sum(tile["count"] for tile in approvals),
                "tiles": approvals,
            }
        return {
            "tiles": tiles,
            "approvals": approvals or False,
            "satisfaction": self._satisfaction_figures(),
            "charts": self._charts(),
        }

    @api.model
    def _last_closed_campaign(self):
        Campaign = self.env["asq.survey.campaign"]
        if not Campaign.has_access("read") or not self.env.user.has_group(
            GROUP_USER_ALL
        ):
            return None
        return Campaign.search(
            [("state", "=", "closed"), ("company_id", "in", self.env.companies.ids)],
            order="closed_date desc, id desc",
            limit=1,
        )

    @api.model
    def _satisfaction_figures(self):
        """The last closed campaign's satisfaction index, its difference to
        the previous campaign and its target (False: nothing to show)."""
        campaign = self._last_closed_campaign()
        if campaign is None:
            return False
        if not campaign:
            return {"campaign_id": False}
        previous = campaign.previous_campaign_id
        return {
            "campaign_id": campaign.id,
            "campaign": campaign.name,
            "index": round(campaign.satisfaction_index, 1),
            "target": round(campaign.target_index, 1),
            "trend": round(campaign.trend_index, 1) if previous else False,
            "previous": previous.name or False,
            "met": campaign.satisfaction_index >= campaign.target_index,
        }

    @api.model
    def action_open_tile(self, tile_key):
        """Open the list behind a tile, filtered as the tile counts it."""
        if tile_key == "satisfaction":
            campaign = self._last_closed_campaign()
            if not campaign:
                raise AccessError(
                    self.env._("You have no closed satisfaction survey to open.")
                )
            action = self.env["ir.actions.act_window"]._for_xml_id(
                f"{ASQ}asq_survey_campaign_action"
            )
            action.update(
                {"res_id": campaign.id, "view_mode": "form", "views": [(False, "form")]}
            )
            return action
        spec = self._tile_specs().get(tile_key)
        if not spec or not self._tile_allowed(spec):
            raise AccessError(
                self.env._("This dashboard tile is not available to you.")
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(spec["action"])
        action.update(
            {
                "name": spec["label"],
                "display_name": spec["label"],
                # The tile's filters of the list's search view, shown as
                # facets the user sees and may remove, replace the list's
                # default filters; no hidden domain.
                "context": {f"search_default_{name}": 1 for name in spec["filters"]},
                "target": "current",
            }
        )
        return action
