"""English: dates with the month's name, day first (7 Dec 2026), never the US month/day order a partner abroad
would misread; 24-hour times, as in shipping schedules.
"""

SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y H:i"
DATETIME_FORMAT = "j M Y H:i:s"
