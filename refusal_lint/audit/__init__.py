"""`refusal-lint audit`: where a code base stands on refusal handling, site by site.

The engine's single walk per file yields both the findings and the facts; `collect` turns
the facts into plain `Site` records, `sites.attach_findings` hangs each finding on the site
it is about, `coverage` sums the sites per provider family and computes the `--fail-under`
share, and the renderers (`text`, `markdown`, `json_report`, `html`) print the result.
"""
