from . import asq_vendor_evaluation_report
from . import asq_survey_result
from . import asq_survey_report_xlsx
