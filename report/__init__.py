from . import asq_vendor_evaluation_report
