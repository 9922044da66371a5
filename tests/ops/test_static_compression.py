"""Static files leave compressed: Brotli where the browser accepts it (browsers ask for it over HTTPS), else
gzip, else as they are. Plotly alone is 1.1 MB; classrooms on slow links feel every kilobyte."""

import gzip

import brotli
from django.contrib.staticfiles.storage import staticfiles_storage


def test_plotly_is_served_in_the_best_encoding_the_browser_accepts(client):
    url = staticfiles_storage.url("vendor/plotly/plotly-basic.min.js")
    bodies = {}
    for accept, encoding in [("gzip, deflate, br, zstd", "br"), ("gzip, deflate", "gzip"), ("identity", None)]:
        response = client.get(url, HTTP_ACCEPT_ENCODING=accept)
        assert response.status_code == 200
        assert response.get("Content-Encoding") == encoding
        assert response["Vary"] == "Accept-Encoding"
        bodies[encoding] = b"".join(response.streaming_content)

    assert brotli.decompress(bodies["br"]) == gzip.decompress(bodies["gzip"]) == bodies[None]
    assert len(bodies["br"]) < 0.9 * len(bodies["gzip"]) < 0.9 * 0.4 * len(bodies[None])
