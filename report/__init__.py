from . import asq_report_ratio_mixin
from . import asq_vendor_evaluation_report
from . import asq_survey_result
from . import asq_survey_report_xlsx
from . import asq_return_ratio_report
from . import asq_complaint_report
from . import asq_capa_report
from . import asq_kpi_pack_xlsx
