"""Korean: dates as written in Korea (2026년 12월 7일), 24-hour times; figures grouped by thousands (10,000)."""

SHORT_DATE_FORMAT = "Y년 n월 j일"
SHORT_DATETIME_FORMAT = "Y년 n월 j일 H:i"
DATETIME_FORMAT = "Y년 n월 j일 H:i:s"
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
