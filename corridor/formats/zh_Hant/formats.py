"""Traditional Chinese: figures grouped by thousands with a comma (10,000), as on Taiwan's trade documents;
dates as written in Taiwan (2026年12月7日) with 24-hour times.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
DATETIME_FORMAT = "Y年n月j日 H:i:s"
