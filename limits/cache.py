"""Django's database cache with an atomic `incr`, so limits.counters counts right however
many processes count at once.

Django's own `incr` on the database cache is a `get` then a `set`: two requests in the
same instant both read 4 and both write 5, and a limit of 5 lets both through (40 sign-in
guesses at once all read "0 failures"). Here the row is read `FOR UPDATE` and rewritten in
one transaction; on SQLite (no row locks) the transaction takes the database's write lock
at BEGIN (IMMEDIATE, config/settings/web.py), which serializes it the same way. Redis's
`incr` is atomic already.
"""

import base64
import pickle

from django.core.cache.backends import db
from django.db import connections, router, transaction
from django.utils.timezone import now


class DatabaseCache(db.DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        quote = connection.ops.quote_name
        # _table is set by Django's DatabaseCache.__init__; django-stubs leave it out.
        names = (self._table, "cache_key", "value", "expires")  # type: ignore[attr-defined]
        table, cache_key, value, expires = (quote(name) for name in names)
        # Compared as Django's own has_key() compares (naive UTC, adapted by the backend).
        current = connection.ops.adapt_datetimefield_value(now().replace(microsecond=0, tzinfo=None))
        for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=alias), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {value} FROM {table} WHERE {cache_key} = %s AND {expires} > %s{for_update}", [key, current]
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            stored = connection.ops.process_clob(row[0])
            new_value = pickle.loads(base64.b64decode(stored.encode(), validate=True)) + delta
            encoded = base64.b64encode(pickle.dumps(new_value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {value} = %s WHERE {cache_key} = %s", [encoded, key])
        return new_value
