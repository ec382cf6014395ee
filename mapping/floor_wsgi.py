"""The floor of B2: a WSGI app that does nothing, served by gunicorn as the map is.

B2 allows small map responses "raw SQL + 2 ms". What gunicorn and the HTTP client
cost by themselves on the machine at hand is part of those 2 ms, so the benchmark
serves this app the same way and reports it beside the map's own times. No Django
here: gunicorn imports this module bare.
"""


def application(environ, start_response):
    body = b'{"type":"FeatureCollection","features":[]}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
