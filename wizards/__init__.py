from . import asq_complaint_cancel
from . import asq_complaint_ledger
from . import asq_capa_cancel
from . import asq_return_sign
from . import stock_return_picking
from . import asq_service_visit_cancel
from . import asq_return_ratio_period
from . import asq_kpi_pack_wizard
