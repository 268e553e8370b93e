# English dates as the portal has always written them: year first, no day/month order to guess
# ("2026-03-04 17:00"), for readers all over the world. The rest is Django's English.
DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
