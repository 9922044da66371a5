# Hindi dates and times: "30 नवंबर 2026", "14:05" (the 24-hour clock: Django's Hindi catalogue gives AM and PM the
# same word). Each format not set here is Django's own for the language (FORMAT_MODULE_PATH in settings).
from django.utils.translation import gettext_noop

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j F, H:i"

# Django's own Hindi catalogue spells these months without their virama ("नवमबर"): naming them here puts them in
# our catalogue (locale/), which LOCALE_PATHS ranks above Django's, with the spelling a reader expects.
MONTH_NAMES_CORRECTED = (gettext_noop("September"), gettext_noop("November"), gettext_noop("December"))
