"""Date formats by language (FORMAT_MODULE_PATH): English here; Simplified Chinese is Django's own (2026年3月4日 17:00)."""
