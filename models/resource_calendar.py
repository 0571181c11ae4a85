from bisect import bisect_right
from datetime import datetime, time, timedelta

import pytz

from odoo import models

from odoo.addons.resource.models.utils import HOURS_PER_DAY, make_aware

# Days looked at for the next working day before giving up (a calendar
# without any working time would otherwise loop for ever).
MAX_DAYS_AHEAD = 60


class ResourceCalendar(models.Model):
    """The addon's working-time arithmetic, next to core's ``plan_hours`` and
    ``plan_days``. Every method also works on an empty calendar (a company
    without one): then every day counts, or Monday to Friday where it says
    so."""

    _inherit = "resource.calendar"

    def _asq_plan_working_days(self, start, days):
        """``start`` (naive UTC) plus ``days`` working days of this calendar
        (weekends and public holidays skipped); a working day is the
        calendar's average hours per day. Without a calendar, calendar days."""
        if not self:
            return start + timedelta(days=days)
        self.ensure_one()
        hours = days * (self.hours_per_day or HOURS_PER_DAY)
        return self.plan_hours(hours, start, compute_leaves=True) or start + timedelta(
            days=days
        )

    def _asq_plan_working_days_batch(self, requests):
        """:meth:`_asq_plan_working_days` for a list of (start, days): the
        calendar's work intervals are read once for the whole batch instead
        of twice per deadline. Returns the deadlines in the same order."""
        if not self or not requests:
            return [
                self._asq_plan_working_days(start, days) for start, days in requests
            ]
        self.ensure_one()
        per_day = self.hours_per_day or HOURS_PER_DAY
        starts = [make_aware(start) for start, _days in requests]
        longest = max(days for _start, days in requests)
        # Two calendar weeks of margin per working week, plus two weeks of
        # holidays; a deadline beyond the window is planned on its own.
        window_start = min(start for start, _revert in starts)
        window_end = max(start for start, _revert in starts) + timedelta(
            days=14 + 2 * 7 * (int(longest) // 5 + 1)
        )
        intervals = [
            (begin, end)
            for begin, end, _meta in self._work_intervals_batch(
                window_start, window_end
            )[False]
        ]
        ends = [end for _begin, end in intervals]
        deadlines = []
        for (start, revert), (naive_start, days) in zip(starts, requests, strict=True):
            hours = days * per_day
            deadline = False
            for begin, end in intervals[bisect_right(ends, start) :]:
                begin = max(begin, start)
                interval_hours = (end - begin).total_seconds() / 3600
                if hours <= interval_hours:
                    deadline = revert(begin + timedelta(hours=hours))
                    break
                hours -= interval_hours
            deadlines.append(deadline or self._asq_plan_working_days(naive_start, days))
        return deadlines

    def _asq_next_working_noon(self, when, tz_name):
        """12:00 in the time zone ``tz_name`` of the first working day after
        ``when`` (naive UTC), as naive UTC: the first day with working time
        on this calendar, public holidays (calendar leaves) excluded; Monday
        to Friday without a calendar."""
        tz = pytz.timezone(tz_name or "UTC")
        local = pytz.utc.localize(when).astimezone(tz)
        day = local.date() + timedelta(days=1)
        for _attempt in range(MAX_DAYS_AHEAD):
            if not self:
                if day.weekday() < 5:
                    break
            elif self._asq_has_working_time(tz, day):
                break
            day += timedelta(days=1)
        noon = tz.localize(datetime.combine(day, time(12, 0)))
        return noon.astimezone(pytz.utc).replace(tzinfo=None)

    def _asq_has_working_time(self, tz, day):
        """Whether ``day`` (a date in ``tz``) has working time left after the
        calendar's leaves."""
        self.ensure_one()
        start = tz.localize(datetime.combine(day, time.min))
        end = tz.localize(datetime.combine(day, time.max))
        intervals = self._work_intervals_batch(start, end, compute_leaves=True)[False]
        return any(True for _interval in intervals)
