"""Static files storage: WhiteNoise's compressed manifest storage, with JavaScript module imports rewritten too.

Hashed names are cached by browsers for a year. The pages load ES modules that import each other by
relative path; rewriting those imports to the hashed names as well means a page never combines a new entry
module with a stale cached import after a deploy.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class PulseStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
