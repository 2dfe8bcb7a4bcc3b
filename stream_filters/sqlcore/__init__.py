"""What the SQL backend (`stream_filters.sql`) and the Django backend
(`stream_filters.django`) decide the same way, with no SQLAlchemy or Django
import: exact numeric operands (`numbers`), the JSON type an operand compares
with (`custom`), code-point collations and the NUL rewrite (`strings`),
code-point patterns for `$autocomplete`/`$q` (`textmatch`), the Python
functions SQLite runs (`sqlite_functions`), the keyset range plan (`keyset`)
and the key lists of the indexes a schema's sorts need (`indexes`).
Each backend renders these decisions in its own expressions."""
