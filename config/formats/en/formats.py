# English dates as most of this product's readers write them, and unambiguous everywhere: "30 Nov 2026", "14:05".
# Each format not set here is Django's own for the language (FORMAT_MODULE_PATH in settings).
DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M, H:i"
