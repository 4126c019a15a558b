"""The review workspace: ``lcom review serve``, a small web app where investigators
triage hits, read their evidence and linked ads, and record decisions.

Layout (one component per module):

``model``        the values the stores return and the app renders (no framework)
``store``        the store interface both back-ends implement, and its errors
``local_store``  embedded default: the local spool (read, indexed incrementally into
                 SQLite) and SQLite decisions, under ``LCOM_VAR_DIR``
``es_store``     Elasticsearch: every call made with the signed-in user's credentials
``evidence``     evidence spans at their offsets, as escaped-by-the-template segments
``auth``         login token, server-side sessions, signed cookie, CSRF tokens
``app``          the Starlette application (routes, security headers, templates)
"""
